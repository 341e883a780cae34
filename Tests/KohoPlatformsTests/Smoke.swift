import Testing
@Test func placeholderKohoPlatformsTests() {}

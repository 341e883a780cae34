import Testing
@Test func placeholderKohoServerTests() {}

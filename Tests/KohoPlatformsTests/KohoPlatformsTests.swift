import Testing
@testable import KohoPlatforms

@Test func platformsModuleLoads() {
    #expect(KohoPlatforms.self == KohoPlatforms.self)
}

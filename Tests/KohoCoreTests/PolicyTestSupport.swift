import Foundation
@testable import KohoCore

let kodaira = PolicyLoader.builtIn()
let checker = PolicyChecker(policy: kodaira)

/// An instant given as Tokyo wall-clock time.
func tokyo(_ s: String) -> Date {
    guard let d = JapaneseTime.parseISO8601(s + "+09:00") else { fatalError("bad test time \(s)") }
    return d
}

/// A weekday morning inside the operating hours: Wednesday 2026-11-25 10:00.
let openInstant = tokyo("2026-11-25T10:00:00")
/// A Saturday: closed.
let closedInstant = tokyo("2026-11-28T10:00:00")
let citySource = "https://www.city.kodaira.tokyo.jp/kurashi/123456.html"

func fixturePath(_ name: String) -> String {
    Bundle.module.path(forResource: name, ofType: nil, inDirectory: "Fixtures")!
}

func check(_ action: PlannedAction, at now: Date = openInstant, with c: PolicyChecker = checker) -> CheckResult {
    c.check(action, now: now)
}

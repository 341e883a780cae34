import Foundation
import Testing
@testable import KohoCore

@Suite struct JSONBoundsTests {
    @Test func nestingIsCountedOutsideStringsOnly() throws {
        try JSONBounds.check(Data(#"{"text":"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\"]]]","links":[["a"]]}"#.utf8))
        let deep = String(repeating: "[", count: 33) + String(repeating: "]", count: 33)
        #expect(throws: JSONBounds.Problem.tooDeep(limit: 32)) { try JSONBounds.check(Data(deep.utf8)) }
        try JSONBounds.check(Data((String(repeating: "[", count: 32) + String(repeating: "]", count: 32)).utf8))
    }

    @Test func sizeIsBounded() {
        #expect(throws: JSONBounds.Problem.tooLarge(limit: 10)) { try JSONBounds.check(Data("[1,2,3,4,5,6]".utf8), maxBytes: 10) }
    }

    @Test func anActionNestedTooDeepIsAnInputError() {
        let deep = String(repeating: "[", count: 300) + String(repeating: "]", count: 300)
        let e = #expect(throws: ActionInputError.self) {
            try PlannedAction.decode(json: Data(#"{"account":"kodaira_tokyo","links":\#(deep)}"#.utf8))
        }
        #expect(e?.message == "JSONの入れ子が深すぎます（32段まで）")
    }
}

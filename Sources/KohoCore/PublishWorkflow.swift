import Foundation

/// What the publisher does to a post; kept apart from `PostEvent`, which people do.
public enum PublishStep: String, Sendable, CaseIterable {
    /// A due scheduled post is taken up.
    case start
    /// The platform has the post.
    case succeed
    /// The platform refused it; the staff act by hand.
    case fail
    /// Its window closed while the publisher waited; back to scheduled at the next window.
    case reschedule
    /// What it would send is not what the chief approved; back to the chief.
    case holdForApproval
}

extension PostWorkflow {
    public static func next(_ state: PostState, _ step: PublishStep) -> PostState? {
        switch (state, step) {
        case (.scheduled, .start): return .publishing
        case (.publishing, .succeed): return .published
        case (.publishing, .fail): return .failed
        case (.publishing, .reschedule): return .scheduled
        case (.publishing, .holdForApproval): return .submitted
        default: return nil
        }
    }

    /// Where a post that missed its window goes: the next window's start; an emergency keeps going now.
    public static func rescheduleTime(emergency: Bool, calendar: OperatingCalendar?, now: Date) -> Date? {
        guard !emergency, let calendar, !calendar.isOpen(at: now) else { return nil }
        return calendar.earliestPublishingTime(atOrAfter: now)
    }
}

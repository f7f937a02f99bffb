import ALPRCore
import Foundation
import Testing

/// R11 (§13.824 subd. 3): at most 60 days; the agency may choose less.
@Suite struct RetentionTests {
    @Test func sixtyOneDaysIsRefused() {
        #expect(throws: ALPRError.forbidden(rule: "R11 §13.824 subd. 3", reason: "retention may not exceed 60 days (configured 61)")) {
            try Retention(days: 61)
        }
    }

    @Test(arguments: [0, -1])
    func lessThanOneDayIsInvalid(_ days: Int) {
        #expect(throws: ALPRError.self) { try Retention(days: days) }
    }

    @Test(arguments: [1, 30, 60])
    func cutoffIsExactlyThatManyDaysBeforeNow(_ days: Int) throws {
        let now = Date(timeIntervalSince1970: 1_780_000_000)
        let retention = try Retention(days: days)
        #expect(retention.cutoff(now: now) == now.addingTimeInterval(-Double(days) * 24 * 3600))
        #expect(retention.isExpired(capturedAt: retention.cutoff(now: now).addingTimeInterval(-0.001), now: now))
        #expect(!retention.isExpired(capturedAt: retention.cutoff(now: now), now: now))
    }

    @Test func statutoryDefaultIsSixtyDays() throws {
        #expect(Retention.statutory.days == 60)
        #expect(try Retention().days == 60)
    }
}

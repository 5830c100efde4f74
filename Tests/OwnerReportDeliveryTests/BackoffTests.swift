import Foundation
import OwnerReportCore
import OwnerReportDelivery
import Testing
import TestSupport

@Suite struct BackoffTests {
    var policy: DeliveryPolicy {
        var policy = DeliveryPolicy()
        policy.backoffInitial = .seconds(30)
        policy.backoffMax = .seconds(1800)
        return policy
    }

    @Test func theDelayDoublesWithJitterUpToTheMaximum() {
        let backoff = Backoff(policy: policy)
        for _ in 0..<200 {
            let first = backoff.delay(afterAttempt: 1, retryAfter: nil)
            #expect(first >= .seconds(15) && first <= .seconds(30))
            let third = backoff.delay(afterAttempt: 3, retryAfter: nil)
            #expect(third >= .seconds(60) && third <= .seconds(120))
            let late = backoff.delay(afterAttempt: 40, retryAfter: nil)
            #expect(late >= .seconds(900) && late <= .seconds(1800))
        }
    }

    @Test func neverShorterThanRetryAfter() {
        let backoff = Backoff(policy: policy)
        for _ in 0..<200 {
            #expect(backoff.delay(afterAttempt: 1, retryAfter: .seconds(3600)) == .seconds(3600))
        }
    }
}

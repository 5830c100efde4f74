import Foundation
import OwnerReportCore
import OwnerReportDelivery
import OwnerReportTransfer
import Testing
import TestSupport

@Suite struct SendOutcomeTests {
    func response(_ status: Int, headers: [String: String] = [:]) -> HTTPResponse {
        HTTPResponse(status: status, headers: headers, body: [])
    }

    @Test(arguments: [200, 201, 204])
    func successIsAccepted(status: Int) {
        #expect(SendOutcome.classify(response(status), detail: "d") == .accepted(status: status, messageID: nil))
    }

    @Test(arguments: [408, 429, 500, 502, 503])
    func retryableStatusesAreTransient(status: Int) {
        guard case .transient = SendOutcome.classify(response(status), detail: "d") else {
            Issue.record("HTTP \(status) must be transient")
            return
        }
    }

    @Test(arguments: [401, 403, 404, 410])
    func credentialAndAddressErrorsBreakTheDestination(status: Int) {
        #expect(SendOutcome.classify(response(status), detail: "d") == .destinationBroken(status: status, detail: "d"))
    }

    @Test(arguments: [400, 413, 422])
    func otherClientErrorsRejectTheMessage(status: Int) {
        #expect(SendOutcome.classify(response(status), detail: "d") == .rejected(status: status, detail: "d"))
    }

    @Test func retryAfterIsReadAsSecondsOrAnHTTPDate() {
        #expect(response(429, headers: ["retry-after": "7"]).retryAfter() == .seconds(7))
        let now = Date(timeIntervalSince1970: 1_795_421_700)
        let later = response(503, headers: ["retry-after": "Mon, 23 Nov 2026 08:16:40 GMT"]).retryAfter(now: now)
        #expect(later == .seconds(100))
        #expect(response(429, headers: ["retry-after": "soon"]).retryAfter() == nil)
    }

    @Test func aConnectionErrorIsTransientAndAMalformedURLIsNot() {
        guard case .transient = SendOutcome.classify(CurlError(code: 7, message: "refused", url: "http://127.0.0.1:9"))
        else {
            Issue.record("a refused connection must be transient")
            return
        }
        guard case .destinationBroken = SendOutcome.classify(CurlError(code: 3, message: "bad url", url: "(url)"))
        else {
            Issue.record("a malformed URL is the destination's configuration")
            return
        }
    }
}

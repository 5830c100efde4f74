import OwnerReportTransfer

/// How a destination answered one message, sorted by what the driver must do next (docs/design.md §5).
public enum SendOutcome: Sendable, Equatable {
    /// Accepted (HTTP 2xx, SMTP 250); the id the service gave the message, when it gives one.
    case accepted(status: Int?, messageID: String?)
    /// Try again later (connect error, timeout, 5xx, 408, 429); never before `retryAfter`.
    case transient(status: Int?, retryAfter: Duration?, detail: String)
    /// This message can never be accepted as it is (other 4xx): it goes to failed/.
    case rejected(status: Int?, detail: String)
    /// The destination itself is misconfigured (401, 403, 404, 410): stop everything, exit 78.
    case destinationBroken(status: Int?, detail: String)

    /// Sorts an HTTP response; `detail` is a short, secret-free summary of it.
    public static func classify(_ response: HTTPResponse, detail: String) -> SendOutcome {
        switch response.status {
        case 200..<300: .accepted(status: response.status, messageID: nil)
        case 408, 429, 500..<600: .transient(status: response.status, retryAfter: response.retryAfter(), detail: detail)
        case 401, 403, 404, 410: .destinationBroken(status: response.status, detail: detail)
        default: .rejected(status: response.status, detail: detail)
        }
    }

    /// Sorts a transfer that never got a response.
    public static func classify(_ error: CurlError) -> SendOutcome {
        error.isTransient
            ? .transient(status: nil, retryAfter: nil, detail: error.description)
            : .destinationBroken(status: nil, detail: error.description)
    }
}

import Foundation
import OwnerReportCore

/// One HTTP request as the intake handles it: read whole (within the size limit) before anything is done.
public struct IntakeRequest: Sendable {
    public var method: String
    /// The path without its query string.
    public var path: String
    /// Header names in lower case.
    public var headers: [String: String]
    public var body: [UInt8]
    /// Who is at the other end: the kernel's word on a Unix socket, an address on TCP.
    public var peer: Peer

    public enum Peer: Sendable, Equatable {
        case unix(uid: UInt32, pid: Int32)
        case tcp
    }

    public init(method: String, path: String, headers: [String: String], body: [UInt8], peer: Peer) {
        self.method = method
        self.path = path
        self.headers = headers
        self.body = body
        self.peer = peer
    }
}

/// The answer to a request: a status, a few headers and a JSON body.
public struct IntakeResponse: Sendable, Equatable {
    public var status: Int
    public var headers: [String: String]
    public var body: [UInt8]

    public init(status: Int, json: [String: Any], headers: [String: String] = [:]) {
        self.status = status
        self.headers = headers
        let data =
            (try? JSONSerialization.data(withJSONObject: json, options: [.sortedKeys, .withoutEscapingSlashes]))
            ?? Data("{}".utf8)
        body = Array(data) + [UInt8(ascii: "\n")]
    }

    /// An error answer: `{"error": message}` (and Retry-After on 503, so the sender tries again).
    public static func error(_ status: Int, _ message: String) -> IntakeResponse {
        IntakeResponse(status: status, json: ["error": message], headers: status == 503 ? ["Retry-After": "30"] : [:])
    }
}

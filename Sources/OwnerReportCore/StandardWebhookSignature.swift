import Foundation

/// Standard Webhooks signatures: `v1,` + base64 HMAC-SHA256 of `id.timestamp.body`. The webhook channel
/// signs with it and the intake's `/v1/relay` verifies with it, so both sides read the spec the same way.
public struct StandardWebhookSignature {
    private let key: [UInt8]

    /// A secret as Standard Webhooks gives it: base64 after an optional `whsec_`; other text is used as raw bytes.
    public init(secret: String) {
        let body = secret.hasPrefix("whsec_") ? String(secret.dropFirst(6)) : secret
        if let decoded = Data(base64Encoded: body), !decoded.isEmpty {
            key = Array(decoded)
        } else {
            key = Array(secret.utf8)
        }
    }

    /// The `webhook-signature` header value for a message.
    public func sign(id: String, timestamp: Int64, body: [UInt8]) -> String {
        "v1,\(Data(mac(id: id, timestamp: timestamp, body: body)).base64EncodedString())"
    }

    /// Whether any of the space-separated `v1,` signatures in `header` is this key's for the message; the
    /// comparison takes the same time wherever the bytes differ.
    public func verify(_ header: String, id: String, timestamp: Int64, body: [UInt8]) -> Bool {
        let expected = mac(id: id, timestamp: timestamp, body: body)
        var matched = false
        for candidate in header.split(separator: " ") where candidate.hasPrefix("v1,") {
            guard let given = Data(base64Encoded: String(candidate.dropFirst(3))), given.count == expected.count else {
                continue
            }
            var difference: UInt8 = 0
            for (left, right) in zip(given, expected) { difference |= left ^ right }
            if difference == 0 { matched = true }
        }
        return matched
    }

    private func mac(id: String, timestamp: Int64, body: [UInt8]) -> [UInt8] {
        SHA256.authenticationCode(for: Array("\(id).\(timestamp).".utf8) + body, key: key)
    }
}

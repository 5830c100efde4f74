import OwnerReportCore

/// Debian's libcrypto (OpenSSL 3): an implementation of SHA-256 and HMAC other than the project's own, for
/// tests to check it against.
public struct LibcryptoReference: @unchecked Sendable {
    typealias Digest =
        @convention(c) (UnsafePointer<UInt8>?, Int, UnsafeMutablePointer<UInt8>?) -> UnsafeMutablePointer<
            UInt8
        >?
    typealias Machine = @convention(c) () -> OpaquePointer?
    typealias Mac =
        @convention(c) (
            OpaquePointer?, UnsafeRawPointer?, Int32, UnsafePointer<UInt8>?, Int, UnsafeMutablePointer<UInt8>?,
            UnsafeMutablePointer<UInt32>?
        ) -> UnsafeMutablePointer<UInt8>?

    let digest: Digest
    let machine: Machine
    let mac: Mac

    public init() throws {
        let library = try SharedLibrary(soname: "libcrypto.so.3", package: "libssl3", purpose: "the SHA-256 reference")
        digest = try library.symbol("SHA256", as: Digest.self)
        machine = try library.symbol("EVP_sha256", as: Machine.self)
        mac = try library.symbol("HMAC", as: Mac.self)
    }

    public func sha256(_ bytes: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        _ = bytes.withUnsafeBufferPointer { input in digest(input.baseAddress, input.count, &out) }
        return out
    }

    public func hmacSHA256(key: [UInt8], message: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        _ = key.withUnsafeBytes { keyBytes in
            message.withUnsafeBufferPointer { input in
                mac(
                    machine(), keyBytes.baseAddress, Int32(key.count), input.baseAddress, input.count, &out, &length)
            }
        }
        return out
    }
}

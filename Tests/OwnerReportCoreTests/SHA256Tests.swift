import Foundation
import OwnerReportCore
import Testing
import TestSupport

/// SHA-256 and HMAC-SHA-256 against the standards' own examples and against Debian's libcrypto, an
/// implementation of its own, on inputs of every length around the 64-byte block and its padding.
@Suite struct SHA256Tests {
    /// FIPS 180-4's examples (NIST's "SHA256.pdf" and the long-message test).
    @Test func theStandardsExamples() {
        #expect(
            DigitText.hex(SHA256.hash(Array("abc".utf8)))
                == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(
            DigitText.hex(SHA256.hash([UInt8]()))
                == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(
            DigitText.hex(SHA256.hash(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)))
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        #expect(
            DigitText.hex(SHA256.hash([UInt8](repeating: 0x61, count: 1_000_000)))
                == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    /// RFC 4231's test cases 1, 2, 6 and 7: a short key, a text key, and keys longer than a block.
    @Test func rfc4231() {
        let cases: [(key: [UInt8], data: [UInt8], mac: String)] = [
            (
                [UInt8](repeating: 0x0b, count: 20), Array("Hi There".utf8),
                "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"
            ),
            (
                Array("Jefe".utf8), Array("what do ya want for nothing?".utf8),
                "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
            ),
            (
                [UInt8](repeating: 0xaa, count: 131),
                Array("Test Using Larger Than Block-Size Key - Hash Key First".utf8),
                "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
            ),
            (
                [UInt8](repeating: 0xaa, count: 131),
                Array(
                    "This is a test using a larger than block-size key and a larger than block-size data. The key needs to be hashed before being used by the HMAC algorithm."
                        .utf8),
                "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"
            ),
        ]
        for (key, data, mac) in cases {
            #expect(DigitText.hex(SHA256.authenticationCode(for: data, key: key)) == mac)
        }
    }

    /// Every length from 0 to 300 bytes (every padding case, one to five blocks), whole and fed in pieces,
    /// against libcrypto; and HMAC with keys of 0 to 130 bytes.
    @Test func agreesWithLibcrypto() throws {
        let reference = try LibcryptoReference()
        var generator = SystemRandomNumberGenerator()
        for length in 0...300 {
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            #expect(SHA256.hash(bytes) == reference.sha256(bytes), "length \(length)")
            // A sequence that is not contiguous goes through the same path as an array.
            #expect(SHA256.hash(bytes.lazy.map { $0 }) == reference.sha256(bytes), "length \(length), lazily")
        }
        for keyLength in 0...130 {
            let key = (0..<keyLength).map { _ in UInt8.random(in: 0...255, using: &generator) }
            let message = (0..<(keyLength * 3)).map { _ in UInt8.random(in: 0...255, using: &generator) }
            #expect(
                SHA256.authenticationCode(for: message, key: key) == reference.hmacSHA256(key: key, message: message),
                "key length \(keyLength)")
        }
    }
}

/// SHA-256 (FIPS 180-4) and HMAC-SHA-256 (RFC 2104), for the ledger's hash chain, report and message
/// keys, and Standard Webhooks signatures.
///
/// Written here rather than taken from a library: swift-crypto compiled about 370 C files of BoringSSL
/// for these two functions, and Debian's libcrypto, opened at start, cost every one-shot program about
/// a millisecond before its first hash (docs/design.md §14). Checked against the standards' own
/// examples and against libcrypto on inputs of every length around a block
/// (Tests/OwnerReportCoreTests/SHA256Tests.swift).
public enum SHA256 {
    /// The digest's length in bytes.
    public static let byteCount = 32
    static let blockSize = 64

    /// The SHA-256 digest of `bytes`.
    public static func hash(_ bytes: some Sequence<UInt8>) -> [UInt8] {
        var state = State()
        state.update(bytes)
        return state.finish()
    }

    /// HMAC-SHA-256 of `message` under `key` (RFC 2104: a key longer than a block is hashed first).
    public static func authenticationCode(for message: some Sequence<UInt8>, key: some Collection<UInt8>) -> [UInt8] {
        var block = key.count > blockSize ? hash(key) : Array(key)
        block += [UInt8](repeating: 0, count: blockSize - block.count)
        var inner = State()
        inner.update(block.map { $0 ^ 0x36 })
        inner.update(message)
        var outer = State()
        outer.update(block.map { $0 ^ 0x5c })
        outer.update(inner.finish())
        return outer.finish()
    }

    /// A hash in progress: eight words of state, the part of a block not yet compressed, how many blocks were.
    struct State {
        private var words: (UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32) = (
            0x6a09_e667, 0xbb67_ae85, 0x3c6e_f372, 0xa54f_f53a, 0x510e_527f, 0x9b05_688c, 0x1f83_d9ab, 0x5be0_cd19
        )
        private var pending: [UInt8] = []
        private var blocksDone: UInt64 = 0

        init() { pending.reserveCapacity(SHA256.blockSize) }

        mutating func update(_ bytes: some Sequence<UInt8>) {
            if bytes.withContiguousStorageIfAvailable({ update(contiguous: $0) }) == nil {
                Array(bytes).withUnsafeBufferPointer { update(contiguous: $0) }
            }
        }

        private mutating func update(contiguous input: UnsafeBufferPointer<UInt8>) {
            guard let base = input.baseAddress else { return }
            var index = 0
            if !pending.isEmpty {
                index = min(SHA256.blockSize - pending.count, input.count)
                pending.append(contentsOf: input[0..<index])
                if pending.count == SHA256.blockSize { compressPending() }
            }
            while input.count - index >= SHA256.blockSize {
                compress(base + index)
                index += SHA256.blockSize
            }
            pending.append(contentsOf: input[index...])
        }

        /// Pads (0x80, zeros, the length in bits, big-endian) and returns the digest.
        mutating func finish() -> [UInt8] {
            let bits = (blocksDone &* UInt64(SHA256.blockSize) &+ UInt64(pending.count)) &* 8
            pending.append(0x80)
            if pending.count > SHA256.blockSize - 8 {
                pending += [UInt8](repeating: 0, count: SHA256.blockSize - pending.count)
                compressPending()
            }
            pending += [UInt8](repeating: 0, count: SHA256.blockSize - 8 - pending.count)
            for shift in stride(from: 56, through: 0, by: -8) {
                pending.append(UInt8(truncatingIfNeeded: bits >> shift))
            }
            compressPending()
            var digest: [UInt8] = []
            digest.reserveCapacity(SHA256.byteCount)
            for word in [words.0, words.1, words.2, words.3, words.4, words.5, words.6, words.7] {
                for shift in stride(from: 24, through: 0, by: -8) {
                    digest.append(UInt8(truncatingIfNeeded: word >> shift))
                }
            }
            return digest
        }

        /// The full block in `pending`, compressed; `pending` is then empty.
        private mutating func compressPending() {
            var block: [UInt8] = []
            swap(&block, &pending)
            block.withUnsafeBufferPointer { if let base = $0.baseAddress { compress(base) } }
            block.removeAll(keepingCapacity: true)
            swap(&block, &pending)
        }

        /// One 64-byte block into the state (FIPS 180-4 §6.2.2).
        private mutating func compress(_ block: UnsafePointer<UInt8>) {
            blocksDone &+= 1
            withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 64) { w in
                for t in 0..<16 {
                    w[t] =
                        UInt32(block[4 * t]) << 24 | UInt32(block[4 * t + 1]) << 16 | UInt32(block[4 * t + 2]) << 8
                        | UInt32(block[4 * t + 3])
                }
                for t in 16..<64 {
                    let s0 = rotate(w[t - 15], 7) ^ rotate(w[t - 15], 18) ^ (w[t - 15] >> 3)
                    let s1 = rotate(w[t - 2], 17) ^ rotate(w[t - 2], 19) ^ (w[t - 2] >> 10)
                    w[t] = w[t - 16] &+ s0 &+ w[t - 7] &+ s1
                }
                var (a, b, c, d, e, f, g, h) = words
                for t in 0..<64 {
                    let t1 =
                        h &+ (rotate(e, 6) ^ rotate(e, 11) ^ rotate(e, 25)) &+ ((e & f) ^ (~e & g)) &+ roundConstants[t]
                        &+ w[t]
                    let t2 = (rotate(a, 2) ^ rotate(a, 13) ^ rotate(a, 22)) &+ ((a & b) ^ (a & c) ^ (b & c))
                    (h, g, f, e, d, c, b, a) = (g, f, e, d &+ t1, c, b, a, t1 &+ t2)
                }
                words = (
                    words.0 &+ a, words.1 &+ b, words.2 &+ c, words.3 &+ d, words.4 &+ e, words.5 &+ f,
                    words.6 &+ g, words.7 &+ h
                )
            }
        }
    }
}

@inline(__always) private func rotate(_ word: UInt32, _ count: UInt32) -> UInt32 {
    (word >> count) | (word << (32 - count))
}

/// The first 32 bits of the fractional parts of the cube roots of the first 64 primes (FIPS 180-4 §4.2.2).
private let roundConstants: [UInt32] = [
    0x428a_2f98, 0x7137_4491, 0xb5c0_fbcf, 0xe9b5_dba5, 0x3956_c25b, 0x59f1_11f1, 0x923f_82a4, 0xab1c_5ed5,
    0xd807_aa98, 0x1283_5b01, 0x2431_85be, 0x550c_7dc3, 0x72be_5d74, 0x80de_b1fe, 0x9bdc_06a7, 0xc19b_f174,
    0xe49b_69c1, 0xefbe_4786, 0x0fc1_9dc6, 0x240c_a1cc, 0x2de9_2c6f, 0x4a74_84aa, 0x5cb0_a9dc, 0x76f9_88da,
    0x983e_5152, 0xa831_c66d, 0xb003_27c8, 0xbf59_7fc7, 0xc6e0_0bf3, 0xd5a7_9147, 0x06ca_6351, 0x1429_2967,
    0x27b7_0a85, 0x2e1b_2138, 0x4d2c_6dfc, 0x5338_0d13, 0x650a_7354, 0x766a_0abb, 0x81c2_c92e, 0x9272_2c85,
    0xa2bf_e8a1, 0xa81a_664b, 0xc24b_8b70, 0xc76c_51a3, 0xd192_e819, 0xd699_0624, 0xf40e_3585, 0x106a_a070,
    0x19a4_c116, 0x1e37_6c08, 0x2748_774c, 0x34b0_bcb5, 0x391c_0cb3, 0x4ed8_aa4a, 0x5b9c_ca4f, 0x682e_6ff3,
    0x748f_82ee, 0x78a5_636f, 0x84c8_7814, 0x8cc7_0208, 0x90be_fffa, 0xa450_6ceb, 0xbef9_a3f7, 0xc671_78f2,
]

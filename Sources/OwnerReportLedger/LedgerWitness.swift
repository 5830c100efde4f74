/// A row of the ledger as someone outside it saw it: its sequence number and hash (`SEQ:HASH`).
///
/// The daily report ends with the ledger's head as a witness, so the owner's own chat history holds
/// it. Each row's hash covers the row and every row before it through the chain, so a ledger that
/// still holds row SEQ with that hash cannot have had any earlier row edited, and a ledger rewritten
/// with every hash recomputed no longer matches the witness (`owner-report-archiver verify --witness`).
public struct LedgerWitness: Sendable, Hashable, CustomStringConvertible {
    public let sequence: Int64
    /// The row's SHA-256 hash, 64 lower-case hex digits.
    public let hash: String

    public init(sequence: Int64, hash: String) {
        self.sequence = sequence
        self.hash = hash
    }

    /// Reads `SEQ:HASH` (a positive row number, a colon, 64 hex digits); nil for anything else.
    public init?(_ text: String) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, let sequence = Int64(parts[0]), sequence > 0, parts[1].utf8.count == 64,
            parts[1].utf8.allSatisfy({
                ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) || ($0 >= 0x41 && $0 <= 0x46)
            })
        else { return nil }
        self.init(sequence: sequence, hash: parts[1].lowercased())
    }

    public var description: String { "\(sequence):\(hash)" }
}

extension Ledger {
    /// The last row as a witness; nil for an empty ledger.
    public func head() throws(SQLiteError) -> LedgerWitness? {
        try query("ORDER BY seq DESC LIMIT 1", []).first.map { LedgerWitness(sequence: $0.sequence, hash: $0.hash) }
    }

    /// Why the ledger does not hold `witness`, or nil when it does.
    public func disagreement(with witness: LedgerWitness) throws(SQLiteError) -> String? {
        guard let row = try query("WHERE seq = ?", [.integer(witness.sequence)]).first else {
            let last = try head()?.sequence ?? 0
            return "row \(witness.sequence) is gone (the ledger ends at row \(last)): it was truncated or replaced"
        }
        guard row.hash == witness.hash else {
            return
                "row \(witness.sequence)'s hash is \(row.hash.prefix(16))…, the witness says \(witness.hash.prefix(16))…: the chain was rewritten"
        }
        return nil
    }
}

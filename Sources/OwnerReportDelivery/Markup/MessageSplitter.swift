import OwnerReportCore
/// Cuts a Markdown document into parts that each fit one chat message (docs/design.md §5, "Long messages").
///
/// Cuts fall between paragraphs where they can, then between lines, and only then inside a line,
/// at a space when one is near, otherwise between two grapheme clusters: never inside a multi-byte
/// character, an emoji sequence or a combining mark. A fenced code block that must be cut is closed
/// at the end of one part and opened again, with its language, at the start of the next. Every part
/// is measured with the channel's own cost per character, so a part that fits here fits there.
/// When there is more than one part, each starts with a `(k/n)` line, counted in the limit.
public struct MessageSplitter: Sendable {
    /// The most a part may cost, numbering included.
    public let limit: Int
    /// What one character costs on the channel (UTF-16 code units for Telegram and Discord).
    public let cost: @Sendable (Character) -> Int

    public init(limit: Int, cost: @escaping @Sendable (Character) -> Int = { $0.utf16.count }) {
        precondition(limit >= 64, "a message limit this small cannot hold a part")
        self.limit = limit
        self.cost = cost
    }

    /// The parts, each numbered `(k/n)` on its first line when there are several.
    public func split(_ markdown: String) -> [String] {
        let parts = pack(markdown)
        guard parts.count > 1 else { return parts }
        return parts.enumerated().map { "(\($0.offset + 1)/\(parts.count))\n\($0.element)" }
    }

    /// The cost of `text` on this channel, newlines included.
    public func measure<S: StringProtocol>(_ text: S) -> Int {
        text.reduce(0) { $0 + cost($1) }
    }

    private func pack(_ markdown: String) -> [String] {
        // Room for "(nnnn/nnnn)" and its newline: more parts than that cannot come from a report
        // under delivery.max_report_bytes.
        var packer = Packer(budget: limit - measure("(9999/9999)\n"), splitter: self)
        for segment in Segment.parse(markdown) {
            let blanks = packer.isEmpty ? 0 : segment.blankLinesBefore
            let whole = blanks + segment.lines.reduce(0) { $0 + measure($1) + 1 }
            if !packer.isEmpty, !packer.fits(whole), whole <= packer.budget {
                packer.cut()  // the paragraph fits a part of its own: start one rather than break it
            }
            for _ in 0..<(packer.isEmpty ? 0 : segment.blankLinesBefore) { packer.append("") }
            for (index, line) in segment.lines.enumerated() {
                if let fence = segment.fence {
                    if index == 0 {
                        // An opening fence alone at the end of a part would leave an empty block.
                        let firstLine = segment.lines.count > 1 ? measure(segment.lines[1]) + 1 : 0
                        if !packer.isEmpty, !packer.fits(measure(line) + 1 + firstLine + measure(fence.closingLine) + 1)
                        {
                            packer.cut()
                        }
                        packer.append(line)
                        packer.fence = fence
                        continue
                    }
                    if index == segment.lines.count - 1, segment.closed {
                        packer.fence = nil
                        packer.append(line)
                        continue
                    }
                }
                packer.append(line)
            }
        }
        return packer.finish()
    }

    /// Greedy filling of parts, line by line.
    private struct Packer {
        let budget: Int
        let splitter: MessageSplitter
        var parts: [String] = []
        var lines: [String] = []
        var used = 0
        /// The code fence open at this point, which a cut must close and reopen.
        var fence: CodeFence?
        /// Lines in the current part that carry content (not a reopened fence).
        var contentLines = 0

        init(budget: Int, splitter: MessageSplitter) {
            self.budget = budget
            self.splitter = splitter
        }

        var isEmpty: Bool { contentLines == 0 }

        /// Room kept for the fence line a cut would have to add.
        var reserve: Int { fence.map { splitter.measure($0.closingLine) + 1 } ?? 0 }

        func fits(_ cost: Int) -> Bool { used + cost + reserve <= budget }

        mutating func append(_ line: String) {
            let cost = splitter.measure(line) + 1
            if fits(cost) {
                add(line, cost: cost)
                return
            }
            if !isEmpty {
                cut()
                if fits(cost) {
                    add(line, cost: cost)
                    return
                }
            }
            // A single line longer than a whole part: cut inside it.
            var rest = Substring(line)
            while !rest.isEmpty {
                let room = budget - used - reserve - 1
                let piece = splitter.prefix(of: rest, costingAtMost: room)
                add(String(piece), cost: splitter.measure(piece) + 1)
                rest = rest[piece.endIndex...]
                if !rest.isEmpty { cut() }
            }
        }

        mutating func add(_ line: String, cost: Int) {
            lines.append(line)
            used += cost
            contentLines += 1
        }

        mutating func cut() {
            guard !isEmpty else { return }
            if let fence { lines.append(fence.closingLine) }
            parts.append(lines.joined(separator: "\n"))
            lines = []
            used = 0
            contentLines = 0
            if let fence {
                // A long info string would crowd out the code; the language is a nicety (found by fuzz/).
                let opening = splitter.measure(fence.openingLine) <= budget / 4 ? fence.openingLine : fence.closingLine
                lines.append(opening)
                used = splitter.measure(opening) + 1
            }
        }

        mutating func finish() -> [String] {
            if !isEmpty {
                parts.append(lines.joined(separator: "\n"))
            }
            return parts.isEmpty ? [""] : parts
        }
    }

    /// The longest start of `text` costing at most `room`, ending after a space when one is in its
    /// second half; at least one grapheme cluster (one scalar, for a cluster costing more than
    /// `room`), so that the cutting always advances.
    func prefix(of text: Substring, costingAtMost room: Int) -> Substring {
        var total = 0
        var end = text.startIndex
        var lastSpace: Substring.Index?
        var spaceCost = 0
        while end < text.endIndex {
            let next = total + cost(text[end])
            if next > room, end > text.startIndex { break }
            if text[end] == " " {
                lastSpace = text.index(after: end)
                spaceCost = next
            }
            total = next
            end = text.index(after: end)
        }
        if end < text.endIndex, let lastSpace, spaceCost * 2 >= room {
            return text[..<lastSpace]
        }
        if total > room {
            // One grapheme cluster costing more than a part (a mark-stacked "Zalgo" run): cut it
            // between scalars rather than send a part over the limit (found by fuzz/).
            var scalarEnd = text.startIndex
            var scalarTotal = 0
            for scalar in text[..<end].unicodeScalars {
                let next = scalarTotal + cost(Character(scalar))
                if next > room, scalarEnd > text.startIndex { break }
                scalarTotal = next
                scalarEnd = text.unicodeScalars.index(after: scalarEnd)
            }
            return text[..<scalarEnd]
        }
        return text[..<end]
    }
}

/// A paragraph or a fenced code block, with the blank lines that came before it.
private struct Segment {
    var lines: [String] = []
    var blankLinesBefore = 0
    var fence: CodeFence?
    /// Whether the fence's closing line is the last line (a fence left open runs to the end).
    var closed = false

    static func parse(_ markdown: String) -> [Segment] {
        var segments: [Segment] = []
        var current = Segment()
        var blanks = 0
        func finish() {
            if !current.lines.isEmpty { segments.append(current) }
            current = Segment()
        }
        for line in markdown.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline) {
            if let fence = current.fence {
                current.lines.append(String(line))
                if fence.isClosed(by: line) {
                    current.closed = true
                    finish()
                }
                continue
            }
            if line.isBlank {
                finish()
                blanks += 1
                continue
            }
            if let fence = CodeFence(opening: line) {
                finish()
                current.fence = fence
            }
            if current.lines.isEmpty {
                current.blankLinesBefore = blanks
                blanks = 0
            }
            current.lines.append(String(line))
        }
        finish()
        return segments
    }
}

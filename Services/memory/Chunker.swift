import MamiCore

/// Splits a document into chunks for retrieval, along its headings and paragraphs.
///
/// The text is cut into sections at Markdown heading lines (`#` to `######`, outside
/// fenced code), and sections into paragraphs at blank lines. Whole paragraphs are
/// packed into chunks of at most `maxCharacters`, never across a heading, and every
/// chunk of a section starts with its heading line (counted in the limit), so the
/// heading is searchable and each chunk says where it is from.
///
/// A paragraph longer than a chunk is cut at a sentence end where that leaves the
/// piece at least half full, otherwise between words; a piece cut between words is
/// followed by one that begins with its last words (about `overlapCharacters`), so a
/// sentence cut there is whole in one of the two. Only a single word longer than a
/// chunk is itself split, since no whole-word chunk could hold it. Text without
/// headings or blank lines is one paragraph, chunked by those rules alone.
struct Chunker: Sendable {
    var maxCharacters = 800
    var overlapCharacters = 120

    func chunks(of text: String) -> [String] {
        DocumentSections(text).sections.flatMap { chunks(of: $0) }
    }

    /// The section's paragraphs packed into chunks that each open with its heading.
    private func chunks(of section: DocumentSection) -> [String] {
        var paragraphs = section.paragraphs
        var heading = section.heading
        if let line = heading, line.count > maxCharacters / 2 {
            paragraphs.insert(line, at: 0)  // too long to open every chunk: the first paragraph instead
            heading = nil
        }
        var packer = ParagraphPacker(heading: heading, limit: maxCharacters)
        for paragraph in paragraphs {
            if paragraph.count <= packer.budget {
                packer.append(paragraph)
            } else {
                packer.append(pieces: pieces(of: paragraph, budget: packer.budget))
            }
        }
        return packer.finish()
    }

    /// A paragraph too long for one chunk, in pieces of at most `budget` characters.
    func pieces(of paragraph: String, budget: Int) -> [String] {
        let words = paragraph.split(separator: " ").flatMap { split(word: String($0), budget: budget) }
        var cutter = WordCutter(budget: budget, overlapCharacters: overlapCharacters)
        for word in words { cutter.add(word) }
        return cutter.finish()
    }

    private func split(word: String, budget: Int) -> [String] {
        guard word.count > budget else { return [word] }
        return stride(from: 0, to: word.count, by: budget).map { offset in
            let start = word.index(word.startIndex, offsetBy: offset)
            let end = word.index(start, offsetBy: min(budget, word.count - offset))
            return String(word[start..<end])
        }
    }
}

/// Fills chunks of one section with whole paragraphs, each chunk opening with the heading.
private struct ParagraphPacker {
    static let separator = "\n\n"
    let heading: String?
    /// Characters left for paragraphs once the heading line and its separator are counted.
    let budget: Int
    private var chunks: [String] = []
    private var paragraphs: [String] = []
    private var length = 0

    init(heading: String?, limit: Int) {
        self.heading = heading
        budget = limit - (heading.map { $0.count + Self.separator.count } ?? 0)
    }

    func fits(_ paragraph: String) -> Bool {
        length + (paragraphs.isEmpty ? 0 : Self.separator.count) + paragraph.count <= budget
    }

    mutating func append(_ paragraph: String) {
        if !fits(paragraph) { flush() }
        length += (paragraphs.isEmpty ? 0 : Self.separator.count) + paragraph.count
        paragraphs.append(paragraph)
    }

    /// The pieces of a long paragraph: each its own chunk, but the last may share one with what follows.
    mutating func append(pieces: [String]) {
        flush()
        for piece in pieces.dropLast() {
            append(piece)
            flush()
        }
        if let last = pieces.last { append(last) }
    }

    mutating func finish() -> [String] {
        flush()
        if chunks.isEmpty, let heading { return [heading] }  // a heading with nothing under it
        return chunks
    }

    private mutating func flush() {
        guard !paragraphs.isEmpty else { return }
        chunks.append(([heading].compactMap { $0 } + paragraphs).joined(separator: Self.separator))
        paragraphs = []
        length = 0
    }
}

/// Cuts a stream of words into pieces of at most `budget` characters, at sentence ends where it can.
private struct WordCutter {
    let budget: Int
    let overlapCharacters: Int
    private var pieces: [String] = []
    private var current: [String] = []
    /// Characters of `current` joined by spaces.
    private var length = 0
    /// How many words at the start of `current` repeat the end of the previous piece.
    private var carried = 0

    init(budget: Int, overlapCharacters: Int) {
        self.budget = budget
        self.overlapCharacters = overlapCharacters
    }

    mutating func add(_ word: String) {
        while !current.isEmpty, length + 1 + word.count > budget { cut() }
        length += (current.isEmpty ? 0 : 1) + word.count
        current.append(word)
    }

    mutating func finish() -> [String] {
        if current.count > carried { pieces.append(current.joined(separator: " ")) }
        return pieces
    }

    /// Emits a full piece: up to its last sentence end, or all of it with its last words carried over.
    private mutating func cut() {
        if current.count == carried {  // the carried words and the next word do not fit together: drop them
            current = []
            carried = 0
        } else if let end = sentenceEnd() {
            pieces.append(current[...end].joined(separator: " "))
            current.removeFirst(end + 1)
            carried = 0
        } else {
            pieces.append(current.joined(separator: " "))
            current = overlap(of: current)
            carried = current.count
        }
        length = current.isEmpty ? 0 : current.joined(separator: " ").count
    }

    /// The index of the last word ending a sentence, if cutting after it keeps the piece at least half full
    /// (and holds more than the words carried over).
    private func sentenceEnd() -> Int? {
        var total = length
        for index in current.indices.reversed() where index >= carried {
            guard total >= budget / 2 else { return nil }
            if Self.endsSentence(current[index]) { return index }
            total -= current[index].count + 1
        }
        return nil
    }

    /// The trailing words of a full piece that start the next one.
    private func overlap(of words: [String]) -> [String] {
        var kept: [String] = []
        var length = 0
        for word in words.reversed() {
            guard length + word.count + 1 <= overlapCharacters else { break }
            kept.insert(word, at: 0)
            length += word.count + 1
        }
        return kept
    }

    private static let closing: Set<Character> = ["\"", "'", ")", "]", "\u{201D}", "\u{2019}", "\u{00BB}"]

    static func endsSentence(_ word: String) -> Bool {
        guard let last = word.reversed().first(where: { !closing.contains($0) }) else { return false }
        return [".", "!", "?", "\u{2026}"].contains(last)
    }
}

/// One heading (as a normalized `#` line; none before the first heading) and the paragraphs under it.
struct DocumentSection: Equatable {
    var heading: String?
    /// Each paragraph's words joined by single spaces.
    var paragraphs: [String] = []
}

/// A text read as Markdown sections: heading lines start sections, blank lines end paragraphs,
/// and lines inside fenced code (``` or ~~~) are never headings.
struct DocumentSections {
    private(set) var sections: [DocumentSection] = []
    private var lines: [Substring] = []
    private var inFence = false

    init(_ text: String) {
        for line in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline) { read(line) }
        endParagraph()
        sections.removeAll { $0.heading == nil && $0.paragraphs.isEmpty }
    }

    private mutating func read(_ line: Substring) {
        let trimmed = line.drop(while: { $0 == " " || $0 == "\t" })
        if trimmed.hasPrefix("```") || trimmed.hasPrefix("~~~") { inFence.toggle() }
        if !inFence, let heading = MarkdownHeading(line)?.line {
            endParagraph()
            sections.append(DocumentSection(heading: heading))
        } else if trimmed.allSatisfy(\.isWhitespace) {
            endParagraph()
        } else {
            lines.append(line)
        }
    }

    private mutating func endParagraph() {
        let words = lines.flatMap { $0.split(whereSeparator: \.isWhitespace) }
        lines = []
        guard !words.isEmpty else { return }
        if sections.isEmpty { sections.append(DocumentSection()) }
        sections[sections.count - 1].paragraphs.append(words.joined(separator: " "))
    }
}

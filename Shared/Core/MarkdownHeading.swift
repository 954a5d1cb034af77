/// A Markdown heading line (ATX): up to three spaces of indent, one to six `#`, white
/// space, then the heading's text. The gateway takes a document's title from its first
/// one; the memory service's chunker starts a section at each.
///
/// ```swift
/// MarkdownHeading("##  Getting   started")?.line  // "## Getting started"
/// MarkdownHeading("#hashtag")                     // nil
/// ```
public struct MarkdownHeading: Sendable, Equatable {
    public var level: Int
    /// The heading's words, joined by single spaces.
    public var text: String

    public init?(_ line: some StringProtocol) {
        let indent = line.prefix { $0 == " " }
        guard indent.count <= 3 else { return nil }
        let rest = line.dropFirst(indent.count)
        let hashes = rest.prefix { $0 == "#" }
        let after = rest.dropFirst(hashes.count)
        guard (1...6).contains(hashes.count), after.first?.isWhitespace == true else { return nil }
        let words = after.split(whereSeparator: \.isWhitespace)
        guard !words.isEmpty else { return nil }
        level = hashes.count
        text = words.joined(separator: " ")
    }

    /// The normalized line: `level` hashes, one space, the text.
    public var line: String { String(repeating: "#", count: level) + " " + text }

    /// The first heading line of `text`, if any.
    public static func first(in text: String) -> MarkdownHeading? {
        for line in text.split(whereSeparator: \.isNewline) {
            if let heading = MarkdownHeading(line) { return heading }
        }
        return nil
    }
}

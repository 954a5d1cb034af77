import Foundation

/// The excerpt of a search hit around its first match, the words that match marked. Words are folded as
/// the index folds them (case and diacritics, ı and İ as i), so "cicek" marks "Çiçekler". Made here for a
/// query of plain and quoted words (FTS5's snippet() costs a second look-up in the index per hit).
enum SearchSnippet {
    /// The words to mark: those starting with one of `prefixes`, and those equal to one of `whole` (folded).
    struct Marks: Sendable, Equatable {
        var prefixes: [String] = []
        var whole: Set<String> = []

        func mark(_ folded: String) -> Bool {
            whole.contains(folded) || prefixes.contains { folded.hasPrefix($0) }
        }
    }

    static let wordsAround = (before: 8, after: 16)

    static func fold(_ word: some StringProtocol) -> String {
        dotlessI(word).folding(options: [.caseInsensitive, .diacriticInsensitive], locale: nil)
    }

    /// Turkish ı and İ as i: as the index holds them (gateway migration 0007), where case and diacritics fold by themselves.
    static func dotlessI(_ text: some StringProtocol) -> String {
        text.replacingOccurrences(of: "ı", with: "i").replacingOccurrences(of: "İ", with: "i")
    }

    /// `text` cut around the first word `marks` marks, in parts.
    static func parts(of text: String, marking marks: Marks) -> [(text: String, highlight: Bool)] {
        let words = wordRanges(text)
        let matches = words.map { range in marks.mark(fold(text[range])) }
        let first = matches.firstIndex(of: true) ?? 0
        guard !words.isEmpty else { return text.isEmpty ? [] : [(text, false)] }
        let from = max(0, first - wordsAround.before)
        let to = min(words.count - 1, first + wordsAround.after)
        var parts: [(text: String, highlight: Bool)] = []
        var cursor = from == 0 ? text.startIndex : words[from].lowerBound
        if from > 0 { parts.append(("…", false)) }
        for index in from...to where matches[index] {
            if cursor < words[index].lowerBound { parts.append((String(text[cursor..<words[index].lowerBound]), false)) }
            parts.append((String(text[words[index]]), true))
            cursor = words[index].upperBound
        }
        let end = to == words.count - 1 ? text.endIndex : words[to].upperBound
        if cursor < end { parts.append((String(text[cursor..<end]), false)) }
        if to < words.count - 1 { parts.append(("…", false)) }
        return parts
    }

    /// The ranges of the runs of letters and digits: the index's words.
    static func wordRanges(_ text: String) -> [Range<String.Index>] {
        var ranges: [Range<String.Index>] = []
        var start: String.Index?
        for index in text.indices {
            let isWord = text[index].isLetter || text[index].isNumber
            if isWord, start == nil { start = index }
            if !isWord, let begun = start {
                ranges.append(begun..<index)
                start = nil
            }
        }
        if let start { ranges.append(start..<text.endIndex) }
        return ranges
    }
}

/// Splits a document into overlapping chunks for retrieval.
///
/// Chunks hold whole words, at most `maxCharacters` each, and each begins with
/// the last words (about `overlapCharacters`) of the previous one, so a sentence
/// cut at a boundary is whole in one of the two. Only a single word longer than
/// `maxCharacters` is itself split, since no whole-word chunk could hold it.
struct Chunker: Sendable {
    var maxCharacters = 800
    var overlapCharacters = 120

    func chunks(of text: String) -> [String] {
        let words = text.split(whereSeparator: \.isWhitespace).flatMap { split(word: String($0)) }
        var chunks: [String] = []
        var current: [String] = []
        var length = 0
        for word in words {
            let added = current.isEmpty ? word.count : word.count + 1
            if length + added > maxCharacters, !current.isEmpty {
                chunks.append(current.joined(separator: " "))
                current = overlap(of: current)
                length = current.isEmpty ? 0 : current.joined(separator: " ").count
                if length + word.count + 1 > maxCharacters {
                    current = []
                    length = 0
                }
            }
            length += current.isEmpty ? word.count : word.count + 1
            current.append(word)
        }
        if !current.isEmpty { chunks.append(current.joined(separator: " ")) }
        return chunks
    }

    /// The trailing words of a full chunk that start the next one.
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

    private func split(word: String) -> [String] {
        guard word.count > maxCharacters else { return [word] }
        return stride(from: 0, to: word.count, by: maxCharacters).map { offset in
            let start = word.index(word.startIndex, offsetBy: offset)
            let end = word.index(start, offsetBy: min(maxCharacters, word.count - offset))
            return String(word[start..<end])
        }
    }
}

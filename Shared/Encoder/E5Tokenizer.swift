/// multilingual-e5-small's tokenizer (SentencePiece unigram over XLM-R's
/// vocabulary, as docs/embedder-model.md describes): the prefix that says what
/// the text is, the normalization map, spaces as `▁`, then the most probable
/// segmentation into pieces, framed by `<s>` and `</s>`.
public struct E5Tokenizer: Sendable {
    /// e5 embeds questions and what is searched differently.
    public enum Role: String, Sendable {
        case query = "query: "
        case passage = "passage: "
    }

    static let longestPieceBytes = 48
    static let metaspace: Unicode.Scalar = "\u{2581}"

    public let vocabulary: E5ModelFile.Vocabulary
    /// The score of a scalar no piece covers: below every piece's, as SentencePiece does.
    let unknownScore: Float

    public init(vocabulary: E5ModelFile.Vocabulary) {
        self.vocabulary = vocabulary
        unknownScore = (vocabulary.scores.min() ?? 0) - 10
    }

    /// The token ids of `text` in `role`: `<s>`, the pieces, `</s>`.
    public func ids(_ text: String, role: Role) -> [Int32] {
        [vocabulary.begin] + segment(normalized(role.rawValue + text)) + [vocabulary.end]
    }

    /// Scalars through the normalization map, runs of spaces as one, every space as `▁`, and `▁` first.
    public func normalized(_ text: String) -> [Unicode.Scalar] {
        var scalars: [Unicode.Scalar] = []
        for scalar in text.unicodeScalars {
            for mapped in vocabulary.normalization[scalar.value] ?? [scalar] where !(mapped == " " && scalars.last == " ") {
                scalars.append(mapped)
            }
        }
        if scalars.first != " " { scalars.insert(Self.metaspace, at: 0) }
        return scalars.map { $0 == " " ? Self.metaspace : $0 }
    }

    /// The most probable pieces covering `scalars` (Viterbi); a scalar no piece covers is `<unk>`.
    public func segment(_ scalars: [Unicode.Scalar]) -> [Int32] {
        let count = scalars.count
        var best = [Float](repeating: -.infinity, count: count + 1)
        var previous = [(start: Int, id: Int32)](repeating: (0, vocabulary.unknown), count: count + 1)
        best[0] = 0
        for start in 0..<count where best[start] > -.infinity {
            var piece = String.UnicodeScalarView()
            var bytes = 0
            for end in (start + 1)...count {
                piece.append(scalars[end - 1])
                bytes += UTF8.width(scalars[end - 1])
                guard bytes <= Self.longestPieceBytes else { break }
                if let id = vocabulary.pieces[String(piece)], id != vocabulary.unknown {
                    relax(&best, &previous, from: start, to: end, id: id, score: vocabulary.scores[Int(id)])
                }
            }
            relax(&best, &previous, from: start, to: start + 1, id: vocabulary.unknown, score: unknownScore)
        }
        var ids: [Int32] = []
        var end = count
        while end > 0 {
            ids.append(previous[end].id)
            end = previous[end].start
        }
        return ids.reversed()
    }

    private func relax(_ best: inout [Float], _ previous: inout [(start: Int, id: Int32)], from start: Int, to end: Int, id: Int32, score: Float) {
        let candidate = best[start] + score
        if candidate > best[end] {
            best[end] = candidate
            previous[end] = (start, id)
        }
    }
}

import NIOCore

/// One owner's memories in search form: rows and their vectors, laid end to end.
struct OwnerVectors: Sendable {
    let dimension: Int
    private(set) var rows: [IndexedRow] = []
    private(set) var vectors: [Float] = []
    /// Per row, the length of the vector past ``prefixLength``: with it a scan can bound
    /// a cosine after the prefix and skip rows that cannot reach a threshold.
    private(set) var tailNorms: [Float] = []
    var prefixLength: Int { (dimension / 4) & ~7 }

    init(dimension: Int) {
        self.dimension = dimension
    }

    /// Approximate heap bytes, for the index budget.
    var bytes: Int { vectors.count * 4 + rows.count * 124 + textBytes }
    private(set) var textBytes = 0

    mutating func append(_ row: IndexedRow, vector: [Float]) {
        textBytes += row.text.utf8.count
        rows.append(row)
        vectors.append(contentsOf: vector)
        tailNorms.append(Self.norm(vector[prefixLength...]))
    }

    mutating func remove(ids: Set<String>) {
        var keptRows: [IndexedRow] = []
        var keptVectors: [Float] = []
        var keptNorms: [Float] = []
        for (position, row) in rows.enumerated() where !ids.contains(row.id) {
            keptRows.append(row)
            keptVectors.append(contentsOf: vectors[position * dimension..<(position + 1) * dimension])
            keptNorms.append(tailNorms[position])
        }
        rows = keptRows
        vectors = keptVectors
        tailNorms = keptNorms
        textBytes = keptRows.reduce(0) { $0 + $1.text.utf8.count }
    }

    /// Exact top-k by cosine among rows the filter admits, best first.
    /// Throws deadline exceeded when `deadline` passes mid-scan.
    func search(_ query: [Float], k: Int, filter: SearchFilter, deadline: NIODeadline) throws -> [SearchHit] {
        var best = TopK(k: k)
        try query.withUnsafeBufferPointer { queryBuffer in
            try vectors.withUnsafeBufferPointer { all in
                try rows.withUnsafeBufferPointer { rowBuffer in
                    for position in 0..<rowBuffer.count {
                        if position & 1023 == 1023, NIODeadline.now() > deadline { throw SearchDeadlinePassed() }
                        if !filter.isEmpty, !filter.admits(scope: rowBuffer[position].scope, conversationID: rowBuffer[position].conversationID) {
                            continue
                        }
                        let vector = UnsafeBufferPointer(rebasing: all[position * dimension..<(position + 1) * dimension])
                        best.offer(position, score: VectorMath.dot(queryBuffer, vector))
                    }
                }
            }
        }
        return best.sorted().map { SearchHit(row: rows[$0.position], score: $0.score) }
    }
}

extension OwnerVectors {
    /// The most similar admitted row whose cosine with `query` is at least `threshold`, or nil.
    ///
    /// Exact, and cheaper than a full scan: after the first ``prefixLength`` values,
    /// Cauchy–Schwarz bounds the rest of the dot product by the two tail lengths,
    /// so a row whose bound stays below the threshold is skipped unfinished.
    func best(atLeast threshold: Float, to query: [Float], filter: SearchFilter) -> SearchHit? {
        let prefix = prefixLength
        let queryTail = Self.norm(query[prefix...])
        var bestPosition = -1
        var bestScore = threshold
        query.withUnsafeBufferPointer { queryBuffer in
            let queryHead = UnsafeBufferPointer(rebasing: queryBuffer[0..<prefix])
            let queryRest = UnsafeBufferPointer(rebasing: queryBuffer[prefix...])
            vectors.withUnsafeBufferPointer { all in
                rows.withUnsafeBufferPointer { rowBuffer in
                    tailNorms.withUnsafeBufferPointer { norms in
                        for position in 0..<rowBuffer.count {
                            if !filter.isEmpty, !filter.admits(scope: rowBuffer[position].scope, conversationID: rowBuffer[position].conversationID) {
                                continue
                            }
                            let start = all.baseAddress! + position * dimension
                            let head = VectorMath.dot(queryHead, UnsafeBufferPointer(start: start, count: prefix))
                            if head + queryTail * norms[position] < bestScore { continue }
                            let score = head + VectorMath.dot(queryRest, UnsafeBufferPointer(start: start + prefix, count: dimension - prefix))
                            if score >= bestScore {
                                bestScore = score
                                bestPosition = position
                            }
                        }
                    }
                }
            }
        }
        guard bestPosition >= 0 else { return nil }
        return SearchHit(row: rows[bestPosition], score: bestScore)
    }

    static func norm(_ values: ArraySlice<Float>) -> Float {
        values.reduce(0) { $0 + $1 * $1 }.squareRoot()
    }
}

/// A search stopped because its deadline passed.
struct SearchDeadlinePassed: Error {}

/// The k best (position, score) pairs seen, kept in a small sorted array.
struct TopK {
    let k: Int
    private(set) var items: [(position: Int, score: Float)] = []

    init(k: Int) {
        self.k = k
        items.reserveCapacity(k + 1)
    }

    mutating func offer(_ position: Int, score: Float) {
        if items.count == k, let worst = items.last, worst.score >= score { return }
        let index = items.firstIndex(where: { $0.score < score }) ?? items.count
        items.insert((position, score), at: index)
        if items.count > k { items.removeLast() }
    }

    func sorted() -> [(position: Int, score: Float)] { items }
}

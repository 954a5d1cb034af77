import NIOCore

/// One owner's memories in search form: rows and their vectors, laid end to end.
struct OwnerVectors: Sendable {
    let dimension: Int
    private(set) var rows: [IndexedRow] = []
    private(set) var vectors: [Float] = []

    init(dimension: Int) {
        self.dimension = dimension
    }

    /// Approximate heap bytes, for the index budget.
    var bytes: Int { vectors.count * 4 + rows.count * 120 + textBytes }
    private(set) var textBytes = 0

    mutating func append(_ row: IndexedRow, vector: [Float]) {
        textBytes += row.text.utf8.count
        rows.append(row)
        vectors.append(contentsOf: vector)
    }

    mutating func remove(ids: Set<String>) {
        var keptRows: [IndexedRow] = []
        var keptVectors: [Float] = []
        for (position, row) in rows.enumerated() where !ids.contains(row.id) {
            keptRows.append(row)
            keptVectors.append(contentsOf: vectors[position * dimension..<(position + 1) * dimension])
        }
        rows = keptRows
        vectors = keptVectors
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

import NIOCore

/// One owner's memories in search form: rows and their vectors.
///
/// Each vector is stored in two parts, every row's first ``prefixLength`` values
/// end to end in `heads` and the rest in `tails`, with the length of each tail
/// beside it. A duplicate check streams only the compact `heads`, bounds the
/// rest of each cosine by Cauchy–Schwarz, and reads a tail only for rows that
/// could still reach its threshold. A top-k search reads both parts.
struct OwnerVectors: Sendable {
    let dimension: Int
    let prefixLength: Int
    private(set) var rows: [IndexedRow] = []
    private(set) var heads: [Float] = []
    private(set) var tails: [Float] = []
    private(set) var tailNorms: [Float] = []
    private(set) var textBytes = 0

    init(dimension: Int) {
        self.dimension = dimension
        prefixLength = (dimension / 4) & ~7
    }

    var tailLength: Int { dimension - prefixLength }

    /// Approximate heap bytes, for the index budget.
    var bytes: Int { (heads.count + tails.count) * 4 + rows.count * 124 + textBytes }

    mutating func append(_ row: IndexedRow, vector: [Float]) {
        textBytes += row.text.utf8.count
        rows.append(row)
        heads.append(contentsOf: vector[0..<prefixLength])
        tails.append(contentsOf: vector[prefixLength...])
        tailNorms.append(Self.norm(vector[prefixLength...]))
    }

    mutating func remove(ids: Set<String>) {
        var kept = OwnerVectors(dimension: dimension)
        for (position, row) in rows.enumerated() where !ids.contains(row.id) {
            kept.append(row, vector: vector(at: position))
        }
        self = kept
    }

    func vector(at position: Int) -> [Float] {
        Array(heads[position * prefixLength..<(position + 1) * prefixLength]) + tails[position * tailLength..<(position + 1) * tailLength]
    }

    /// Exact top-k by cosine among rows the filter admits, best first.
    /// Throws ``SearchDeadlinePassed`` when `deadline` passes mid-scan.
    func search(_ query: [Float], k: Int, filter: SearchFilter, deadline: NIODeadline) throws -> [SearchHit] {
        var best = TopK(k: k)
        try withParts(of: query) { parts in
            for position in 0..<rows.count {
                if position & 1023 == 1023, NIODeadline.now() > deadline { throw SearchDeadlinePassed() }
                guard parts.admits(position, filter) else { continue }
                best.offer(position, score: parts.head(position) + parts.tail(position))
            }
        }
        return best.sorted().map { SearchHit(row: rows[$0.position], score: $0.score) }
    }

    /// The most similar admitted row whose cosine with `query` is at least `threshold`, or nil. Exact.
    func best(atLeast threshold: Float, to query: [Float], filter: SearchFilter) -> SearchHit? {
        let queryTailNorm = Self.norm(query[prefixLength...])
        var bestPosition = -1
        var bestScore = threshold
        withParts(of: query) { parts in
            for position in 0..<rows.count where parts.admits(position, filter) {
                let head = parts.head(position)
                if head + queryTailNorm * parts.tailNorms[position] < bestScore { continue }
                let score = head + parts.tail(position)
                if score >= bestScore {
                    bestScore = score
                    bestPosition = position
                }
            }
        }
        guard bestPosition >= 0 else { return nil }
        return SearchHit(row: rows[bestPosition], score: bestScore)
    }

    /// The stored parts and the query's, as buffers, for the duration of a scan.
    struct Parts {
        let rows: UnsafeBufferPointer<IndexedRow>
        let heads: UnsafeBufferPointer<Float>
        let tails: UnsafeBufferPointer<Float>
        let tailNorms: UnsafeBufferPointer<Float>
        let queryHead: UnsafeBufferPointer<Float>
        let queryTail: UnsafeBufferPointer<Float>

        /// Reads only the fields the filter names (copying a row's strings costs reference counting).
        @inline(__always) func admits(_ position: Int, _ filter: SearchFilter) -> Bool {
            if let scope = filter.scope, rows[position].scope != scope { return false }
            if let conversationID = filter.conversationID, rows[position].conversationID != conversationID { return false }
            return true
        }

        @inline(__always) func head(_ position: Int) -> Float {
            VectorMath.dot(queryHead, UnsafeBufferPointer(start: heads.baseAddress.map { $0 + position * queryHead.count }, count: queryHead.count))
        }

        @inline(__always) func tail(_ position: Int) -> Float {
            VectorMath.dot(queryTail, UnsafeBufferPointer(start: tails.baseAddress.map { $0 + position * queryTail.count }, count: queryTail.count))
        }
    }

    private func withParts<T>(of query: [Float], _ body: (Parts) throws -> T) rethrows -> T {
        try query.withUnsafeBufferPointer { queryBuffer in
            try rows.withUnsafeBufferPointer { rowBuffer in
                try heads.withUnsafeBufferPointer { headBuffer in
                    try tails.withUnsafeBufferPointer { tailBuffer in
                        try tailNorms.withUnsafeBufferPointer { normBuffer in
                            try body(Parts(
                                rows: rowBuffer, heads: headBuffer, tails: tailBuffer, tailNorms: normBuffer,
                                queryHead: UnsafeBufferPointer(rebasing: queryBuffer[0..<prefixLength]),
                                queryTail: UnsafeBufferPointer(rebasing: queryBuffer[prefixLength...])))
                        }
                    }
                }
            }
        }
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

/// Turns texts into vectors. Every implementation names itself, so the
/// database can refuse to mix vectors from different embedders.
protocol Embedder: Sendable {
    /// Recorded in memory.db, e.g. `mami-hash-ngram-v1` or `ollama:all-minilm`.
    var identity: String { get }
    /// The vector length, when known before the first call.
    var dimension: Int? { get }
    /// One L2-normalized vector per text, in order.
    func embed(_ texts: [String]) async throws -> [[Float]]
}

/// The built-in offline embedder: hashed character trigrams and word unigrams
/// of the normalized text, signed feature hashing into 384 buckets, L2-normalized.
/// Needs no model files; similar spellings land close together.
struct HashingEmbedder: Embedder {
    let identity = "mami-hash-ngram-v1"
    static let dimensionCount = 384
    var dimension: Int? { Self.dimensionCount }

    func embed(_ texts: [String]) async throws -> [[Float]] {
        texts.map { Self.vector(for: TextNormalizer.normalize($0)) }
    }

    static func vector(for normalized: String) -> [Float] {
        var vector = [Float](repeating: 0, count: dimensionCount)
        let characters = Array(" \(normalized) ".unicodeScalars)
        if characters.count >= 3 {
            for start in 0...(characters.count - 3) {
                add(feature: characters[start..<start + 3].map { String($0) }.joined(), weight: 1, to: &vector)
            }
        }
        for word in normalized.split(separator: " ") {
            add(feature: "w:" + word, weight: 2, to: &vector)
        }
        return VectorMath.normalized(vector)
    }

    static func add(feature: String, weight: Float, to vector: inout [Float]) {
        let value = TextNormalizer.fnv1a(feature)
        let bucket = Int(value % UInt64(dimensionCount))
        vector[bucket] += (value >> 63) == 0 ? weight : -weight
    }
}

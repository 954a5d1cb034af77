import NIOCore

/// Turns texts into vectors. Every implementation names itself, so the
/// database can refuse to mix vectors from different embedders.
protocol Embedder: Sendable {
    /// Recorded in memory.db, e.g. `mami-hash-ngram-v1` or `ollama:all-minilm`.
    var identity: String { get }
    /// The vector length, when known before the first call.
    var dimension: Int? { get }
    /// The cosine at or above which two memories say the same thing, calibrated
    /// for this embedder (its scores for unrelated texts may sit high or low).
    var nearDuplicateThreshold: Float { get }
    /// The score below which a search hit is not related to the question (`memory.search` with
    /// `relevant: true`), calibrated for this embedder; -1 admits everything.
    var relevanceThreshold: Float { get }
    /// The same for document passages (`doc.search` with `relevant: true`): a question scores against a
    /// passage of several sentences differently than against a one-sentence fact.
    var passageRelevanceThreshold: Float { get }
    /// One L2-normalized vector per text, in order. Asymmetric models embed a
    /// question (`.query`) and what it is searched against (`.passage`) differently.
    /// Work still waiting when `deadline` passes is not started ("deadline exceeded").
    func embed(_ texts: [String], as role: EmbeddingRole, by deadline: NIODeadline) async throws -> [[Float]]
}

extension Embedder {
    var passageRelevanceThreshold: Float { relevanceThreshold }

    func embed(_ texts: [String], as role: EmbeddingRole) async throws -> [[Float]] {
        try await embed(texts, as: role, by: .distantFuture)
    }
}

/// What a text is to the embedder: a question, or something stored to be found.
enum EmbeddingRole: Sendable {
    case query
    case passage
}

/// The built-in offline embedder: hashed character trigrams and word unigrams
/// of the normalized text, signed feature hashing into 384 buckets, L2-normalized.
/// Needs no model files; similar spellings land close together.
struct HashingEmbedder: Embedder {
    let identity = "mami-hash-ngram-v1"
    static let dimensionCount = 384
    var dimension: Int? { Self.dimensionCount }
    var nearDuplicateThreshold: Float { 0.92 }
    /// Hashed trigrams share little with a paraphrase; any overlap at all counts.
    var relevanceThreshold: Float { 0.05 }

    func embed(_ texts: [String], as role: EmbeddingRole, by deadline: NIODeadline) async throws -> [[Float]] {
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

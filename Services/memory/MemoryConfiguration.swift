import MamiCore

/// The memory service's own settings.
///
/// | variable | default |
/// |---|---|
/// | `MAMI_MEMORY_INDEX_BYTES` | 268435456 (256 MiB) |
/// | `MAMI_DEDUP_THRESHOLD` | the embedder's own: 0.85 e5-small, 0.92 hashing and engines (cosine at or above which an add is merged) |
/// | `MAMI_RECALL_THRESHOLD` | the embedder's own: 0.15 e5-small, 0.05 hashing, none for engines (`memory.search` `relevant: true`) |
/// | `MAMI_PASSAGE_THRESHOLD` | the embedder's own: 0.25 e5-small, 0.05 hashing, none for engines (`doc.search` `relevant: true`) |
/// | `MAMI_MEMORY_MAX_TEXT_BYTES` | 16384 |
/// | `MAMI_EMBEDDER` | `e5-small` (in process, the default), `hashing` (built in, no model), or `engine` (the default when `MAMI_EMBED_MODEL` is set) |
/// | `MAMI_EMBED_MODEL_PATH` | `/usr/local/share/mami/e5-small-q4.bin` (the e5-small model file) |
/// | `MAMI_EMBED_FALLBACK` | unset: a missing or wrong model file stops start-up (exit 78); `hashing`: the hashing embedder, with a warning |
/// | `MAMI_EMBED_MODEL` | an engine's embedding model (with `MAMI_EMBEDDER=engine`) |
/// | `MAMI_EMBED_API` | `ollama` (`/api/embed`) or `openai` (`/v1/embeddings`) |
/// | `MAMI_EMBED_URL` | `MAMI_OLLAMA_URL`, else `http://127.0.0.1:11434` (required with `openai`) |
/// | `MAMI_EMBED_API_KEY` | none (sent as `Authorization: Bearer`) |
struct MemoryConfiguration: Sendable {
    enum EmbedderKind: String, CaseIterable, Sendable {
        case e5Small = "e5-small"
        case hashing
        case engine
    }

    var indexBudgetBytes: Int
    /// Nil: the embedder's own calibration.
    var nearDuplicateThreshold: Float?
    /// Nil: the embedder's own calibration.
    var relevanceThreshold: Float?
    /// Nil: the embedder's own calibration.
    var passageRelevanceThreshold: Float?
    var maxTextBytes: Int
    var embedder: EmbedderKind
    var embedModelPath: String
    var fallsBackToHashing: Bool
    var embedModel: String?
    var embedAPI: LLMSettings.API
    var embedURL: String
    var embedAPIKey: String?

    init(source: ConfigSource) throws {
        indexBudgetBytes = try source.int("MAMI_MEMORY_INDEX_BYTES", default: 256 << 20, in: 0...(64 << 30))
        maxTextBytes = try source.int("MAMI_MEMORY_MAX_TEXT_BYTES", default: 16_384, in: 1...(1 << 20))
        embedModel = source.string("MAMI_EMBED_MODEL")
        embedder = try source.choice("MAMI_EMBEDDER", default: embedModel == nil ? .e5Small : .engine)
        if embedder == .engine, embedModel == nil {
            throw ConfigError(key: "MAMI_EMBED_MODEL", problem: "is required with MAMI_EMBEDDER=engine")
        }
        embedModelPath = source.string("MAMI_EMBED_MODEL_PATH") ?? SentenceEncoder.defaultPath
        fallsBackToHashing = try source.choice("MAMI_EMBED_FALLBACK", default: Fallback.none) == .hashing
        embedAPI = try source.choice("MAMI_EMBED_API", default: LLMSettings.API.ollama)
        let ollama = try source.url("MAMI_OLLAMA_URL") ?? "http://127.0.0.1:11434"
        guard let url = try source.url("MAMI_EMBED_URL") ?? (embedAPI == .ollama ? ollama : nil) else {
            throw ConfigError(key: "MAMI_EMBED_URL", problem: "is required with MAMI_EMBED_API=openai")
        }
        embedURL = embedAPI == .openai ? LLMSettings.openAIBase(url) : url
        embedAPIKey = source.string("MAMI_EMBED_API_KEY")
        nearDuplicateThreshold = try Self.cosine("MAMI_DEDUP_THRESHOLD", source, in: 0.000_001...1)
        relevanceThreshold = try Self.cosine("MAMI_RECALL_THRESHOLD", source, in: -1...1)
        passageRelevanceThreshold = try Self.cosine("MAMI_PASSAGE_THRESHOLD", source, in: -1...1)
    }
}

extension MemoryConfiguration {
    static func cosine(_ key: String, _ source: ConfigSource, in range: ClosedRange<Float>) throws -> Float? {
        try source.string(key).map { text in
            guard let value = Float(text), range.contains(value) else {
                throw ConfigError(key: key, problem: "'\(text)' is not a number in \(range.lowerBound)...\(range.upperBound)")
            }
            return value
        }
    }
}

/// What the memory service does when its model file is missing or wrong.
enum Fallback: String, CaseIterable, Sendable {
    case none
    case hashing
}

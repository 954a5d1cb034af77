import MamiCore

/// The memory service's own settings.
///
/// | variable | default |
/// |---|---|
/// | `MAMI_MEMORY_INDEX_BYTES` | 268435456 (256 MiB) |
/// | `MAMI_DEDUP_THRESHOLD` | 0.92 (cosine at or above which an add is merged) |
/// | `MAMI_MEMORY_MAX_TEXT_BYTES` | 16384 |
/// | `MAMI_EMBED_MODEL` | unset: the built-in embedder; set: an engine's embeddings with this model |
/// | `MAMI_EMBED_API` | `ollama` (`/api/embed`) or `openai` (`/v1/embeddings`) |
/// | `MAMI_EMBED_URL` | `MAMI_OLLAMA_URL`, else `http://127.0.0.1:11434` (required with `openai`) |
/// | `MAMI_EMBED_API_KEY` | none (sent as `Authorization: Bearer`) |
struct MemoryConfiguration: Sendable {
    var indexBudgetBytes: Int
    var nearDuplicateThreshold: Float
    var maxTextBytes: Int
    var embedModel: String?
    var embedAPI: LLMSettings.API
    var embedURL: String
    var embedAPIKey: String?

    init(source: ConfigSource) throws {
        indexBudgetBytes = try source.int("MAMI_MEMORY_INDEX_BYTES", default: 256 << 20, in: 0...(64 << 30))
        maxTextBytes = try source.int("MAMI_MEMORY_MAX_TEXT_BYTES", default: 16_384, in: 1...(1 << 20))
        embedModel = source.string("MAMI_EMBED_MODEL")
        embedAPI = try source.choice("MAMI_EMBED_API", default: LLMSettings.API.ollama)
        let ollama = try source.url("MAMI_OLLAMA_URL") ?? "http://127.0.0.1:11434"
        guard let url = try source.url("MAMI_EMBED_URL") ?? (embedAPI == .ollama ? ollama : nil) else {
            throw ConfigError(key: "MAMI_EMBED_URL", problem: "is required with MAMI_EMBED_API=openai")
        }
        embedURL = embedAPI == .openai ? LLMSettings.openAIBase(url) : url
        embedAPIKey = source.string("MAMI_EMBED_API_KEY")
        let threshold = source.string("MAMI_DEDUP_THRESHOLD") ?? "0.92"
        guard let value = Float(threshold), value > 0, value <= 1 else {
            throw ConfigError(key: "MAMI_DEDUP_THRESHOLD", problem: "'\(threshold)' is not a number in (0, 1]")
        }
        nearDuplicateThreshold = value
    }
}

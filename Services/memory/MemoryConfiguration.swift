import MamiCore

/// The memory service's own settings.
///
/// | variable | default |
/// |---|---|
/// | `MAMI_MEMORY_INDEX_BYTES` | 268435456 (256 MiB) |
/// | `MAMI_DEDUP_THRESHOLD` | 0.92 (cosine at or above which an add is merged) |
/// | `MAMI_MEMORY_MAX_TEXT_BYTES` | 16384 |
/// | `MAMI_EMBED_MODEL` | unset: the built-in embedder; set: Ollama `/api/embed` with this model |
/// | `MAMI_OLLAMA_URL` | `http://127.0.0.1:11434` |
struct MemoryConfiguration: Sendable {
    var indexBudgetBytes: Int
    var nearDuplicateThreshold: Float
    var maxTextBytes: Int
    var embedModel: String?
    var ollamaURL: String

    init(source: ConfigSource) throws {
        indexBudgetBytes = try source.int("MAMI_MEMORY_INDEX_BYTES", default: 256 << 20, in: 0...(64 << 30))
        maxTextBytes = try source.int("MAMI_MEMORY_MAX_TEXT_BYTES", default: 16_384, in: 1...(1 << 20))
        embedModel = source.string("MAMI_EMBED_MODEL")
        ollamaURL = source.string("MAMI_OLLAMA_URL") ?? "http://127.0.0.1:11434"
        let threshold = source.string("MAMI_DEDUP_THRESHOLD") ?? "0.92"
        guard let value = Float(threshold), value > 0, value <= 1 else {
            throw ConfigError(key: "MAMI_DEDUP_THRESHOLD", problem: "'\(threshold)' is not a number in (0, 1]")
        }
        nearDuplicateThreshold = value
    }
}

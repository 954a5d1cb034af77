import MamiCore

/// The image worker's own settings.
///
/// | variable | default |
/// |---|---|
/// | `MAMI_FORGE_URL` | `http://127.0.0.1:7860` |
/// | `MAMI_FORGE_AUTH` | unset; `user:password` for Forge's `--api-auth` |
/// | `MAMI_LLM_API`, `MAMI_LLM_URL`, `MAMI_OLLAMA_URL` | see ``LLMSettings``: an Ollama engine is made non-resident before image work; another is unmanaged |
/// | `MAMI_IMAGE_MODEL` | unset: Forge's current checkpoint; set: the default checkpoint of jobs |
/// | `MAMI_IMAGE_STALL_S` | 30 (a job whose progress does not advance this long is stuck) |
/// | `MAMI_IMAGE_DEADLINE_S` | 300 (a job's whole budget, retries included) |
/// | `MAMI_IMAGE_MAX_ATTEMPTS` | 3 |
/// | `MAMI_IMAGE_POLL_MS` | 1000 (progress polling) |
/// | `MAMI_FORGE_BREAKER_FAILURES` | 5 consecutive failures open the circuit |
/// | `MAMI_FORGE_BREAKER_OPEN_S` | 60 before one half-open probe |
/// | `MAMI_IMAGE_ESTIMATE_S` | 60 (a job's duration before any has finished) |
struct ImageConfiguration: Sendable {
    var forgeURL: String
    var forgeAuth: String?
    /// Where Ollama is, when the LLM engine is Ollama; nil: the LLM's GPU residency is unmanaged.
    var ollamaURL: String?
    var defaultModel: String?
    var stallTime: Duration
    var deadline: Duration
    var maxAttempts: Int
    var pollInterval: Duration
    var breakerFailures: Int
    var breakerOpenTime: Duration
    var defaultEstimate: Duration

    init(source: ConfigSource) throws {
        forgeURL = Self.trimmed(source.string("MAMI_FORGE_URL") ?? "http://127.0.0.1:7860")
        forgeAuth = source.string("MAMI_FORGE_AUTH")
        let llm = try LLMSettings(source: source)
        ollamaURL = llm.api == .ollama ? llm.url : nil
        defaultModel = source.string("MAMI_IMAGE_MODEL")
        stallTime = try source.seconds("MAMI_IMAGE_STALL_S", default: 30, in: 0.1...3600)
        deadline = try source.seconds("MAMI_IMAGE_DEADLINE_S", default: 300, in: 0.5...86_400)
        maxAttempts = try source.int("MAMI_IMAGE_MAX_ATTEMPTS", default: 3, in: 1...20)
        pollInterval = .milliseconds(try source.int("MAMI_IMAGE_POLL_MS", default: 1000, in: 10...60_000))
        breakerFailures = try source.int("MAMI_FORGE_BREAKER_FAILURES", default: 5, in: 1...1000)
        breakerOpenTime = try source.seconds("MAMI_FORGE_BREAKER_OPEN_S", default: 60, in: 0.1...86_400)
        defaultEstimate = try source.seconds("MAMI_IMAGE_ESTIMATE_S", default: 60, in: 1...86_400)
    }

    private static func trimmed(_ url: String) -> String {
        url.hasSuffix("/") ? String(url.dropLast()) : url
    }
}

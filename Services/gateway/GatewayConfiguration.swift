import MamiCore

/// The gateway's own settings.
///
/// | variable | default |
/// |---|---|
/// | `MAMI_HTTP_ADDR` | `127.0.0.1:8080` |
/// | `MAMI_HEALTH_PROBE_MS` | 250 (deadline of each dependency probe in `/health`) |
/// | `MAMI_LLM_API`, `MAMI_LLM_URL`, `MAMI_LLM_API_KEY`, `MAMI_OLLAMA_URL` | see ``LLMSettings`` |
/// | `MAMI_CHAT_MODEL` | `llama3.2` (the default model; a conversation may name another) |
/// | `MAMI_SYSTEM_PROMPT` | a short assistant persona |
/// | `MAMI_PROMPT_TOKENS` | 4096 (prompt budget, estimated at 4 characters a token) |
/// | `MAMI_MEMORY_BUDGET_MS` | 500 (memory recall bound, G1) |
/// | `MAMI_FACTS_TIMEOUT_MS` | 20000 (extracting the facts of a message and each fact's write, off the answer's path) |
/// | `MAMI_TITLE_TIMEOUT_MS` | 20000 (the chat model's title for a new conversation, off the answer's path) |
/// | `MAMI_IMAGE_PROMPT_TIMEOUT_MS` | 4000 (the chat model's English prompt for a drawing request; then the person's words) |
/// | `MAMI_CHAT_BUDGET_MS` | 120000 (a chat request's whole budget) |
/// | `MAMI_GPU_ACQUIRE_MS` | 300 (how long chat waits for the LLM's GPU grant before going on) |
/// | `MAMI_LLM_STALL_S` | 30 (an LLM stream silent this long fails) |
/// | `MAMI_LLM_MAX_TOKENS` | unset (the engine's own limit; else the most tokens an answer may have) |
/// | `MAMI_LLM_MAX_STREAMS` | 64 (concurrent LLM streams) |
/// | `MAMI_ACCESS_TOKEN_TTL_S` | 900 |
/// | `MAMI_BCRYPT_COST` | 11 |
/// | `MAMI_AUTH_ATTEMPTS_PER_MINUTE` | 10 (login and register, per IP and per account) |
/// | `MAMI_CHAT_PER_MINUTE` | 60 (chat messages per user, sliding minute; OpenAI surface included) |
/// | `MAMI_CHAT_PER_MINUTE_PER_IP` | 600 (the same per client address; behind a proxy every user shares one) |
/// | `MAMI_IMAGE_JOBS_PER_USER` | 10 (image jobs a user may have queued or drawing at once) |
/// | `MAMI_MAX_BODY_BYTES` | 1048576 |
/// | `MAMI_WS_HEARTBEAT_S` | 15 (WebSocket heartbeat; the token is re-checked at each) |
/// | `MAMI_WEB_DIR` | the web client shipped beside the executable (`mami_MamiGateway.resources/client`) |
struct GatewayConfiguration: Sendable {
    var httpHost: String
    var httpPort: Int
    var healthProbeMilliseconds: Int
    var llm: LLMSettings
    var chatModel: String
    var systemPrompt: String
    var promptTokens: Int
    var memoryBudget: Duration
    var factsTimeout: Duration
    var titleTimeout: Duration
    var imagePromptTimeout: Duration
    var chatBudget: Duration
    var gpuAcquireWait: Duration
    var llmStall: Duration
    var llmMaxTokens: Int?
    var llmMaxStreams: Int
    var accessTokenLifetime: Int
    var bcryptCost: Int
    var authAttemptsPerMinute: Int
    var chatPerMinute: Int
    var chatPerMinutePerAddress: Int
    var imageJobsPerUser: Int
    var maxBodyBytes: Int
    var webSocketHeartbeat: Duration
    var webDirectory: String

    static let defaultSystemPrompt = "You are Mami, a helpful assistant. Use what you remember about the person when it helps."

    init(source: ConfigSource) throws {
        (httpHost, httpPort) = try Self.parseAddress(source.string("MAMI_HTTP_ADDR") ?? "127.0.0.1:8080")
        healthProbeMilliseconds = try source.int("MAMI_HEALTH_PROBE_MS", default: 250, in: 10...10_000)
        llm = try LLMSettings(source: source)
        chatModel = source.string("MAMI_CHAT_MODEL") ?? "llama3.2"
        systemPrompt = source.string("MAMI_SYSTEM_PROMPT") ?? Self.defaultSystemPrompt
        promptTokens = try source.int("MAMI_PROMPT_TOKENS", default: 4096, in: 256...1_000_000)
        memoryBudget = .milliseconds(try source.int("MAMI_MEMORY_BUDGET_MS", default: 500, in: 0...60_000))
        factsTimeout = .milliseconds(try source.int("MAMI_FACTS_TIMEOUT_MS", default: 20_000, in: 100...600_000))
        titleTimeout = .milliseconds(try source.int("MAMI_TITLE_TIMEOUT_MS", default: 20_000, in: 100...600_000))
        imagePromptTimeout = .milliseconds(try source.int("MAMI_IMAGE_PROMPT_TIMEOUT_MS", default: 4_000, in: 0...60_000))
        chatBudget = .milliseconds(try source.int("MAMI_CHAT_BUDGET_MS", default: 120_000, in: 1000...3_600_000))
        gpuAcquireWait = .milliseconds(try source.int("MAMI_GPU_ACQUIRE_MS", default: 300, in: 0...60_000))
        llmStall = .seconds(try source.int("MAMI_LLM_STALL_S", default: 30, in: 1...3600))
        llmMaxTokens = source.string("MAMI_LLM_MAX_TOKENS") == nil ? nil : try source.int("MAMI_LLM_MAX_TOKENS", default: 0, in: 1...1_000_000)
        llmMaxStreams = try source.int("MAMI_LLM_MAX_STREAMS", default: 64, in: 1...4096)
        accessTokenLifetime = try source.int("MAMI_ACCESS_TOKEN_TTL_S", default: 900, in: 10...86_400)
        bcryptCost = try source.int("MAMI_BCRYPT_COST", default: 11, in: 4...16)
        authAttemptsPerMinute = try source.int("MAMI_AUTH_ATTEMPTS_PER_MINUTE", default: 10, in: 1...100_000)
        chatPerMinute = try source.int("MAMI_CHAT_PER_MINUTE", default: 60, in: 1...1_000_000)
        chatPerMinutePerAddress = try source.int("MAMI_CHAT_PER_MINUTE_PER_IP", default: 600, in: 1...1_000_000)
        imageJobsPerUser = try source.int("MAMI_IMAGE_JOBS_PER_USER", default: 10, in: 1...100_000)
        maxBodyBytes = try source.int("MAMI_MAX_BODY_BYTES", default: 1 << 20, in: 1024...(64 << 20))
        webSocketHeartbeat = .seconds(try source.int("MAMI_WS_HEARTBEAT_S", default: 15, in: 1...3600))
        webDirectory = source.string("MAMI_WEB_DIR") ?? WebAssets.defaultDirectory()
    }

    static func parseAddress(_ text: String) throws -> (String, Int) {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]),
            (0...65_535).contains(port)
        else {
            throw ConfigError(key: "MAMI_HTTP_ADDR", problem: "'\(text)' is not HOST:PORT")
        }
        var host = String(text[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty else { throw ConfigError(key: "MAMI_HTTP_ADDR", problem: "'\(text)' has no host") }
        return (host, port)
    }
}

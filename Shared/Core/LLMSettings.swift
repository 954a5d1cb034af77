/// Which LLM engine chat talks to, read the same way by the gateway (chat) and
/// the image worker (who manages the GPU).
///
/// | variable | default |
/// |---|---|
/// | `MAMI_LLM_API` | `ollama` (`ollama` or `openai`: any OpenAI-compatible server) |
/// | `MAMI_LLM_URL` | `MAMI_OLLAMA_URL`, else `http://127.0.0.1:11434` (required with `openai`) |
/// | `MAMI_LLM_API_KEY` | none (sent as `Authorization: Bearer`; never logged) |
public struct LLMSettings: Sendable {
    /// The two protocols Mami speaks to an LLM engine.
    public enum API: String, Sendable, CaseIterable {
        case ollama
        case openai
    }

    public var api: API
    public var url: String
    public var apiKey: String?

    public init(source: ConfigSource) throws {
        api = try source.choice("MAMI_LLM_API", default: API.ollama)
        let ollama = try source.url("MAMI_OLLAMA_URL")
        switch api {
        case .ollama:
            url = try source.url("MAMI_LLM_URL") ?? ollama ?? "http://127.0.0.1:11434"
        case .openai:
            guard let url = try source.url("MAMI_LLM_URL") else {
                throw ConfigError(key: "MAMI_LLM_URL", problem: "is required with MAMI_LLM_API=openai (the engine's base URL, without /v1)")
            }
            self.url = Self.openAIBase(url)
        }
        apiKey = source.string("MAMI_LLM_API_KEY")
    }

    /// An OpenAI-protocol base URL without a trailing `/v1` (clients are often given the base with it; Mami adds it per call).
    public static func openAIBase(_ url: String) -> String {
        url.hasSuffix("/v1") ? String(url.dropLast(3)) : url
    }
}

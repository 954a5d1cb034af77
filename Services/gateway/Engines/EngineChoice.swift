import MamiCore
import MamiHTTP

extension LLMSettings {
    /// The engine these settings name, its streams on `http`'s threads; `maxTokens` bounds every answer when set.
    func engine(stall: Duration, maxTokens: Int?, http: HTTPClient) -> any ChatEngine {
        switch api {
        case .ollama: return OllamaEngine(baseURL: url, stall: stall, maxTokens: maxTokens, http: http)
        case .openai: return OpenAIEngine(baseURL: url, apiKey: apiKey, stall: stall, maxTokens: maxTokens, http: http)
        }
    }
}

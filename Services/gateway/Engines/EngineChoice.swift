import MamiCore
import MamiHTTP

extension LLMSettings {
    /// The engine these settings name, its streams on `http`'s threads.
    func engine(stall: Duration, http: HTTPClient) -> any ChatEngine {
        switch api {
        case .ollama: return OllamaEngine(baseURL: url, stall: stall, http: http)
        case .openai: return OpenAIEngine(baseURL: url, apiKey: apiKey, stall: stall, http: http)
        }
    }
}

import MamiCore

/// What the chat pipeline asks of an LLM engine. Two protocols implement it
/// (``OllamaEngine``, ``OpenAIEngine``); nothing above this interface knows which.
protocol ChatEngine: Sendable {
    /// Streams the answer to `lines` from `model` (at `temperature`, nil: the model's own), piece by piece
    /// as the engine sends it. The stream ends when the answer is complete and throws an ``LLMError`` when it
    /// cannot be; ending the iteration (or cancelling the consumer) stops the engine's call.
    func stream(_ lines: [ChatLine], model: String, temperature: Double?, timeout: Duration) -> AsyncThrowingStream<String, any Error>

    /// The whole answer to `lines`, constrained to JSON matching `schema` (Ollama `format`,
    /// OpenAI `response_format` `json_schema`), at temperature 0; not streamed.
    func structured(_ lines: [ChatLine], model: String, schema: JSONValue, timeout: Duration) async throws -> String

    /// The names of the models the engine serves now.
    func models(timeout: Duration) async throws -> [String]
}

extension ChatEngine {
    /// The answer at the model's own temperature.
    func stream(_ lines: [ChatLine], model: String, timeout: Duration) -> AsyncThrowingStream<String, any Error> {
        stream(lines, model: model, temperature: nil, timeout: timeout)
    }
}

/// Why the LLM did not finish an answer; each becomes a clear message to the person.
struct LLMError: Error, Sendable, CustomStringConvertible {
    enum Kind: String, Sendable {
        case modelNotFound = "model_not_found"
        case unreachable = "llm_unreachable"
        case stalled = "llm_stalled"
        case contextExceeded = "llm_context_exceeded"
        case failed = "llm_error"
    }

    var kind: Kind
    var detail: String

    var userMessage: String {
        switch kind {
        case .modelNotFound: return "The language model is not installed on the server (\(detail))."
        case .unreachable: return "The language model is not reachable right now. Please try again shortly."
        case .stalled: return "The language model stopped answering mid-reply."
        case .contextExceeded:
            return "The conversation is longer than the language model can read at once (\(detail)). Start a new conversation or send a shorter message."
        case .failed: return "The language model reported an error: \(detail)"
        }
    }

    var description: String { "\(kind.rawValue): \(detail)" }
}

/// One chat turn for an engine.
struct ChatLine: Sendable, Equatable {
    var role: String
    var content: String

    var json: JSONValue { ["role": .string(role), "content": .string(content)] }
}

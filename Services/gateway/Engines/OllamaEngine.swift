import MamiCore
import MamiHTTP

/// Ollama's `/api/chat`, streamed as NDJSON. Errors arrive as an HTTP status
/// (404: the model is not pulled), as an `{"error"}` line under 200, as a
/// refused connection, or as silence (a stall); each is an ``LLMError``.
struct OllamaEngine: ChatEngine {
    var baseURL: String
    var stall: Duration
    var maxTokens: Int?
    var http: HTTPClient

    func stream(_ lines: [ChatLine], model: String, temperature: Double?, timeout: Duration) -> AsyncThrowingStream<String, any Error> {
        var body: [String: JSONValue] = ["model": .string(model), "messages": .array(lines.map(\.json)), "stream": true]
        var options: [String: JSONValue] = [:]
        if let maxTokens { options["num_predict"] = .int(Int64(maxTokens)) }
        if let temperature { options["temperature"] = .double(temperature) }
        if !options.isEmpty { body["options"] = .object(options) }
        let request = HTTPRequest(method: "POST", url: baseURL + "/api/chat", headers: ["Content-Type": "application/json"],
                                  body: JSONValue.object(body).serialized(), timeout: timeout, stallTimeout: stall)
        return EngineStream(http: http, line: Self.line, refusal: { status, body in Self.refusal(status, body, model: model) }).stream(request)
    }

    func structured(_ lines: [ChatLine], model: String, schema: JSONValue, timeout: Duration) async throws -> String {
        let body: JSONValue = [
            "model": .string(model), "messages": .array(lines.map(\.json)), "stream": false, "format": schema,
            "options": ["temperature": 0, "num_predict": .int(Int64(maxTokens ?? 512))],
        ]
        let response = try await http.send(HTTPRequest(method: "POST", url: baseURL + "/api/chat", headers: ["Content-Type": "application/json"],
                                                       body: body.serialized(), timeout: timeout))
        guard response.status == 200 else { throw Self.refusal(response.status, response.body, model: model) }
        guard let content = (try? JSONValue(parsing: response.body))?["message"]?["content"]?.stringValue else {
            throw LLMError(kind: .failed, detail: "Ollama's answer has no message content")
        }
        return content
    }

    func models(timeout: Duration) async throws -> [String] {
        let response = try await http.send(HTTPRequest(url: baseURL + "/api/tags", timeout: timeout))
        guard response.status == 200, let tags = try? JSONValue(parsing: response.body) else {
            throw LLMError(kind: .failed, detail: "/api/tags answered HTTP \(response.status)")
        }
        return tags["models"]?.arrayValue?.compactMap { $0["name"]?.stringValue } ?? []
    }

    /// One NDJSON line; true when it was the last (`done`).
    static func line(_ line: [UInt8], deliver: (String) -> Void) throws -> Bool {
        guard !EngineStream.isBlank(line) else { return false }
        guard let object = try? JSONValue(parsing: line) else { throw LLMError(kind: .failed, detail: "Ollama sent a line that is not JSON") }
        if let message = object["error"]?.stringValue { throw LLMError(kind: .failed, detail: message) }
        if let delta = object["message"]?["content"]?.stringValue, !delta.isEmpty { deliver(delta) }
        return object["done"]?.boolValue == true
    }

    static func refusal(_ status: Int, _ body: [UInt8], model: String) -> LLMError {
        status == 404 ? LLMError(kind: .modelNotFound, detail: model) : LLMError(kind: .failed, detail: EngineStream.errorMessage(body, status: status))
    }
}

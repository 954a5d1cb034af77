import MamiCore
import MamiHTTP

/// An OpenAI-compatible server's `POST {base}/v1/chat/completions` with `stream: true`
/// (llama.cpp's server, vLLM, LM Studio, LocalAI, text-generation-webui, Ollama's own):
/// server-sent `data: {…}` lines with `choices[0].delta.content`, ended by a chunk with
/// a `finish_reason` and `data: [DONE]`. Refusals are an HTTP status with
/// `{"error":{"message",…}}`; an `error` object may also arrive inside the stream.
/// The API key, when set, travels as `Authorization: Bearer` and nowhere else.
struct OpenAIEngine: ChatEngine {
    var baseURL: String
    var apiKey: String?
    var stall: Duration
    var maxTokens: Int?
    var http: HTTPClient

    var headers: [String: String] {
        var headers = ["Content-Type": "application/json", "Accept": "text/event-stream"]
        if let apiKey { headers["Authorization"] = "Bearer \(apiKey)" }
        return headers
    }

    func stream(_ lines: [ChatLine], model: String, temperature: Double?, timeout: Duration) -> AsyncThrowingStream<String, any Error> {
        var body: [String: JSONValue] = ["model": .string(model), "messages": .array(lines.map(\.json)), "stream": true]
        if let maxTokens { body["max_tokens"] = .int(Int64(maxTokens)) }
        if let temperature { body["temperature"] = .double(temperature) }
        let request = HTTPRequest(method: "POST", url: baseURL + "/v1/chat/completions", headers: headers,
                                  body: JSONValue.object(body).serialized(), timeout: timeout, stallTimeout: stall)
        return EngineStream(http: http, line: Self.line, refusal: { status, body in Self.refusal(status, body, model: model) }).stream(request)
    }

    func structured(_ lines: [ChatLine], model: String, schema: JSONValue, timeout: Duration) async throws -> String {
        let body: JSONValue = [
            "model": .string(model), "messages": .array(lines.map(\.json)), "stream": false, "temperature": 0,
            "max_tokens": .int(Int64(maxTokens ?? 512)),
            "response_format": ["type": "json_schema", "json_schema": ["name": "answer", "strict": true, "schema": schema]],
        ]
        var headers = headers
        headers["Accept"] = "application/json"
        let response = try await http.send(HTTPRequest(method: "POST", url: baseURL + "/v1/chat/completions", headers: headers,
                                                       body: body.serialized(), timeout: timeout))
        guard response.status == 200 else { throw Self.refusal(response.status, response.body, model: model) }
        let answer = try? JSONValue(parsing: response.body)
        guard let content = answer?["choices"]?.arrayValue?.first?["message"]?["content"]?.stringValue else {
            throw LLMError(kind: .failed, detail: "the engine's answer has no message content")
        }
        return content
    }

    func models(timeout: Duration) async throws -> [String] {
        var headers = headers
        headers["Accept"] = "application/json"
        let response = try await http.send(HTTPRequest(url: baseURL + "/v1/models", headers: headers, timeout: timeout))
        guard response.status == 200, let list = try? JSONValue(parsing: response.body) else {
            throw LLMError(kind: .failed, detail: "/v1/models answered HTTP \(response.status)")
        }
        return list["data"]?.arrayValue?.compactMap { $0["id"]?.stringValue } ?? []
    }

    /// One line of the event stream; true once the answer is complete.
    static func line(_ line: [UInt8], deliver: (String) -> Void) throws -> Bool {
        guard !EngineStream.isBlank(line), line.first != UInt8(ascii: ":") else { return false }  // keep-alive comments
        let prefix = Array("data:".utf8)
        guard line.starts(with: prefix) else { return false }  // `event:`, `id:`, `retry:` carry nothing we use
        let payload = Array(line.dropFirst(prefix.count).drop { $0 == 32 })
        if payload == Array("[DONE]".utf8) { return true }
        guard let chunk = try? JSONValue(parsing: payload) else { throw LLMError(kind: .failed, detail: "the engine sent an event that is not JSON") }
        if let error = chunk["error"] { throw inStream(error) }
        let choice = chunk["choices"]?.arrayValue?.first
        if let delta = choice?["delta"]?["content"]?.stringValue, !delta.isEmpty { deliver(delta) }
        guard let reason = choice?["finish_reason"]?.stringValue else { return false }
        if reason == "error" { throw LLMError(kind: .failed, detail: "the engine ended the answer with an error") }
        return true
    }

    private static func inStream(_ error: JSONValue) -> LLMError {
        let message = error["message"]?.stringValue ?? error.stringValue ?? "an error inside the stream"
        return isContextError(error) ? LLMError(kind: .contextExceeded, detail: message) : LLMError(kind: .failed, detail: message)
    }

    static func refusal(_ status: Int, _ body: [UInt8], model: String) -> LLMError {
        let error = (try? JSONValue(parsing: body))?["error"] ?? .null
        let message = EngineStream.errorMessage(body, status: status)
        if status == 404 { return LLMError(kind: .modelNotFound, detail: model) }
        if isContextError(error) { return LLMError(kind: .contextExceeded, detail: message) }
        if status == 401 || status == 403 { return LLMError(kind: .failed, detail: "the engine refused the API key (HTTP \(status))") }
        return LLMError(kind: .failed, detail: message)
    }

    /// llama.cpp says `exceed_context_size_error`; vLLM and others `context_length_exceeded` or a message about the context length.
    static func isContextError(_ error: JSONValue) -> Bool {
        let words = [error["type"]?.stringValue, error["code"]?.stringValue, error["message"]?.stringValue].compactMap { $0?.lowercased() }
        return words.contains { $0.contains("context") && ($0.contains("exceed") || $0.contains("length") || $0.contains("size")) }
    }
}

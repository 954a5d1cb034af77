import Foundation
import MamiCore
import MamiHTTP

/// Why the LLM did not finish an answer; each becomes a clear message to the person.
struct LLMError: Error, Sendable, CustomStringConvertible {
    enum Kind: String, Sendable {
        case modelNotFound = "model_not_found"
        case unreachable = "llm_unreachable"
        case stalled = "llm_stalled"
        case failed = "llm_error"
    }

    var kind: Kind
    var detail: String

    var userMessage: String {
        switch kind {
        case .modelNotFound: return "The language model is not installed on the server (\(detail))."
        case .unreachable: return "The language model is not reachable right now. Please try again shortly."
        case .stalled: return "The language model stopped answering mid-reply."
        case .failed: return "The language model reported an error: \(detail)"
        }
    }

    var description: String { "\(kind.rawValue): \(detail)" }
}

/// One chat turn for Ollama.
struct ChatLine: Sendable, Equatable {
    var role: String
    var content: String

    var json: JSONValue { ["role": .string(role), "content": .string(content)] }
}

/// Ollama `/api/chat`, streamed over libcurl (NDJSON). Errors arrive as an HTTP
/// status, as an `{"error"}` line under 200, as a refused connection, or as
/// silence (a stall); each is an ``LLMError``. Ending the iteration stops the call.
struct OllamaChat: Sendable {
    var baseURL: String
    var model: String
    var stall: Duration
    var http: HTTPClient

    func stream(_ lines: [ChatLine], timeout: Duration) -> AsyncThrowingStream<String, any Error> {
        let body: JSONValue = ["model": .string(model), "messages": .array(lines.map(\.json)), "stream": true]
        let request = HTTPRequest(method: "POST", url: baseURL + "/api/chat", headers: ["Content-Type": "application/json"],
                                  body: body.serialized(), timeout: timeout, stallTimeout: stall)
        let parts = http.stream(request)
        let model = model
        return AsyncThrowingStream { continuation in
            let task = Task {
                do {
                    try await Self.decode(parts, model: model) { continuation.yield($0) }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    /// Reads the NDJSON lines, handing the content of each piece of the body to `deliver`:
    /// the deltas of lines that arrived together go out as one, so a fast model costs
    /// one write to the client per network read, not one per token.
    static func decode(_ parts: AsyncThrowingStream<HTTPStreamPart, any Error>, model: String, deliver: (String) -> Void) async throws {
        var status = 0
        var pending: [UInt8] = []
        var errorBody: [UInt8] = []
        do {
            for try await part in parts {
                switch part {
                case .head(let code): status = code
                case .body(let bytes) where status != 200: errorBody += bytes
                case .body(let bytes):
                    pending += bytes
                    var text = ""
                    defer { if !text.isEmpty { deliver(text) } }
                    while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                        let line = Array(pending[..<newline])
                        pending.removeSubrange(...newline)
                        if try handle(line, deliver: { text += $0 }) { return }
                    }
                }
            }
        } catch let error as HTTPError {
            throw error.isTimeout ? LLMError(kind: .stalled, detail: error.message) : LLMError(kind: .unreachable, detail: error.message)
        }
        if status == 404 { throw LLMError(kind: .modelNotFound, detail: model) }
        if status != 200 {
            let message = (try? JSONValue(parsing: errorBody))?["error"]?.stringValue ?? "HTTP \(status)"
            throw LLMError(kind: .failed, detail: message)
        }
        if !pending.isEmpty, try handle(pending, deliver: deliver) { return }
        throw LLMError(kind: .failed, detail: "the stream ended before the answer was done")
    }

    /// One NDJSON line; true when it was the last (`done`).
    private static func handle(_ line: [UInt8], deliver: (String) -> Void) throws -> Bool {
        guard !line.allSatisfy({ $0 == 32 || $0 == 13 }) else { return false }
        guard let object = try? JSONValue(parsing: line) else { throw LLMError(kind: .failed, detail: "Ollama sent a line that is not JSON") }
        if let message = object["error"]?.stringValue { throw LLMError(kind: .failed, detail: message) }
        if let delta = object["message"]?["content"]?.stringValue, !delta.isEmpty { deliver(delta) }
        return object["done"]?.boolValue == true
    }
}

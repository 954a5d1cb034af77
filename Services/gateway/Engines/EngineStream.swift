import MamiCore
import MamiHTTP

/// What both engine protocols share: one streamed HTTP request whose body is
/// read line by line once the status is 200. The protocol supplies what a line
/// means and what a refusal means; transport failures are named here.
struct EngineStream: Sendable {
    /// Reads one line of a 200 body, handing content to `deliver`; true when the answer is complete.
    typealias LineHandler = @Sendable (_ line: [UInt8], _ deliver: (String) -> Void) throws -> Bool
    /// The error for a status other than 200 and its body.
    typealias Refusal = @Sendable (_ status: Int, _ body: [UInt8]) -> LLMError

    var http: HTTPClient
    var line: LineHandler
    var refusal: Refusal

    /// Streams the answer to `request`.
    func stream(_ request: HTTPRequest) -> AsyncThrowingStream<String, any Error> {
        let parts = http.stream(request)
        return AsyncThrowingStream { continuation in
            let task = Task {
                do {
                    try await decode(parts) { continuation.yield($0) }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    /// Splits the body into lines. The content of lines that arrived together goes out as
    /// one piece, so a fast model costs one write to the client per network read, not per token.
    func decode(_ parts: AsyncThrowingStream<HTTPStreamPart, any Error>, deliver: (String) -> Void) async throws {
        var status = 0
        var pending: [UInt8] = []
        var refused: [UInt8] = []
        do {
            for try await part in parts {
                switch part {
                case .head(let code): status = code
                case .body(let bytes) where status != 200: refused += bytes
                case .body(let bytes):
                    pending += bytes
                    if try readLines(&pending, deliver: deliver) { return }
                }
            }
        } catch let error as HTTPError {
            throw error.isTimeout ? LLMError(kind: .stalled, detail: error.message) : LLMError(kind: .unreachable, detail: error.message)
        }
        if status != 200 { throw refusal(status, refused) }
        if !pending.isEmpty, try line(pending, deliver) { return }
        throw LLMError(kind: .failed, detail: "the stream ended before the answer was done")
    }

    /// The complete lines in `pending` (removed from it); true once the answer is complete.
    private func readLines(_ pending: inout [UInt8], deliver: (String) -> Void) throws -> Bool {
        var text = ""
        defer { if !text.isEmpty { deliver(text) } }
        while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
            let bytes = Array(pending[..<newline])
            pending.removeSubrange(...newline)
            if try line(bytes, { text += $0 }) { return true }
        }
        return false
    }

    /// True for a line of only spaces and carriage returns.
    static func isBlank(_ line: [UInt8]) -> Bool {
        line.allSatisfy { $0 == 32 || $0 == 13 }
    }

    /// The `message` of an `{"error": "…"}` or `{"error": {"message": "…"}}` body, else `HTTP <status>`.
    static func errorMessage(_ body: [UInt8], status: Int) -> String {
        let error = (try? JSONValue(parsing: body))?["error"]
        return error?.stringValue ?? error?["message"]?.stringValue ?? "HTTP \(status)"
    }
}

import MamiCore
import MamiHTTP
import NIOConcurrencyHelpers

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

    /// Streams the answer to `request`. The body is split into lines on libcurl's
    /// thread as it arrives, so a token reaches the reader with one task switch.
    func stream(_ request: HTTPRequest) -> AsyncThrowingStream<String, any Error> {
        let (answer, continuation) = AsyncThrowingStream<String, any Error>.makeStream()
        let decoder = LineDecoder(line: line)
        let http = http
        let refusal = refusal
        let task = Task {
            do {
                do {
                    try await http.stream(request) { part in
                        decoder.receive(part) { text in
                            if case .terminated = continuation.yield(text) { return false }
                            return true
                        }
                    }
                } catch let error as HTTPError {
                    throw error.isTimeout ? LLMError(kind: .stalled, detail: error.message) : LLMError(kind: .unreachable, detail: error.message)
                }
                try decoder.finish(refusal: refusal) { continuation.yield($0) }
                continuation.finish()
            } catch {
                continuation.finish(throwing: error)
            }
        }
        continuation.onTermination = { _ in task.cancel() }
        return answer
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

/// The lines of a streamed body, read on the transfer's thread: the content of lines
/// that arrived together goes out as one piece, so a fast model costs one write to
/// the client per network read, not per token.
final class LineDecoder: Sendable {
    struct State: Sendable {
        var status = 0
        var pending: [UInt8] = []
        var refused: [UInt8] = []
        var complete = false
        var failure: (any Error)?
    }

    let line: EngineStream.LineHandler
    private let state = NIOLockedValueBox(State())

    init(line: @escaping EngineStream.LineHandler) {
        self.line = line
    }

    /// Takes one part; hands the content of its complete lines to `deliver`. False once nothing more is wanted:
    /// the answer is complete, a line failed, or `deliver` returned false.
    func receive(_ part: HTTPStreamPart, deliver: (String) -> Bool) -> Bool {
        state.withLockedValue { state in
            guard !state.complete, state.failure == nil else { return false }
            switch part {
            case .head(let code):
                state.status = code
                return true
            case .body(let bytes) where state.status != 200:
                state.refused += bytes
                return true
            case .body(let bytes):
                state.pending += bytes
                var text = ""
                do { state.complete = try readLines(&state.pending) { text += $0 } } catch { state.failure = error }
                let delivered = text.isEmpty || deliver(text)
                return delivered && !state.complete && state.failure == nil
            }
        }
    }

    /// After the transfer: reads a last line that had no newline, handing its content to `deliver`;
    /// throws what went wrong (a line's error, a refusal, an answer that never completed).
    func finish(refusal: EngineStream.Refusal, deliver: (String) -> Void) throws {
        var text = ""
        let state = try self.state.withLockedValue { state in
            if !state.complete, state.failure == nil, state.status == 200, !state.pending.isEmpty {
                state.complete = try line(state.pending) { text += $0 }
            }
            return state
        }
        if !text.isEmpty { deliver(text) }
        if let failure = state.failure { throw failure }
        if state.status != 200 { throw refusal(state.status, state.refused) }
        guard state.complete else { throw LLMError(kind: .failed, detail: "the stream ended before the answer was done") }
    }

    /// The complete lines in `pending` (removed from it); true once the answer is complete.
    private func readLines(_ pending: inout [UInt8], deliver: (String) -> Void) throws -> Bool {
        while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
            let bytes = Array(pending[..<newline])
            pending.removeSubrange(...newline)
            if try line(bytes, deliver) { return true }
        }
        return false
    }
}

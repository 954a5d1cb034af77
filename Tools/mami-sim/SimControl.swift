import Foundation
import MamiCore
import NIOConcurrencyHelpers

/// A fault the simulator applies to calls of one endpoint (`POST /_sim/faults`).
struct SimFault: Sendable {
    enum Mode: String, Sendable, CaseIterable {
        /// No answer until the faults are cleared; then the call proceeds normally.
        case hang
        /// Answers normally after `delay_ms`.
        case slow
        /// HTTP 500 with the service's error body.
        case error
        /// Closes the connection without a complete answer.
        case drop
        /// HTTP 200 with a body that is not valid JSON.
        case malformed
        /// Streaming endpoints: a few deltas, then an `{"error":…}` line under HTTP 200.
        case streamError = "stream_error"
    }

    var endpoint: String
    var mode: Mode
    /// Calls left to affect; nil = until cleared.
    var remaining: Int?
    var delay: Duration

    init(json: JSONValue) throws {
        let members = try JSONValue?.some(json).requireObject()
        endpoint = try members.requireString("endpoint")
        guard let mode = Mode(rawValue: try members.requireString("mode")) else {
            throw FieldError(field: "mode", problem: "must be one of \(Mode.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        self.mode = mode
        remaining = try members.optionalInt("count", in: 1...Int64(Int32.max)).map(Int.init)
        delay = .milliseconds(try members.optionalInt("delay_ms", in: 0...3_600_000) ?? 1000)
    }
}

/// One call the simulator received, for `GET /_sim/calls`.
struct SimCall: Sendable {
    var service: String
    var method: String
    var path: String
    var query: String
    var body: JSONValue
    /// When it arrived, in seconds since 1970 (benchmarks compare it with their own clock).
    var receivedAt = Date().timeIntervalSince1970

    var json: JSONValue {
        ["service": .string(service), "method": .string(method), "path": .string(path), "query": .string(query), "body": body,
         "received_at": .double(receivedAt)]
    }
}

/// The simulator's control plane, shared by both ports: faults, the call log and speeds.
final class SimControl: Sendable {
    private struct State {
        var faults: [SimFault] = []
        var calls: [SimCall] = []
        /// Bumped when faults are cleared, releasing hung calls.
        var clearings = 0
        var stepDelay: Duration
        var tokenDelay: Duration
        /// The content of every reply to a request for structured output (Ollama `format`, OpenAI
        /// `response_format`); nil: `{"facts":[<the last user message>]}`.
        var structuredReply: String?
        /// Streamed replies being written now (a client that closes its connection ends one).
        var openStreams = 0
    }

    static let maxCalls = 100_000
    private let state: NIOLockedValueBox<State>

    init(stepDelay: Duration, tokenDelay: Duration) {
        state = NIOLockedValueBox(State(stepDelay: stepDelay, tokenDelay: tokenDelay))
    }

    var stepDelay: Duration { state.withLockedValue { $0.stepDelay } }
    var tokenDelay: Duration { state.withLockedValue { $0.tokenDelay } }
    var clearings: Int { state.withLockedValue { $0.clearings } }
    var structuredReply: String? { state.withLockedValue { $0.structuredReply } }

    /// The reply to a structured-output request whose last user message is `message`.
    func structuredReply(to messages: [JSONValue]) -> String {
        if let reply = structuredReply { return reply }
        let last = messages.last { $0["role"] == "user" }?["content"]?.stringValue ?? ""
        return JSONValue.object(["facts": .array([.string(last)])]).jsonText
    }

    func configure(_ members: [String: JSONValue]) throws {
        let step = try members.optionalInt("step_ms", in: 0...60_000)
        let token = try members.optionalInt("token_ms", in: 0...60_000)
        let structured = members["structured_reply"]
        state.withLockedValue { state in
            if let step { state.stepDelay = .milliseconds(step) }
            if let token { state.tokenDelay = .milliseconds(token) }
            if let structured { state.structuredReply = structured.stringValue }
        }
    }

    func add(_ fault: SimFault) {
        state.withLockedValue { $0.faults.append(fault) }
    }

    func clearFaults() {
        state.withLockedValue { state in
            state.faults.removeAll()
            state.clearings += 1
        }
    }

    /// The fault that applies to this call of `path`, consuming one of its counts.
    func takeFault(for path: String) -> SimFault? {
        state.withLockedValue { state in
            guard let index = state.faults.firstIndex(where: { $0.endpoint == path }) else { return nil }
            let fault = state.faults[index]
            if let remaining = fault.remaining {
                if remaining <= 1 { state.faults.remove(at: index) } else { state.faults[index].remaining = remaining - 1 }
            }
            return fault
        }
    }

    var openStreams: Int { state.withLockedValue { $0.openStreams } }

    /// Runs the writing of a streamed reply, counted in ``openStreams`` while it lasts.
    func streaming(_ body: () async throws -> Void) async throws {
        state.withLockedValue { $0.openStreams += 1 }
        defer { state.withLockedValue { $0.openStreams -= 1 } }
        try await body()
    }

    func record(_ call: SimCall) {
        state.withLockedValue { state in
            if state.calls.count >= Self.maxCalls { state.calls.removeFirst(state.calls.count / 2) }
            state.calls.append(call)
        }
    }

    var calls: [SimCall] { state.withLockedValue { $0.calls } }

    func clearCalls() {
        state.withLockedValue { $0.calls.removeAll() }
    }

    /// Waits until the faults are cleared (hung calls), checking every 20 ms.
    func waitForClearing(after clearings: Int) async {
        while self.clearings == clearings, !Task.isCancelled {
            try? await Task.sleep(for: .milliseconds(20))
        }
    }
}

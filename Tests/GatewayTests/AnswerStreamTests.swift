import Foundation
import MamiCore
import MamiHTTP
import ServiceTestSupport
import Testing

/// An answer belongs to the server: it outlives the connection that asked, any client of its owner
/// follows it again from where it was, and the person can stop it.
@Suite struct AnswerStreamTests {
    static let words = (1...30).map { "word\($0)" }.joined(separator: " ")

    @Test func anAnswerOutlivesItsClientAndReattachingClientsGetExactlyWhatTheyMissed() async throws {
        let stack = try await Stack.start()
        try await stack.sim.configure(tokenMs: 100)
        let session = try await stack.register("deniz")
        let conversation = try await stack.conversation(session)
        // The first client reads three deltas and leaves.
        let first = try await follow(stack, stack.streamedChat(session, conversation, Self.words)) { $0.count { $0.event == "delta" } >= 3 }
        let answerID = try #require(first.first?.data["message_id"]?.stringValue)
        let seen = deltas(first)
        let lastID = try #require(first.last { $0.event == "delta" }?.id)

        // Two clients come back at once from where the first left.
        let reattach = reattachRequest(stack, session, answerID, lastEventID: lastID)
        async let one = follow(stack, reattach)
        async let two = follow(stack, reattach)
        let (a, b) = try await (one, two)
        #expect(a == b, "two clients attached at once get identical streams")
        #expect(a.last?.event == "done")

        let stored = try await stack.json("GET", "/api/v1/conversations/\(conversation)/messages", token: session.access).body["items"]?.arrayValue?.first
        #expect(stored?["id"]?.stringValue == answerID)
        #expect(stored?["status"] == "complete", "the answer completed with no client attached at first")
        let text = try #require(stored?["content"]?.stringValue)
        #expect(text == "You said: " + Self.words)
        #expect(seen + deltas(a) == text, "no delta lost or repeated")
        #expect(a.compactMap(\.id).compactMap(Int.init) == a.filter { $0.event == "delta" }.compactMap { Int($0.id ?? "") }.sorted())

        // After the end, a reattach from any point gets the rest of the stored text.
        let late = try await follow(stack, reattachRequest(stack, session, answerID, lastEventID: lastID))
        #expect(seen + deltas(late) == text)
        #expect(late.last?.data["status"] == "complete")
        // Another person cannot follow it.
        let other = try await stack.register("eda")
        #expect(try await stack.request("GET", "/api/v1/messages/\(answerID)/stream", token: other.access).status == 404)
        await stack.stop()
    }

    @Test func stopEndsTheAnswerAsStoppedAndClosesTheEnginesStream() async throws {
        let stack = try await Stack.start()
        try await stack.sim.configure(tokenMs: 200)
        let session = try await stack.register("ferda")
        let conversation = try await stack.conversation(session)
        let request = stack.streamedChat(session, conversation, Self.words)
        let reader = Task { try await follow(stack, request) }
        let answerID = try await liveAnswer(stack, session, conversation)
        let stopped = try await stack.json("POST", "/api/v1/messages/\(answerID)/stop", token: session.access)
        #expect(stopped.status == 200)
        #expect(stopped.body["message"]?["status"] == "stopped")
        let kept = stopped.body["message"]?["content"]?.stringValue ?? ""
        #expect(kept.hasPrefix("You said:") && !kept.hasSuffix("word30"), "\(kept)")
        let events = try await reader.value
        #expect(events.last?.event == "done")
        #expect(events.last?.data["status"] == "stopped")
        #expect(deltas(events) == kept, "the client saw what was stored")
        // The engine's stream is closed, long before the 31 tokens at 200 ms would have ended.
        let deadline = ContinuousClock.now + .seconds(4)
        while try await stack.sim.openStreams() > 0, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(50)) }
        #expect(try await stack.sim.openStreams() == 0)
        // Stopping again changes nothing; the branch lists it as stopped.
        #expect(try await stack.json("POST", "/api/v1/messages/\(answerID)/stop", token: session.access).body["status"] == "stopped")
        await stack.stop()
    }

    @Test func aGatewayKilledMidAnswerLeavesItFailedWithItsLastFlushedText() async throws {
        let stack = try await Stack.start()
        try await stack.sim.configure(tokenMs: 10)
        let session = try await stack.register("gonca")
        let conversation = try await stack.conversation(session)
        let long = (1...400).map { "w\($0)" }.joined(separator: " ")
        let first = try await follow(stack, stack.streamedChat(session, conversation, long)) { $0.count { $0.event == "delta" } >= 100 }
        let answerID = try #require(first.first?.data["message_id"]?.stringValue)
        try await stack.kill("gateway")
        try stack.launch("gateway")
        try await stack.waitUntilServing()
        let items = try await stack.json("GET", "/api/v1/conversations/\(conversation)/messages", token: session.access).body["items"]?.arrayValue ?? []
        let answer = try #require(items.first { $0["id"]?.stringValue == answerID })
        #expect(answer["status"] == "failed", "never left streaming: \(answer)")
        #expect(answer["error"]?.stringValue?.contains("gateway stopped") == true)
        let flushed = answer["content"]?.stringValue ?? ""
        #expect(flushed.hasPrefix("You said: w1 w2"), "the text flushed before the kill is kept: \(flushed.prefix(80))")
        #expect(("You said: " + long).hasPrefix(flushed))
        await stack.stop()
    }

    /// Other tabs of the owner hear that an answer started and ended.
    @Test func theOwnersSocketsHearAnswersStartAndComplete() async throws {
        let stack = try await Stack.start()
        let admin = try await stack.register("admin")
        let session = try await stack.register("hale")
        let conversation = try await stack.conversation(session)
        let url = "ws://127.0.0.1:\(stack.port)/api/v1/ws"
        async let view = runPython("ws_client.py", [url, "events", session.access, "30"])
        let deadline = ContinuousClock.now + .seconds(30)
        while try await stack.json("GET", "/api/v1/admin/stats", token: admin.access).body["websockets"]?.intValue ?? 0 < 1 {
            guard ContinuousClock.now < deadline else { throw TestTimeout(what: "the socket") }
            try await Task.sleep(for: .milliseconds(50))
        }
        let answer = try await stack.chat(session, conversation, "tell the other tab")
        let events = try JSONValue(parsing: try await view.output.split(separator: "\n").last.map(String.init) ?? "")["events"]?.arrayValue ?? []
        #expect(events.map { $0["type"] } == ["message_started", "message_completed"])
        #expect(events.first?["message_id"] == answer.body["message"]?["id"])
        #expect(events.last?["message"]?["content"] == "You said: tell the other tab")
        await stack.stop()
    }
}

/// The events of an SSE request; with `enough`, stops reading (disconnects) once it holds.
func follow(_ stack: Stack, _ request: HTTPRequest, until enough: @escaping @Sendable ([SSEEvent]) -> Bool = { _ in false }) async throws -> [SSEEvent] {
    var text = ""
    for try await part in stack.http.stream(request) {
        if case .body(let bytes) = part { text += String(decoding: bytes, as: UTF8.self) }
        if enough(SSEParser.parse(text)) { break }
    }
    return SSEParser.parse(text)
}

/// The text of the deltas among `events`.
func deltas(_ events: [SSEEvent]) -> String {
    events.filter { $0.event == "delta" }.compactMap { $0.data["content"]?.stringValue }.joined()
}

func reattachRequest(_ stack: Stack, _ session: Session, _ answerID: String, lastEventID: String?) -> HTTPRequest {
    var headers = ["Accept": "text/event-stream", "Authorization": "Bearer \(session.access)"]
    headers["Last-Event-ID"] = lastEventID
    return HTTPRequest(method: "GET", url: stack.base + "/api/v1/messages/\(answerID)/stream", headers: headers, timeout: .seconds(60))
}

/// The id of the answer streaming in `conversation`, once some of its text is stored.
func liveAnswer(_ stack: Stack, _ session: Session, _ conversation: String) async throws -> String {
    let deadline = ContinuousClock.now + .seconds(30)
    while ContinuousClock.now < deadline {
        let items = try await stack.json("GET", "/api/v1/conversations/\(conversation)/messages", token: session.access).body["items"]?.arrayValue ?? []
        if let answer = items.first(where: { $0["role"] == "assistant" && $0["status"] == "streaming" && $0["content"] != "" }),
           let id = answer["id"]?.stringValue {
            return id
        }
        try await Task.sleep(for: .milliseconds(50))
    }
    throw TestTimeout(what: "an answer to stream")
}

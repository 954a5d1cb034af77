import Foundation
import MamiCore
import MamiHTTP
import ServiceTestSupport
import Testing

@Suite struct ChatTests {
    @Test func aChatAnswersAndAStreamedReplyWritesMemoryExactlyOnce() async throws {
        let stack = try await Stack.start()
        try await stack.sim.configure(tokenMs: 50)  // tokens in reads of their own: deltas that arrive together go out as one
        let session = try await stack.register("gul")
        let conversation = try await stack.conversation(session)
        let events = try await stack.chatStream(session, conversation, "I grow tomatoes on my balcony")
        #expect(events.first?.event == "message")
        #expect(events.filter { $0.event == "delta" }.count >= 2)
        #expect(events.last?.event == "done")
        let answer = events.last?.data
        #expect(answer?["content"] == "You said: I grow tomatoes on my balcony")
        #expect(answer?["id"] == events.first?.data["message_id"], "the answer's id was announced before it streamed")
        // mami-sim's extraction answers the message itself as the one fact.
        #expect(try await stack.memoryTexts(session, count: 1) == ["I grow tomatoes on my balcony"])
        let page = try await stack.json("GET", "/api/v1/conversations/\(conversation)/messages", token: session.access).body
        #expect(page["items"]?.arrayValue?.map { $0["role"] } == ["assistant", "user"])
        await stack.stop()
    }

    /// G1: a hung memory service costs at most its budget; a dead one costs nothing.
    @Test func chatAnswersWhileMemoryIsFrozenOrDead() async throws {
        let stack = try await Stack.start(extra: ["MAMI_MEMORY_BUDGET_MS": "300"])
        let session = try await stack.register("hakan")
        let conversation = try await stack.conversation(session)
        try await stack.process("memory").freeze()
        let started = ContinuousClock.now
        let frozen = try await stack.chat(session, conversation, "hello while memory sleeps")
        #expect(frozen.status == 200)
        #expect(frozen.body["message"]?["content"] == "You said: hello while memory sleeps")
        #expect(ContinuousClock.now - started < .seconds(10), "generous bound: the budget is 300 ms")
        let health = try await stack.json("GET", "/health").body
        #expect(health["services"]?["memory"]?["status"] == "failing")
        stack.process("memory").signal(SIGCONT)
        try await stack.kill("memory")
        let dead = try await stack.chat(session, conversation, "hello without memory")
        #expect(dead.status == 200)
        #expect(dead.body["message"]?["status"] == "complete")
        await stack.stop()
    }

    @Test(arguments: EngineProtocol.allCases)
    func llmFailuresBecomeClearErrorsAndKeepThePartialAnswer(_ engine: EngineProtocol) async throws {
        let stack = try await Stack.start(engine: engine)
        let session = try await stack.register("ilke")
        let conversation = try await stack.conversation(session)
        try await stack.sim.fault(["endpoint": .string(engine.chatPath), "mode": "stream_error", "count": 1], api: .ollama)
        let events = try await stack.chatStream(session, conversation, "one two three four five")
        #expect(events.last?.event == "error")
        #expect(events.last?.data["error"]?["code"] == "llm_error")
        #expect(events.last?.data["message"]?["content"] == "You said:", "the partial answer is kept")
        #expect(events.last?.data["message"]?["status"] == "failed")

        try await stack.sim.fault(["endpoint": .string(engine.chatPath), "mode": "error", "count": 1], api: .ollama)
        let failed = try await stack.chat(session, conversation, "again")
        #expect(failed.status == 502)
        #expect(failed.body["error"]?["code"] == "llm_error")
        #expect(failed.body["message"]?["status"] == "failed")
        // Other people keep being served.
        let other = try await stack.register("other")
        #expect(try await stack.chat(other, try await stack.conversation(other), "fine?").status == 200)
        await stack.stop()
    }

    @Test(arguments: EngineProtocol.allCases)
    func anUnknownModelAndAnUnreachableLLMAreNamed(_ engine: EngineProtocol) async throws {
        let stack = try await Stack.start(extra: ["MAMI_CHAT_MODEL": "no-such-model"], engine: engine)
        let session = try await stack.register("jale")
        let conversation = try await stack.conversation(session)
        let missing = try await stack.chat(session, conversation, "hello")
        #expect(missing.status == 502)
        #expect(missing.body["error"]?["code"] == "model_not_found")
        let served = try await stack.json("POST", "/api/v1/conversations", ["title": "served", "model": "all-minilm"], token: session.access)
        await stack.sim.stop()
        let unreachable = try await stack.chat(session, served.body["id"]?.stringValue ?? "", "hello again")
        #expect(unreachable.body["error"]?["code"] == "llm_unreachable")
        await stack.stop()
    }

    /// A conversation names its model: validated against what the engine serves, and used.
    @Test(arguments: EngineProtocol.allCases)
    func aConversationsModelIsValidatedAndUsed(_ engine: EngineProtocol) async throws {
        let stack = try await Stack.start(engine: engine)
        let session = try await stack.register("kerem")
        let models = try await stack.json("GET", "/api/v1/models", token: session.access).body
        #expect(models["default"] == "llama3.2")
        #expect(models["items"]?.arrayValue?.contains(["id": "llama3.2:latest", "default": true]) == true, "\(models)")
        let unknown = try await stack.json("POST", "/api/v1/conversations", ["title": "x", "model": "gpt-9"], token: session.access)
        #expect(unknown.status == 400)
        #expect(unknown.body["error"]?["field"] == "model")
        let created = try await stack.json("POST", "/api/v1/conversations", ["title": "small", "model": "all-minilm"], token: session.access)
        #expect(created.status == 201)
        #expect(created.body["model"] == "all-minilm:latest")
        let conversation = try #require(created.body["id"]?.stringValue)
        #expect(try await stack.chat(session, conversation, "which model answers?").status == 200)
        #expect(try await stack.sim.calls(to: engine.chatPath).last?["body"]?["model"] == "all-minilm:latest")
        let reset = try await stack.json("PATCH", "/api/v1/conversations/\(conversation)", ["model": nil], token: session.access)
        #expect(reset.body["model"] == .null)
        #expect(try await stack.chat(session, conversation, "and now?").status == 200)
        #expect(try await stack.sim.calls(to: engine.chatPath).last?["body"]?["model"] == "llama3.2")
        await stack.stop()
    }

    @Test func badInputIsAClearClientError() async throws {
        let stack = try await Stack.start(extra: ["MAMI_MAX_BODY_BYTES": "4096"])
        let session = try await stack.register("kaan")
        let conversation = try await stack.conversation(session)
        let path = "/api/v1/conversations/\(conversation)/messages"
        let malformed = try await stack.request("POST", path, token: session.access, raw: Array("{not json".utf8))
        #expect(malformed.status == 400)
        #expect(try JSONValue(parsing: malformed.body)["error"]?["code"] == "invalid_request")
        #expect(try await stack.json("POST", path, ["content": 5], token: session.access).status == 400)
        #expect(try await stack.json("POST", path, ["content": "   "], token: session.access).status == 400)
        let huge = try await stack.request("POST", path, ["content": .string(String(repeating: "x", count: 10_000))], token: session.access)
        #expect(huge.status == 413)
        #expect(try await stack.json("POST", "/api/v1/conversations/nope/messages", ["content": "hi"], token: session.access).status == 404)
        #expect(try await stack.json("GET", "/api/v1/conversations?limit=0", token: session.access).status == 400)
        #expect(try await stack.json("GET", "/api/v1/conversations?cursor=abc", token: session.access).status == 400)
        #expect(try await stack.json("POST", "/api/v1/auth/register", ["username": "x", "password": "short"]).status == 400)
        #expect(try await stack.json("GET", "/api/v1/no-such-route", token: session.access).status == 404)
        await stack.stop()
    }

    @Test func messagesPageNewestFirstByCursor() async throws {
        let stack = try await Stack.start()
        let session = try await stack.register("lale")
        let conversation = try await stack.conversation(session)
        for index in 0..<30 { _ = try await stack.chat(session, conversation, "message \(index)") }
        var seen: [String] = []
        var cursor: String?
        repeat {
            let query = cursor.map { "?limit=25&cursor=\($0)" } ?? "?limit=25"
            let page = try await stack.json("GET", "/api/v1/conversations/\(conversation)/messages\(query)", token: session.access).body
            seen += page["items"]?.arrayValue?.compactMap { $0["id"]?.stringValue } ?? []
            cursor = page["next_cursor"]?.stringValue
        } while cursor != nil
        #expect(seen.count == 60)
        #expect(Set(seen).count == 60)
        await stack.stop()
    }

    @Test func degradedModeAnswersWithoutTheLLMAndRefusesImages() async throws {
        let stack = try await Stack.start()
        let admin = try await stack.register("admin")
        let user = try await stack.register("mert")
        #expect(try await stack.json("POST", "/api/v1/admin/mode", ["mode": "degraded"], token: user.access).status == 403)
        #expect(try await stack.json("POST", "/api/v1/admin/mode", ["mode": "degraded"], token: admin.access).status == 200)
        let conversation = try await stack.conversation(user)
        let answer = try await stack.chat(user, conversation, "are you there")
        #expect(answer.status == 200)
        #expect(answer.body["message"]?["content"]?.stringValue?.contains("degraded mode") == true)
        #expect(try await stack.sim.calls(to: "/api/chat").isEmpty)
        let image = try await stack.json("POST", "/api/v1/images", ["prompt": "a cat"], token: user.access)
        #expect(image.status == 503)
        #expect(image.body["error"]?["code"] == "degraded_mode")
        #expect(try await stack.json("GET", "/api/v1/conversations", token: user.access).status == 200)
        #expect(try await stack.json("GET", "/api/v1/admin/stats", token: admin.access).body["mode"] == "degraded")
        await stack.stop()
    }

    /// A conversation's own system prompt and temperature reach the engine; null puts back the defaults.
    @Test(arguments: EngineProtocol.allCases)
    func aConversationsSystemPromptAndTemperatureAreUsed(_ engine: EngineProtocol) async throws {
        let stack = try await Stack.start(engine: engine)
        let session = try await stack.register("lale")
        let created = try await stack.json("POST", "/api/v1/conversations",
                                           ["title": "pirate", "system_prompt": "You answer like a pirate.", "temperature": 0.3], token: session.access)
        #expect(created.status == 201)
        #expect(created.body["system_prompt"] == "You answer like a pirate.")
        #expect(created.body["temperature"] == 0.3)
        let conversation = try #require(created.body["id"]?.stringValue)
        #expect(try await stack.chat(session, conversation, "where is the treasure?").status == 200)
        var sent = try #require(try await stack.sim.calls(to: engine.chatPath).last { $0["body"]?["format"] == nil && $0["body"]?["response_format"] == nil }?["body"])
        #expect(sent["messages"]?.arrayValue?.first?["content"]?.stringValue?.hasPrefix("You answer like a pirate.") == true)
        #expect((engine == .ollama ? sent["options"]?["temperature"] : sent["temperature"]) == 0.3)

        let reset = try await stack.json("PATCH", "/api/v1/conversations/\(conversation)", ["system_prompt": nil, "temperature": nil], token: session.access)
        #expect(reset.body["system_prompt"] == .null && reset.body["temperature"] == .null && reset.body["title"] == "pirate")
        #expect(try await stack.chat(session, conversation, "and now?").status == 200)
        sent = try #require(try await stack.sim.calls(to: engine.chatPath).last { $0["body"]?["format"] == nil && $0["body"]?["response_format"] == nil }?["body"])
        #expect(sent["messages"]?.arrayValue?.first?["content"]?.stringValue?.hasPrefix("You are Mami") == true)
        #expect(sent["temperature"] == nil && sent["options"]?["temperature"] == nil)

        for bad: JSONValue in [["temperature": 2.5], ["temperature": "warm"], ["system_prompt": "  "], ["system_prompt": .string(String(repeating: "x", count: 8_001))]] {
            let refused = try await stack.json("PATCH", "/api/v1/conversations/\(conversation)", bad, token: session.access)
            #expect(refused.status == 400, "\(bad)")
            #expect(refused.body["error"]?["field"] == .string(bad.objectValue?.keys.first ?? ""))
        }
        await stack.stop()
    }
}

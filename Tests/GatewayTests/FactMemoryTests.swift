import Foundation
import MamiCore
import ServiceTestSupport
import Testing

/// Facts, not transcripts (M6): what a chat leaves in memory, with mami-sim standing in for the chat model's extraction.
@Suite struct FactMemoryTests {
    @Test func statedFactsAreStoredAndSmallTalkIsNot() async throws {
        let stack = try await Stack.start()
        try await stack.sim.configure(structuredReply: #"{"facts": ["The person lives in İzmir.", "The person loves cats."]}"#)
        let session = try await stack.register("irem")
        let conversation = try await stack.conversation(session)
        for smallTalk in ["thanks, that is nice", "ok", "What time is it?"] {
            #expect(try await stack.chat(session, conversation, smallTalk).status == 200)
        }
        #expect(try await stack.chat(session, conversation, "I live in İzmir and I love cats").status == 200)
        let texts = try await stack.memoryTexts(session, count: 2)
        #expect(Set(texts) == ["The person lives in İzmir.", "The person loves cats."])
        let asked = try await stack.sim.calls(to: "/api/chat").filter { $0["body"]?["format"] != nil }
        #expect(asked.count == 1, "small talk is not even sent for extraction")
        #expect(asked.first?["body"]?["format"]?["required"] == ["facts"], "the engine is asked for the facts schema")
        await stack.stop()
    }

    @Test func aFactTheModelInventsIsDropped() async throws {
        let stack = try await Stack.start()
        try await stack.sim.configure(structuredReply: #"{"facts": ["The person owns a red Ferrari."]}"#)
        let session = try await stack.register("kerem")
        let conversation = try await stack.conversation(session)
        #expect(try await stack.chat(session, conversation, "I live in İzmir and I love cats").status == 200)
        try await waitForExtraction(stack)
        #expect(try await stack.memoryTexts(session, count: 1, within: .milliseconds(300)).isEmpty)
        await stack.stop()
    }

    /// An answer that is not the asked-for JSON: the person's own first-person statements are kept, verbatim.
    @Test func whenExtractionFailsTheFirstPersonRuleApplies() async throws {
        let stack = try await Stack.start()
        try await stack.sim.configure(structuredReply: "I am not JSON")
        let session = try await stack.register("lale")
        let conversation = try await stack.conversation(session)
        #expect(try await stack.chat(session, conversation, "I live in İzmir. What is the weather like there?").status == 200)
        #expect(try await stack.memoryTexts(session, count: 1) == ["I live in İzmir."])
        await stack.stop()
    }

    /// İzmir, then Ankara: one current fact of where the person lives, the old one in its history with the
    /// message it came from, and the next answer's prompt remembers Ankara only.
    @Test func aNewerFactReplacesTheOldOneAndKeepsItInHistory() async throws {
        let stack = try await Stack.start()
        let session = try await stack.register("ece")
        let conversation = try await stack.conversation(session)
        try await stack.sim.configure(structuredReply: #"{"facts": ["The person lives in İzmir."]}"#)
        let first = try await stack.chat(session, conversation, "I live in İzmir")
        #expect(try await stack.memoryTexts(session, count: 1) == ["The person lives in İzmir."])
        try await stack.sim.configure(structuredReply: #"{"facts": ["The person lives in Ankara."]}"#)
        let second = try await stack.chat(session, conversation, "We moved to Ankara last month")
        let memories = try await currentMemories(stack, session, saying: "Ankara")
        #expect(memories.map { $0["text"] } == ["The person lives in Ankara."])
        #expect(memories.count == 1)
        let history = memories.first?["history"]?.arrayValue ?? []
        #expect(history.map { $0["text"] } == ["The person lives in İzmir."])
        #expect(history.first?["origin"]?["message_id"] == first.body["user_message"]?["id"])
        #expect(memories.first?["origin"]?["message_id"] == second.body["user_message"]?["id"])
        #expect(memories.first?["origin"]?["conversation_id"] == .string(conversation))

        #expect(try await stack.chat(session, conversation, "Where do I live?").status == 200)
        let prompts = try await stack.sim.calls(to: "/api/chat").filter { $0["body"]?["format"] == nil }
        let system = prompts.last?["body"]?["messages"]?.arrayValue?.first?["content"]?.stringValue ?? ""
        #expect(system.contains("The person lives in Ankara."))
        #expect(!system.contains("İzmir"), "the replaced fact is not recalled")
        await stack.stop()
    }

    /// The person's memories once one says `text` (facts are stored off the answer's path).
    func currentMemories(_ stack: Stack, _ session: Session, saying text: String) async throws -> [JSONValue] {
        for _ in 0..<300 {
            let items = try await stack.json("GET", "/api/v1/memories", token: session.access).body["items"]?.arrayValue ?? []
            if items.contains(where: { $0["text"]?.stringValue?.contains(text) == true }) { return items }
            try await Task.sleep(for: .milliseconds(50))
        }
        return []
    }

    /// Waits until mami-sim has answered one extraction request.
    func waitForExtraction(_ stack: Stack) async throws {
        for _ in 0..<200 {
            if try await !stack.sim.calls(to: "/api/chat").filter({ $0["body"]?["format"] != nil }).isEmpty { break }
            try await Task.sleep(for: .milliseconds(25))
        }
        try await Task.sleep(for: .milliseconds(200))  // the grounding and the (absent) write after it
    }
}

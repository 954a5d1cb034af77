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

    /// Waits until mami-sim has answered one extraction request.
    func waitForExtraction(_ stack: Stack) async throws {
        for _ in 0..<200 {
            if try await !stack.sim.calls(to: "/api/chat").filter({ $0["body"]?["format"] != nil }).isEmpty { break }
            try await Task.sleep(for: .milliseconds(25))
        }
        try await Task.sleep(for: .milliseconds(200))  // the grounding and the (absent) write after it
    }
}

import Foundation
import MamiCore
import ServiceTestSupport
import Testing

/// A drawing request reaches the image model as the chat model's English prompt, or as the person's
/// words when the chat model is slow; the message and the job keep both.
@Suite struct ImagePromptTests {
    static let written = #"{"prompt": "a small tabby cat asleep on a sunny windowsill, watercolor", "negative_prompt": "blurry, text"}"#

    @Test func aDrawingRequestGoesToTheImageModelAsTheChatModelsPrompt() async throws {
        let stack = try await Stack.start()
        try await stack.sim.configure(structuredReply: Self.written)
        let session = try await stack.register("sevgi")
        let conversation = try await stack.conversation(session)
        let accepted = try await stack.chat(session, conversation, "kedi çiz")
        #expect(accepted.status == 202)
        let message = try #require(accepted.body["message"])
        #expect(message["content"] == "kedi", "the message keeps the person's words")
        #expect(message["image_prompt"]?["prompt"] == "a small tabby cat asleep on a sunny windowsill, watercolor")
        #expect(message["image_prompt"]?["by"] == "model")
        let jobID = try #require(accepted.body["job_id"]?.stringValue)
        let job = try await waitForJob(stack, session, jobID)
        #expect(job["prompt"] == "a small tabby cat asleep on a sunny windowsill, watercolor")
        #expect(job["params"]?["request_text"] == "kedi", "the job keeps the person's words")
        #expect(job["params"]?["negative_prompt"] == "blurry, text")
        let forge = try await stack.sim.calls(to: "/sdapi/v1/txt2img").last?["body"]
        #expect(forge?["prompt"] == "a small tabby cat asleep on a sunny windowsill, watercolor")
        let asked = try await stack.sim.calls(to: "/api/chat").last { $0["body"]?["format"]?["required"] == ["prompt", "negative_prompt"] }
        #expect(asked?["body"]?["messages"]?.arrayValue?.last?["content"] == "kedi")

        // Regenerate keeps the prompt and draws again; "new prompt" asks the chat model again.
        let messageID = try #require(message["id"]?.stringValue)
        let again = try await stack.json("POST", "/api/v1/messages/\(messageID)/regenerate", token: session.access)
        #expect(again.body["message"]?["image_prompt"]?["prompt"] == "a small tabby cat asleep on a sunny windowsill, watercolor")
        try await stack.sim.configure(structuredReply: #"{"prompt": "a grey kitten playing with yarn, oil painting", "negative_prompt": ""}"#)
        let rewritten = try await stack.json("POST", "/api/v1/messages/\(messageID)/regenerate", ["new_prompt": true], token: session.access)
        #expect(rewritten.status == 202)
        #expect(rewritten.body["message"]?["image_prompt"]?["prompt"] == "a grey kitten playing with yarn, oil painting")
        #expect(rewritten.body["message"]?["content"] == "kedi")
        _ = try await waitForJob(stack, session, try #require(rewritten.body["job_id"]?.stringValue))
        await stack.stop()
    }

    @Test func aHungChatModelCostsTheDeadlineAndThePersonsWordsAreDrawn() async throws {
        let stack = try await Stack.start(extra: ["MAMI_IMAGE_PROMPT_TIMEOUT_MS": "800"])
        let session = try await stack.register("tulay")
        let conversation = try await stack.conversation(session)
        try await stack.sim.fault(["endpoint": "/api/chat", "mode": "hang"], api: .ollama)
        let started = ContinuousClock.now
        let accepted = try await stack.chat(session, conversation, "draw a lighthouse at dusk")
        let waited = ContinuousClock.now - started
        try await stack.sim.clearFaults()
        #expect(accepted.status == 202)
        #expect(waited < .seconds(8), "generous bound: the deadline is 800 ms (\(waited))")
        #expect(accepted.body["message"]?["image_prompt"]?["prompt"] == "a lighthouse at dusk")
        #expect(accepted.body["message"]?["image_prompt"]?["by"] == "person")
        let job = try await waitForJob(stack, session, try #require(accepted.body["job_id"]?.stringValue))
        #expect(job["prompt"] == "a lighthouse at dusk")
        // An answer that is not a usable prompt is the same as none.
        try await stack.sim.configure(structuredReply: #"{"prompt": ""}"#)
        let unusable = try await stack.chat(session, conversation, "draw a fox")
        #expect(unusable.body["message"]?["image_prompt"]?["prompt"] == "a fox")
        await stack.stop()
    }
}

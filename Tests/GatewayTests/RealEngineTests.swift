import Foundation
import MamiCore
import MamiHTTP
import ServiceTestSupport
import Testing

/// The gateway against a real inference server nobody here wrote: llama.cpp's server
/// with the demonstration model (SmolLM2-135M), through the OpenAI protocol. One
/// engine at a time: it is CPU-bound on this machine's two cores.
@Suite(.serialized) struct RealEngineTests {
    static let system = "You are a terse assistant."

    /// The engine's own answer to the prompt the gateway builds for a new user's first message.
    func directAnswer(_ engine: LLMServerProcess, _ text: String, maxTokens: Int) async throws -> String {
        let body: JSONValue = ["model": .string(LLMServerProcess.model), "max_tokens": .int(Int64(maxTokens)), "stream": false,
                               "messages": [["role": "system", "content": .string(Self.system)], ["role": "user", "content": .string(text)]]]
        let response = try await HTTPClient(pool: testTransferPool).send(HTTPRequest(
            method: "POST", url: engine.url + "/v1/chat/completions", headers: ["Content-Type": "application/json"], body: body.serialized(),
            timeout: .seconds(120)))
        return try JSONValue(parsing: response.body)["choices"]?.arrayValue?.first?["message"]?["content"]?.stringValue ?? ""
    }

    @Test func aStreamedChatYieldsTheEnginesTokensInOrderStoredOnce() async throws {
        let directory = try makeScratchDirectory()
        let engine = try await LLMServerProcess(directory: directory)
        let stack = try await Stack.start(extra: engine.settings(maxTokens: 16).merging(["MAMI_SYSTEM_PROMPT": Self.system]) { $1 })
        let session = try await stack.register("deniz")
        let conversation = try await stack.conversation(session)
        let question = "Name three colours."
        let events = try await stack.chatStream(session, conversation, question)
        #expect(events.last?.event == "done", "\(events.map(\.event))")
        let streamed = events.filter { $0.event == "delta" }.compactMap { $0.data["content"]?.stringValue }.joined()
        #expect(streamed == events.last?.data["content"]?.stringValue)
        #expect(streamed == (try await directAnswer(engine, question, maxTokens: 16)), "the engine's tokens, in its order")
        let stored = try await stack.json("GET", "/api/v1/conversations/\(conversation)/messages", token: session.access).body["items"]?.arrayValue ?? []
        #expect(stored.filter { $0["role"] == "assistant" }.map { $0["content"]?.stringValue ?? "" } == [streamed], "stored once")

        let (status, output) = try await runPython("openai_chat.py", [], environment: ["MAMI_BASE": stack.base, "MAMI_TOKEN": session.access])
        #expect(status == 0, "\(output)")
        let result = try JSONValue(parsing: output.split(separator: "\n").last.map(String.init) ?? "")
        // Whole and streamed answers differ: the first one's statement is remembered and recalled into the second's prompt.
        #expect(result["whole"]?.stringValue?.isEmpty == false, "\(result)")
        #expect(result["streamed"]?.stringValue?.isEmpty == false, "\(result)")
        await stack.stop()
        await engine.stop()
    }

    @Test func aPromptLongerThanTheEnginesContextIsAClearError() async throws {
        let directory = try makeScratchDirectory()
        let engine = try await LLMServerProcess(directory: directory, context: 256)
        let stack = try await Stack.start(extra: engine.settings(maxTokens: 8).merging(["MAMI_PROMPT_TOKENS": "100000"]) { $1 })
        let session = try await stack.register("ece")
        let long = String(repeating: "Tell me about the sea. ", count: 120)
        let answer = try await stack.chat(session, try await stack.conversation(session), long)
        #expect(answer.status == 502)
        #expect(answer.body["error"]?["code"] == "llm_context_exceeded", "\(answer.body)")
        #expect(answer.body["error"]?["message"]?.stringValue?.contains("longer than the language model can read") == true)
        await stack.stop()
        await engine.stop()
    }

    /// llama.cpp answers whatever model a request names; the gateway checks the name against the engine's list.
    @Test func aModelTheEngineDoesNotServeIsNamed() async throws {
        let directory = try makeScratchDirectory()
        let engine = try await LLMServerProcess(directory: directory)
        let stack = try await Stack.start(extra: engine.settings(maxTokens: 8).merging(["MAMI_CHAT_MODEL": "llama3.2"]) { $1 })
        let session = try await stack.register("hale")
        let answer = try await stack.chat(session, try await stack.conversation(session), "hello")
        #expect(answer.status == 502)
        #expect(answer.body["error"]?["code"] == "model_not_found", "\(answer.body)")
        let models = try await stack.json("GET", "/api/v1/models", token: session.access).body
        #expect(models["items"] == [["id": .string(LLMServerProcess.model), "default": false]])
        await stack.stop()
        await engine.stop()
    }

    /// The engine dies mid-answer: the named error with the partial answer kept; chat works again once it is back.
    @Test func anEngineKilledMidStreamIsNamedAndChatRecovers() async throws {
        let directory = try makeScratchDirectory()
        let engine = try await LLMServerProcess(directory: directory)
        let stack = try await Stack.start(extra: engine.settings(maxTokens: 400))
        let session = try await stack.register("ferda")
        let conversation = try await stack.conversation(session)
        let request = stack.streamedChat(session, conversation, "Write a long story about a lighthouse keeper.", timeout: .seconds(120))
        var received = ""
        var killed = false
        for try await part in stack.http.stream(request) {
            guard case .body(let bytes) = part else { continue }
            received += String(decoding: bytes, as: UTF8.self)
            if !killed, received.contains("event: delta") {
                try await engine.kill()
                killed = true
            }
        }
        let last = SSEParser.events(received).last
        #expect(last?.event == "error", "\(received.suffix(400))")
        #expect(last?.data["error"]?["code"] == "llm_unreachable", "\(last?.data ?? .null)")
        #expect(last?.data["message"]?["status"] == "failed")
        #expect(last?.data["message"]?["content"]?.stringValue?.isEmpty == false, "the partial answer is kept")
        try await engine.restart()
        #expect(try await stack.chat(session, conversation, "Are you back?").status == 200)
        await stack.stop()
        await engine.stop()
    }

    /// A client that leaves mid-answer stops the engine's generation, not only the gateway's reading.
    @Test func aClientThatLeavesStopsTheEngine() async throws {
        let directory = try makeScratchDirectory()
        let engine = try await LLMServerProcess(directory: directory)
        let stack = try await Stack.start(extra: engine.settings(maxTokens: 1500))
        let session = try await stack.register("gizem")
        let conversation = try await stack.conversation(session)
        let request = stack.streamedChat(session, conversation, "Count from one to one thousand in words.", timeout: .seconds(120))
        var received = ""
        for try await part in stack.http.stream(request) {
            if case .body(let bytes) = part { received += String(decoding: bytes, as: UTF8.self) }
            if received.components(separatedBy: "event: delta").count > 3 { break }
        }
        #expect(try await engine.isGenerating(), "the engine was still answering when the client left")
        let deadline = ContinuousClock.now + .seconds(10)
        while try await engine.isGenerating() {
            guard ContinuousClock.now < deadline else { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(try await !engine.isGenerating(), "1 500 tokens at this model's speed take far longer than 10 s: the engine was told")
        await stack.stop()
        await engine.stop()
    }
}

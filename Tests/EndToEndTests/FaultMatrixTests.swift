import Foundation
import MamiCore
import MamiWire
import ServiceTestSupport
import Testing

/// The fault matrix of the whole product, with real processes: each row breaks
/// one thing and checks that chat goes on, that the failure is clear, and that
/// nothing acknowledged before it is lost.
@Suite struct FaultMatrixTests {
    /// Memory SIGSTOP: chat answers within its budget, without memories or sources; health shows memory
    /// failing; after SIGCONT all is normal, the document's passage back in the answer.
    @Test func memoryFrozen() async throws {
        let stack = try await Stack.start(extra: ["MAMI_MEMORY_BUDGET_MS": "300"])
        let session = try await stack.register("ada")
        let acknowledged = try await addMemories(stack, session, ["I play the oud", "My sister is called Elif"])
        let ingested = try await stack.json("POST", "/api/v1/documents?wait=true", [
            "title": "Oud care", "text": "Loosen the oud's strings a little before a long journey and keep it away from radiators.",
        ], token: session.access)
        #expect(ingested.status == 201)
        let conversation = try await stack.conversation(session)
        let question = "How should I take care of my oud before a journey?"
        try await stack.process("memory").freeze()
        let started = ContinuousClock.now
        let answer = try await stack.chat(session, conversation, question)
        #expect(answer.status == 200)
        #expect(ContinuousClock.now - started < .seconds(5), "the recall budget is 300 ms")
        #expect(answer.body["message"]?["sources"] == [], "no passages from a frozen memory service")
        let prompt = try await stack.sim.calls(to: "/api/chat").last?["body"]?["messages"]?.arrayValue?.first?["content"]?.stringValue
        #expect(prompt?.contains("oud") == false, "nor memories")
        #expect(try await stack.json("GET", "/health").body["services"]?["memory"]?["status"] == "failing")
        stack.process("memory").signal(SIGCONT)
        try await stack.waitUntilServing()
        #expect(try await memoryTexts(stack, session, including: acknowledged).isSuperset(of: acknowledged))
        let again = try await stack.chat(session, conversation, question)
        #expect(again.status == 200)
        #expect(again.body["message"]?["sources"]?.arrayValue?.first?["title"] == "Oud care")
        await stack.stop()
    }

    /// Memory SIGKILL: chat answers; after the restart memory serves everything acknowledged before.
    @Test func memoryKilled() async throws {
        let stack = try await Stack.start()
        let session = try await stack.register("bilge")
        let acknowledged = try await addMemories(stack, session, ["I was born in Trabzon", "I work nights", "I am allergic to walnuts"])
        try await stack.kill("memory")
        let conversation = try await stack.conversation(session)
        #expect(try await stack.chat(session, conversation, "Hello without memory").status == 200)
        #expect(try await stack.json("GET", "/api/v1/memories", token: session.access).status == 503, "a clear error, not a hang")
        try stack.launch("memory")
        try await stack.waitUntilServing()
        #expect(try await memoryTexts(stack, session, including: acknowledged).isSuperset(of: acknowledged))
        await stack.stop()
    }

    /// Image worker SIGKILL mid-job: chat is unaffected; after the restart the job finishes and the gateway shows it.
    @Test func imageWorkerKilledMidJob() async throws {
        let stack = try await Stack.start(stepMs: 60)
        let session = try await stack.register("cansu")
        let conversation = try await stack.conversation(session)
        let queued = try await stack.chat(session, conversation, "draw a long winding road")
        let jobID = try #require(queued.body["job_id"]?.stringValue)
        let messageID = try #require(queued.body["message_id"]?.stringValue)
        try await waitForStatus(stack, session, jobID, "running")
        try await stack.kill("image-worker")
        #expect(try await stack.chat(session, conversation, "still chatting").status == 200)
        try await stack.sim.configure(stepMs: 2)
        try stack.launch("image-worker")
        try await stack.waitUntilServing()
        #expect(try await waitForJob(stack, session, jobID)["status"] == "succeeded")
        try await waitForMessage(stack, session, conversation, messageID, status: "succeeded")
        await stack.stop()
    }

    /// Forge hangs, answers 500s, drops the connection: stall deadline, breaker, clear errors; the queue goes on.
    @Test func forgeFaults() async throws {
        let stack = try await Stack.start(extra: [
            "MAMI_IMAGE_STALL_S": "1", "MAMI_IMAGE_MAX_ATTEMPTS": "1", "MAMI_FORGE_BREAKER_FAILURES": "3", "MAMI_FORGE_BREAKER_OPEN_S": "3",
        ])
        let session = try await stack.register("deniz")
        try await stack.sim.fault(["endpoint": "/sdapi/v1/txt2img", "mode": "hang", "count": 1])
        #expect(try await image(stack, session, "hung")["error"]?["code"] == "forge_stalled")
        #expect(try await image(stack, session, "after the hang")["status"] == "succeeded")
        try await stack.sim.fault(["endpoint": "/sdapi/v1/txt2img", "mode": "drop", "count": 1])
        let dropped = try await image(stack, session, "dropped")
        #expect(dropped["error"]?["code"] == "forge_error")
        #expect(dropped["image_url"] != .null, "a failed job shows its placeholder")
        try await stack.sim.fault(["endpoint": "/sdapi/v1/txt2img", "mode": "error", "count": 2])
        for name in ["500 one", "500 two"] { #expect(try await image(stack, session, name)["error"]?["code"] == "forge_error") }
        #expect(try await image(stack, session, "fails fast")["error"]?["code"] == "forge_unavailable", "three failures open the breaker")
        try await Task.sleep(for: .seconds(3.2))
        #expect(try await image(stack, session, "probe")["status"] == "succeeded", "the half-open probe closes it")
        #expect(try await stack.chat(session, try await stack.conversation(session), "chat throughout").status == 200)
        await stack.stop()
    }

    /// The LLM engine (either protocol) hangs, has no such model, errors mid-stream: a clear error and the partial answer; others are served.
    @Test(arguments: EngineProtocol.allCases)
    func engineFaults(_ engine: EngineProtocol) async throws {
        let stack = try await Stack.start(extra: ["MAMI_LLM_STALL_S": "1"], engine: engine)
        let session = try await stack.register("emre")
        let conversation = try await stack.conversation(session)
        #expect(try await stack.chat(session, conversation, "before the faults").status == 200)
        let before = try await stack.sim.calls(to: engine.chatPath).count
        try await stack.sim.fault(["endpoint": .string(engine.chatPath), "mode": "hang", "count": 1], api: .ollama)
        async let hung = stack.chat(session, conversation, "this one hangs")
        // The hung chat holds the fault before anyone else reaches the engine.
        for _ in 0..<400 where try await stack.sim.calls(to: engine.chatPath).count == before { try await Task.sleep(for: .milliseconds(25)) }
        let other = try await stack.register("other")
        #expect(try await stack.chat(other, try await stack.conversation(other), "I am served meanwhile").status == 200)
        let stalled = try await hung
        #expect(stalled.status == 502)
        #expect(stalled.body["error"]?["code"] == "llm_stalled")
        try await stack.sim.clearFaults()
        try await stack.sim.fault(["endpoint": .string(engine.chatPath), "mode": "stream_error", "count": 1], api: .ollama)
        let broken = try await stack.chatStream(session, conversation, "one two three four")
        #expect(broken.last?.event == "error")
        #expect(broken.last?.data["message"]?["content"] == "You said:")
        let history = try await stack.json("GET", "/api/v1/conversations/\(conversation)/messages?limit=200", token: session.access).body["items"]?.arrayValue ?? []
        #expect(history.contains { $0["content"] == "before the faults" }, "an acknowledged message was lost")
        await stack.stop()
    }

    /// The engine does not have the configured model: the named error, in words a person understands.
    @Test(arguments: EngineProtocol.allCases)
    func engineWithoutTheModel(_ engine: EngineProtocol) async throws {
        let missing = try await Stack.start(extra: ["MAMI_CHAT_MODEL": "not-pulled"], engine: engine)
        let someone = try await missing.register("fatma")
        let answer = try await missing.chat(someone, try await missing.conversation(someone), "hello")
        #expect(answer.body["error"]?["code"] == "model_not_found")
        #expect(answer.body["error"]?["message"]?.stringValue?.contains("not installed") == true)
        await missing.stop()
    }

    /// Gateway SIGKILL during an image job: after the restart the message shows the job's real state.
    @Test func gatewayKilledDuringAnImageJob() async throws {
        let stack = try await Stack.start(stepMs: 40)
        let session = try await stack.register("gizem")
        let conversation = try await stack.conversation(session)
        _ = try await stack.chat(session, conversation, "I like the sea")
        let queued = try await stack.chat(session, conversation, "/image the sea at night")
        let messageID = try #require(queued.body["message_id"]?.stringValue)
        try await stack.kill("gateway")
        try await stack.sim.configure(stepMs: 1)
        _ = try await waitForWorkerJob(stack, queued.body["job_id"]!.stringValue!)
        try stack.launch("gateway")
        try await stack.waitUntilServing()
        try await waitForMessage(stack, session, conversation, messageID, status: "succeeded")
        let fresh = try await stack.json("POST", "/api/v1/auth/login", ["username": "gizem", "password": "correct horse battery"])
        #expect(fresh.status == 200, "accounts survive the restart")
        let history = try await stack.json("GET", "/api/v1/conversations/\(conversation)/messages", token: session.access).body["items"]?.arrayValue ?? []
        #expect(history.contains { $0["content"] == "I like the sea" })
        await stack.stop()
    }

    /// Garbage, oversized and half frames on every socket: that connection is closed; the service stays healthy.
    @Test func badBytesOnEverySocket() async throws {
        let stack = try await Stack.start()
        for service in ["gateway", "memory", "image-worker"] {
            let path = "\(stack.directory)/run/\(service).sock"
            for bytes in [Self.oversized, Self.garbage, Self.zeroLength] {
                let connection = try RawConnection(unixPath: path)
                connection.send(bytes)
                let (answer, closed) = try await connection.readUntilClosed()
                connection.close()
                #expect(closed, "\(service) kept a connection that sent \(bytes.prefix(8))")
                #expect(answer.isEmpty || String(decoding: answer.dropFirst(4), as: UTF8.self).contains("-32600"))
            }
            let half = try RawConnection(unixPath: path)
            half.send([0, 0, 0, 50] + Array("{\"jsonrpc\":\"2.0\"".utf8))
            half.close()
            let client = try await waitForService(at: path)
            #expect(try await client.call("sys.health", timeout: .seconds(5))["status"] == "ok", "\(service) is unhealthy after bad frames")
            await client.close()
        }
        let http = try RawConnection(tcpPort: stack.port)
        http.send(Array("GARBAGE \u{01}\u{02} NOT HTTP\r\n\r\n".utf8))
        #expect(try await http.readUntilClosed().closed)
        http.close()
        #expect(try await stack.json("GET", "/health").body["status"] == "ok")
        await stack.stop()
    }

    static let oversized: [UInt8] = [0x7F, 0xFF, 0xFF, 0xFF]
    static let zeroLength: [UInt8] = [0, 0, 0, 0]
    static let garbage: [UInt8] = Array("GET / HTTP/1.1\r\nHost: x\r\n\r\n".utf8)
}

func addMemories(_ stack: Stack, _ session: Session, _ texts: [String]) async throws -> Set<String> {
    for text in texts {
        let added = try await stack.json("POST", "/api/v1/memories", ["text": .string(text)], token: session.access)
        guard added.status == 201 else { throw TestTimeout(what: "memory add acknowledged (got \(added.status))") }
    }
    return Set(texts)
}

func memoryTexts(_ stack: Stack, _ session: Session) async throws -> Set<String> {
    let items = try await stack.json("GET", "/api/v1/memories?limit=200", token: session.access).body["items"]?.arrayValue ?? []
    return Set(items.compactMap { $0["text"]?.stringValue })
}

/// The texts once they include `expected`, or after 10 s: the gateway's client of a restarted memory
/// service reconnects within its backoff (at most 1 s), which may end after `/health` already says ok.
func memoryTexts(_ stack: Stack, _ session: Session, including expected: Set<String>) async throws -> Set<String> {
    let deadline = ContinuousClock.now + .seconds(10)
    while true {
        let texts = try await memoryTexts(stack, session)
        if texts.isSuperset(of: expected) || ContinuousClock.now > deadline { return texts }
        try await Task.sleep(for: .milliseconds(50))
    }
}

func waitForStatus(_ stack: Stack, _ session: Session, _ jobID: String, _ status: String) async throws {
    let deadline = ContinuousClock.now + .seconds(30)
    while try await stack.json("GET", "/api/v1/jobs/\(jobID)", token: session.access).body["status"]?.stringValue != status {
        guard ContinuousClock.now < deadline else { throw TestTimeout(what: "job \(jobID) to be \(status)") }
        try await Task.sleep(for: .milliseconds(20))
    }
}

/// An image through the explicit endpoint, waited for to its end.
func image(_ stack: Stack, _ session: Session, _ prompt: String) async throws -> JSONValue {
    let created = try await stack.json("POST", "/api/v1/images", ["prompt": .string(prompt), "steps": 3, "width": 64, "height": 64], token: session.access)
    guard let id = created.body["job_id"]?.stringValue else { throw TestTimeout(what: "an image job (got \(created.status): \(created.body))") }
    return try await waitForJob(stack, session, id)
}

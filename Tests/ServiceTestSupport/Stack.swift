import Foundation
import MamiCore
import MamiHTTP
import MamiWire
import NIOPosix

/// The whole product for a test: mami-sim, mami-memory, mami-image-worker and
/// mami-gateway as real processes on a scratch directory, and an HTTP client.
public final class Stack: @unchecked Sendable {
    public let directory: String
    public let sim: SimProcess
    public let port: Int
    public let settings: [String: String]
    public private(set) var services: [String: ServiceProcess] = [:]
    public let http = HTTPClient(pool: testTransferPool)

    static let serviceNames = ["memory", "image-worker", "gateway"]

    /// Starts the stack once one of ``TestSlots/stacks`` is free; the slot is given back when the stack is released.
    /// - Parameter engine: the protocol the gateway speaks to the simulated LLM.
    public static func start(extra: [String: String] = [:], stepMs: Int = 5, engine: EngineProtocol = .ollama) async throws -> Stack {
        await TestSlots.stacks.acquire()
        do {
            return try await launchAll(extra: extra, stepMs: stepMs, engine: engine)
        } catch {
            await TestSlots.stacks.release()
            throw error
        }
    }

    private static func launchAll(extra: [String: String], stepMs: Int, engine: EngineProtocol) async throws -> Stack {
        let directory = try makeScratchDirectory()
        let sim = try await SimProcess(directory: directory, stepMs: stepMs, tokenMs: 2)
        let stack = Stack(directory: directory, sim: sim, port: freeLoopbackPort(), extra: engine.settings(sim).merging(extra) { $1 })
        for name in serviceNames { try stack.launch(name) }
        try await stack.waitUntilServing()
        return stack
    }

    private init(directory: String, sim: SimProcess, port: Int, extra: [String: String]) {
        self.directory = directory
        self.sim = sim
        self.port = port
        settings = [
            "MAMI_HTTP_ADDR": "127.0.0.1:\(port)", "MAMI_OLLAMA_URL": sim.ollamaURL, "MAMI_FORGE_URL": sim.forgeURL,
            "MAMI_BCRYPT_COST": "4", "MAMI_IMAGE_POLL_MS": "100", "MAMI_AUTH_ATTEMPTS_PER_MINUTE": "1000",
            // Every test client is 127.0.0.1, and load tests send thousands of messages a minute.
            "MAMI_CHAT_PER_MINUTE": "1000000", "MAMI_CHAT_PER_MINUTE_PER_IP": "1000000", "MAMI_IMAGE_JOBS_PER_USER": "100000",
        ].merging(extra) { $1 }
    }

    public var base: String { "http://127.0.0.1:\(port)" }

    /// The slot goes back when the test lets go of the stack, whether it stopped it or failed first
    /// (ServiceProcess kills what is still running).
    deinit {
        Task { await TestSlots.stacks.release() }
    }

    public func launch(_ name: String) throws {
        services[name] = try ServiceProcess(
            "mami-\(name)", environment: serviceEnvironment(directory, extra: settings),
            logPath: "\(directory)/\(name)-\(UUID().uuidString.prefix(4)).log")
    }

    public func process(_ name: String) -> ServiceProcess { services[name]! }

    public func kill(_ name: String) async throws {
        process(name).signal(SIGKILL)
        _ = try await process(name).waitForExit()
    }

    /// Until `/health` says every service is ok.
    public func waitUntilServing() async throws {
        let deadline = ContinuousClock.now + .seconds(30)
        while (try? await json("GET", "/health"))?.body["status"] != "ok" {
            guard ContinuousClock.now < deadline else { throw RPCError(.unavailable, "the gateway did not come up: \(process("gateway").log)") }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    @discardableResult
    public func request(_ method: String, _ path: String, _ body: JSONValue? = nil, token: String? = nil,
                 headers: [String: String] = [:], raw: [UInt8]? = nil) async throws -> HTTPResponse {
        var all = headers
        if body != nil || raw != nil { all["Content-Type"] = "application/json" }
        if let token { all["Authorization"] = "Bearer \(token)" }
        return try await http.send(HTTPRequest(method: method, url: base + path, headers: all, body: raw ?? body?.serialized(), timeout: .seconds(60)))
    }

    /// A JSON call: status and parsed body.
    public func json(_ method: String, _ path: String, _ body: JSONValue? = nil, token: String? = nil) async throws -> (status: Int, body: JSONValue) {
        let response = try await request(method, path, body, token: token)
        return (response.status, (try? JSONValue(parsing: response.body)) ?? .null)
    }

    /// Registers `username` and returns its session (`access_token`, `refresh_token`, `user`).
    public func register(_ username: String, password: String = "correct horse battery") async throws -> Session {
        let (status, body) = try await json("POST", "/api/v1/auth/register", ["username": .string(username), "password": .string(password)])
        guard status == 201 else { throw RPCError(.internalError, "register answered \(status): \(body)") }
        return Session(body)
    }

    public func conversation(_ session: Session, title: String = "test") async throws -> String {
        try await json("POST", "/api/v1/conversations", ["title": .string(title)], token: session.access).body["id"]!.stringValue!
    }

    /// Sends a chat message (JSON answer).
    public func chat(_ session: Session, _ conversation: String, _ content: String) async throws -> (status: Int, body: JSONValue) {
        try await json("POST", "/api/v1/conversations/\(conversation)/messages", ["content": .string(content)], token: session.access)
    }

    /// The texts of the person's memories once `count` exist (facts are stored off the answer's path), or
    /// what there is after `limit`.
    public func memoryTexts(_ session: Session, count: Int, within limit: Duration = .seconds(15)) async throws -> [String] {
        let deadline = ContinuousClock.now + limit
        while true {
            let items = try await json("GET", "/api/v1/memories", token: session.access).body["items"]?.arrayValue ?? []
            let texts = items.compactMap { $0["text"]?.stringValue }
            if texts.count >= count || ContinuousClock.now >= deadline { return texts }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    /// Sends a chat message asking for SSE; returns the events in order.
    public func chatStream(_ session: Session, _ conversation: String, _ content: String) async throws -> [(event: String, data: JSONValue)] {
        SSEParser.events(try await http.send(streamedChat(session, conversation, content)).text)
    }

    /// The request of a streamed chat message, for tests that read the answer as it arrives (``HTTPClient/stream(_:)``).
    public func streamedChat(_ session: Session, _ conversation: String, _ content: String, timeout: Duration = .seconds(60)) -> HTTPRequest {
        HTTPRequest(method: "POST", url: base + "/api/v1/conversations/\(conversation)/messages",
                    headers: ["Content-Type": "application/json", "Accept": "text/event-stream", "Authorization": "Bearer \(session.access)"],
                    body: (["content": .string(content)] as JSONValue).serialized(), timeout: timeout)
    }

    public func stop() async {
        for name in Self.serviceNames.reversed() {
            guard let service = services[name] else { continue }
            service.signal(SIGCONT)
            service.signal(SIGTERM)
            _ = try? await service.waitForExit()
        }
        try? await sim.clearFaults()
        await sim.stop()
    }
}

/// What register, login and refresh answer.
public struct Session: Sendable {
    public var access: String
    public var refresh: String
    public var userID: String

    public init(_ body: JSONValue) {
        access = body["access_token"]?.stringValue ?? ""
        refresh = body["refresh_token"]?.stringValue ?? ""
        userID = body["user"]?["id"]?.stringValue ?? ""
    }

    /// The session (refresh family) named in the access token's `sid` claim.
    public var familyID: String {
        var payload = access.split(separator: ".").dropFirst().first.map(String.init) ?? ""
        payload = payload.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        payload += String(repeating: "=", count: (4 - payload.count % 4) % 4)
        return Data(base64Encoded: payload).flatMap { try? JSONValue(parsing: Array($0)) }?["sid"]?.stringValue ?? ""
    }
}

/// One server-sent event.
public struct SSEEvent: Sendable, Equatable {
    public var event: String
    public var data: JSONValue
    public var id: String?
}

public enum SSEParser {
    public static func events(_ text: String) -> [(event: String, data: JSONValue)] {
        parse(text).map { ($0.event, $0.data) }
    }

    /// The complete events of `text` (a block not yet ended by a blank line is left out).
    public static func parse(_ text: String) -> [SSEEvent] {
        text.components(separatedBy: "\n\n").dropLast().compactMap { block in
            var event = "message"
            var data = ""
            var id: String?
            for line in block.split(separator: "\n") {
                if line.hasPrefix("event: ") { event = String(line.dropFirst(7)) }
                if line.hasPrefix("data: ") { data += line.dropFirst(6) }
                if line.hasPrefix("id: ") { id = String(line.dropFirst(4)) }
            }
            guard !data.isEmpty else { return nil }
            return SSEEvent(event: event, data: (try? JSONValue(parsing: data)) ?? .string(data), id: id)
        }
    }
}

/// Runs one of the Python client scripts with the project's .venv (scripts/install-python-tools.sh).
public func runPython(_ script: String, _ arguments: [String], environment: [String: String] = [:]) async throws -> (status: Int32, output: String) {
    let root = URL(fileURLWithPath: projectRoot())
    let python = root.appendingPathComponent(".venv/bin/python").path
    guard FileManager.default.isExecutableFile(atPath: python) else {
        throw RPCError(.unavailable, "\(python) is missing: run scripts/install-python-tools.sh (make deps does)")
    }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: python)
    process.arguments = [root.appendingPathComponent("Tests/GatewayTests/python/\(script)").path] + arguments
    process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    let output = Pipe()
    process.standardOutput = output
    process.standardError = output
    try process.run()
    // Reading until the end blocks: on a thread of its own, neither a cooperative thread nor
    // the shared pool that the HTTP client's transfers need meanwhile.
    let pool = NIOThreadPool(numberOfThreads: 1)
    pool.start()
    defer { pool.shutdownGracefully { _ in } }
    let data = try await pool.runIfActive {
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return data
    }
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
}

public func waitForJob(_ stack: Stack, _ session: Session, _ id: String) async throws -> JSONValue {
    let deadline = ContinuousClock.now + .seconds(60)
    while true {
        let job = try await stack.json("GET", "/api/v1/jobs/\(id)", token: session.access).body
        if ["succeeded", "failed", "cancelled"].contains(job["status"]?.stringValue ?? "") { return job }
        guard ContinuousClock.now < deadline else { throw TestTimeout(what: "job \(id)") }
        try await Task.sleep(for: .milliseconds(50))
    }
}

/// Waits on the worker directly (the gateway may be down).
public func waitForWorkerJob(_ stack: Stack, _ id: String) async throws -> JSONValue {
    let deadline = ContinuousClock.now + .seconds(60)
    while ContinuousClock.now < deadline {
        let calls = try await stack.sim.calls(to: "/sdapi/v1/txt2img")
        if !calls.isEmpty, try await stack.sim.get("/sdapi/v1/progress", api: .forge).text.contains("\"job_count\":0") { return .null }
        try await Task.sleep(for: .milliseconds(50))
    }
    throw TestTimeout(what: "worker job \(id)")
}

public func waitForMessage(_ stack: Stack, _ session: Session, _ conversation: String, _ id: String, status: String) async throws {
    let deadline = ContinuousClock.now + .seconds(30)
    while true {
        let items = try await stack.json("GET", "/api/v1/conversations/\(conversation)/messages", token: session.access).body["items"]?.arrayValue ?? []
        let message = items.first { $0["id"]?.stringValue == id }
        if message?["status"]?.stringValue == status { return }
        guard ContinuousClock.now < deadline else { throw TestTimeout(what: "message \(id) to be \(status); it is \(message?["status"] ?? .null)") }
        try await Task.sleep(for: .milliseconds(50))
    }
}

public struct TestTimeout: Error, CustomStringConvertible {
    public var what: String
    public init(what: String) { self.what = what }
    public var description: String { "timed out waiting for \(what)" }
}

/// The two protocols the gateway speaks to an LLM engine; mami-sim serves both on its Ollama port.
public enum EngineProtocol: String, CaseIterable, Sendable, CustomStringConvertible {
    case ollama, openai

    /// The simulator's chat endpoint in this protocol (for faults and the call log).
    public var chatPath: String { self == .ollama ? "/api/chat" : "/v1/chat/completions" }

    public var description: String { rawValue }

    func settings(_ sim: SimProcess) -> [String: String] {
        self == .ollama ? [:] : ["MAMI_LLM_API": "openai", "MAMI_LLM_URL": sim.ollamaURL]
    }
}

import ArgumentParser
import Foundation
import GRDB
import MamiCore
import MamiHTTP
import MamiWire

/// The gateway with mami-sim answering instantly: time to the first streamed
/// token with the memory service frozen, a page of 50 messages by cursor in
/// a conversation of 1 000 000, and search over a person's 1 000 000 messages
/// (``SearchBench``). (Streams under load: ``StreamBench``.)
struct GatewayBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "gateway", abstract: "Measure mami-gateway end to end.")

    @Option(help: "Directory holding the mami-* executables.") var binaries: String
    @Option(help: "A scratch directory.") var directory: String
    @Option(help: "Messages in the large conversation, and of the person who searches.") var messages = 1_000_000
    @Option(help: "Only this measurement (history, search, persistence), for a quick look.") var only: String?

    func run() async throws {
        let stack = try await GatewayStack.start(binaries: binaries, directory: directory)
        defer { stack.stop() }
        let session = try await stack.register()
        if only == "history" { return print(JSONValue.object(["mode": "gateway", "history": try await history(stack, session)]).jsonText) }
        if only == "search" { return print(JSONValue.object(["mode": "gateway", "search": try await search(stack)]).jsonText) }
        if only == "persistence" {
            return print(JSONValue.object(["mode": "gateway", "persistence": try await persistence(stack), "reattach_ms": try await reattach(stack)]).jsonText)
        }
        var report: [String: JSONValue] = ["mode": "gateway"]
        stack.signal("memory", SIGSTOP)
        let conversation = try await stack.conversation(session)
        var frozen: [Double] = []
        for _ in 0..<20 { frozen.append(try await stack.firstDelta(session, conversation: conversation)) }
        stack.signal("memory", SIGCONT)
        report["memory_frozen"] = percentiles(frozen)
        report["recall"] = try await recallCost(stack)
        report["history"] = try await history(stack, session)
        report["search"] = try await search(stack)
        report["persistence"] = try await persistence(stack)
        report["reattach_ms"] = try await reattach(stack)
        print(JSONValue.object(report).jsonText)
    }

    /// What memories and documents add to the first token: a person with 50 memories and 5 documents asks
    /// about them, with recall as configured and then with the gateway restarted to skip it
    /// (`MAMI_MEMORY_BUDGET_MS=0`), alternating questions; the first ten of each left out (warm-up).
    func recallCost(_ stack: GatewayStack) async throws -> JSONValue {
        let session = try await stack.session("reader")
        for index in 0..<50 {
            try await stack.call("POST", "/api/v1/memories", ["text": .string(Self.facts[index % Self.facts.count] + " (\(index))")], token: session.token)
        }
        for (title, text) in Self.documents {
            try await stack.call("POST", "/api/v1/documents?wait=true", ["title": .string(title), "text": .string(text)], token: session.token)
        }
        let conversation = try await stack.conversation(session)
        func samples() async throws -> [Double] {
            var times: [Double] = []
            for round in 0..<50 {
                // Each question new (the memory service keeps a question's vector for a few seconds).
                let question = "\(Self.questions[round % Self.questions.count]) (\(round))"
                times.append(try await stack.firstDelta(session, conversation: conversation, content: question))
            }
            return Array(times.dropFirst(10))
        }
        let with = try await samples()
        try await stack.restartGateway(extra: ["MAMI_MEMORY_BUDGET_MS": "0"]) {}
        let without = try await samples()
        try await stack.restartGateway {}
        let added = (percentiles(with)["p50"]?.doubleValue ?? 0) - (percentiles(without)["p50"]?.doubleValue ?? 0)
        return ["with": percentiles(with), "without": percentiles(without), "added_p50_ms": .double(added), "memories": 50,
                "documents": .int(Int64(Self.documents.count))]
    }

    static let facts = ["I work as a nurse at the city hospital", "My sister Elif lives in Bursa", "I am allergic to walnuts",
                        "I play the oud on Sundays", "My birthday is on 14 March", "İzmir'de yaşıyorum", "Kedim Pamuk üç yaşında"]
    static let documents: [(String, String)] = [
        ("House manual", "# Boiler\nThe boiler password is written on the blue card in the kitchen drawer.\n\n# Garden\nWater the tomatoes every morning in July."),
        ("Rental contract", "The rent is 12 000 lira a month, paid on the first working day of the month. Notice is two months."),
        ("Oud care", "Loosen the strings a little before a long journey and keep the oud away from radiators."),
        ("Vet letter", "Pamuk's next vaccination is due in April; bring the vaccination card and do not feed her that morning."),
        ("Hospital rota", "Night shifts run from 20:00 to 08:00; swaps must be agreed with the ward manager a week ahead."),
    ]
    static let questions = ["Where is the boiler password?", "When is the rent due?", "How do I care for my oud before a trip?",
                            "When is Pamuk's vaccination?", "When do night shifts start?"]

    /// A conversation of `messages` rows (written while the gateway is stopped), paged by cursor over HTTP.
    func history(_ stack: GatewayStack, _ session: GatewayStack.Session) async throws -> JSONValue {
        let conversation = try await stack.conversation(session)
        try await stack.restartGateway { try await fill(conversation, database: "\(directory)/lib/gateway.db") }
        var cursors: [Int64?] = [nil]
        var generator = BenchGenerator(seed: 7)
        for _ in 0..<199 { cursors.append(Int64.random(in: 100...Int64(messages), using: &generator)) }
        var samples: [Double] = []
        for cursor in cursors + cursors {
            let started = ContinuousClock.now
            let page = try await stack.page(session, conversation: conversation, cursor: cursor)
            samples.append(microseconds(ContinuousClock.now - started) / 1000)
            guard page == 50 else { throw RPCError(.internalError, "a page held \(page) messages") }
        }
        return ["messages": .int(Int64(messages)), "page_ms": percentiles(Array(samples.suffix(200)))]
    }

    /// One straight branch: each message follows the one before; the conversation shows the last.
    func fill(_ conversation: String, database path: String) async throws {
        let database = try DatabaseQueue(path: path)
        try await database.write { db in
            let statement = try db.makeStatement(sql: """
                INSERT INTO messages (id, conversation_id, parent_id, parent_seq, role, content, kind, status, created_at)
                VALUES (?, ?, ?, ?, ?, ?, 'text', 'complete', ?)
                """)
            let now = Date().timeIntervalSince1970
            var parent: (id: String, seq: Int64)?
            for index in 0..<messages {
                let id = UUID().uuidString.lowercased()
                try statement.execute(arguments: [id, conversation, parent?.id, parent?.seq, index % 2 == 0 ? "user" : "assistant",
                                                  "message number \(index) of the long conversation", now])
                parent = (id, db.lastInsertedRowID)
            }
            try db.execute(sql: "UPDATE conversations SET current_id = ? WHERE id = ?", arguments: [parent?.id, conversation])
        }
    }
}

/// The four processes for the gateway benchmark.
final class GatewayStack: @unchecked Sendable {
    struct Session: Sendable { var token: String }

    let binaries: String
    let directory: String
    /// Settings added to (or replacing) the defaults below for every service.
    let extra: [String: String]
    let port = freeLoopbackPort()
    let forgePort = freeLoopbackPort()
    let ollamaPort = freeLoopbackPort()
    var processes: [String: Process] = [:]
    // Plenty of threads: each timed stream holds one for its transfer.
    let http = HTTPClient(pool: HTTPClient.dedicatedPool(threads: 80))

    init(binaries: String, directory: String, extra: [String: String]) {
        self.binaries = binaries
        self.directory = directory
        self.extra = extra
    }

    static func start(binaries: String, directory: String, extra: [String: String] = [:]) async throws -> GatewayStack {
        let stack = GatewayStack(binaries: binaries, directory: directory, extra: extra)
        try stack.launch("sim", ["--forge-port", "\(stack.forgePort)", "--ollama-port", "\(stack.ollamaPort)", "--step-ms", "1", "--token-ms", "0"])
        for name in ["memory", "image-worker", "gateway"] { try stack.launch(name) }
        try await stack.waitUntilServing()
        return stack
    }

    var environment: [String: String] {
        [
            "MAMI_RUNTIME_DIR": "\(directory)/run", "MAMI_STATE_DIR": "\(directory)/lib", "MAMI_LOG_LEVEL": "warning",
            "MAMI_HTTP_ADDR": "127.0.0.1:\(port)", "MAMI_OLLAMA_URL": "http://127.0.0.1:\(ollamaPort)",
            "MAMI_FORGE_URL": "http://127.0.0.1:\(forgePort)", "MAMI_BCRYPT_COST": "4", "MAMI_AUTH_ATTEMPTS_PER_MINUTE": "100000",
            "MAMI_CHAT_PER_MINUTE": "1000000", "MAMI_CHAT_PER_MINUTE_PER_IP": "1000000", "MAMI_IMAGE_JOBS_PER_USER": "100000",
        ].merging(extra) { $1 }
    }

    func launch(_ name: String, _ arguments: [String] = []) throws {
        processes[name] = try ImageStack.launch("\(binaries)/mami-\(name)", arguments, environment, log: "\(directory)/\(name).log")
    }

    func signal(_ name: String, _ signal: Int32) {
        if let process = processes[name] { kill(process.processIdentifier, signal) }
    }

    func waitUntilServing() async throws {
        for _ in 0..<600 {
            if let health = try? await http.send(HTTPRequest(url: "http://127.0.0.1:\(port)/health", timeout: .seconds(2))),
               (try? JSONValue(parsing: health.body))?["status"] == "ok" { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw RPCError(.unavailable, "the stack did not come up")
    }

    /// Stops the gateway, does `work`, and starts it again with `extra` settings added to its environment.
    func restartGateway(extra: [String: String] = [:], while work: () async throws -> Void) async throws {
        processes["gateway"]?.terminate()
        processes["gateway"]?.waitUntilExit()
        try await work()
        processes["gateway"] = try ImageStack.launch("\(binaries)/mami-gateway", [], environment.merging(extra) { $1 },
                                                     log: "\(directory)/gateway.log")
        try await waitUntilServing()
    }

    @discardableResult
    func call(_ method: String, _ path: String, _ body: JSONValue? = nil, token: String? = nil) async throws -> JSONValue {
        var headers = ["Content-Type": "application/json"]
        if let token { headers["Authorization"] = "Bearer \(token)" }
        let response = try await http.send(HTTPRequest(method: method, url: "http://127.0.0.1:\(port)\(path)", headers: headers,
                                                       body: body?.serialized(), timeout: .seconds(30)))
        return response.body.isEmpty ? .null : try JSONValue(parsing: response.body)
    }

    func register() async throws -> Session {
        try await session("bench")
    }

    private let sessionLock = NSLock()
    private var sessions: [String: (Session, Date)] = [:]

    /// A session for `username`: registered the first time, logged in again every 10 minutes.
    func session(_ username: String) async throws -> Session {
        let cached = sessionLock.withLock { sessions[username] }
        if let (session, at) = cached, Date().timeIntervalSince(at) < 600 { return session }
        let session = try await login(username)
        sessionLock.withLock { sessions[username] = (session, Date()) }
        return session
    }

    private func login(_ username: String) async throws -> Session {
        let credentials: JSONValue = ["username": .string(username), "password": "benchmark password"]
        var answer = try await call("POST", "/api/v1/auth/register", credentials)
        if answer["access_token"] == nil { answer = try await call("POST", "/api/v1/auth/login", credentials) }
        return Session(token: answer["access_token"]?.stringValue ?? "")
    }

    /// Resident memory of a service in MB (VmRSS).
    func residentMB(_ name: String) -> Double {
        guard let pid = processes[name]?.processIdentifier else { return 0 }
        return Double(residentBytes(pid)) / 1_048_576
    }

    func conversation(_ session: Session) async throws -> String {
        try await call("POST", "/api/v1/conversations", ["title": "bench"], token: session.token)["id"]?.stringValue ?? ""
    }

    func page(_ session: Session, conversation: String, cursor: Int64?) async throws -> Int {
        let query = cursor.map { "?limit=50&cursor=\($0)" } ?? "?limit=50"
        return try await call("GET", "/api/v1/conversations/\(conversation)/messages\(query)", token: session.token)["items"]?.arrayValue?.count ?? 0
    }

    /// Milliseconds from sending a streamed chat to the first `delta` event.
    func firstDelta(_ session: Session, conversation: String, content: String = "how are you today?") async throws -> Double {
        let request = HTTPRequest(method: "POST", url: "http://127.0.0.1:\(port)/api/v1/conversations/\(conversation)/messages",
                                  headers: ["Content-Type": "application/json", "Accept": "text/event-stream", "Authorization": "Bearer \(session.token)"],
                                  body: (["content": .string(content)] as JSONValue).serialized(), timeout: .seconds(30))
        return try await firstChunk(request) { String(decoding: $0, as: UTF8.self).contains("event: delta") }
    }

    private func firstChunk(_ request: HTTPRequest, until matches: ([UInt8]) -> Bool) async throws -> Double {
        let started = ContinuousClock.now
        var seen: [UInt8] = []
        var first: Double?
        for try await part in http.stream(request) {
            guard case .body(let bytes) = part else { continue }
            seen += bytes
            if first == nil, matches(seen) { first = microseconds(ContinuousClock.now - started) / 1000 }
        }
        guard let first else { throw RPCError(.internalError, "no first token: \(String(decoding: seen.suffix(600), as: UTF8.self))") }
        return first
    }

    func stop() {
        for process in processes.values where process.isRunning {
            kill(process.processIdentifier, SIGCONT)
            process.terminate()
            process.waitUntilExit()
        }
    }
}

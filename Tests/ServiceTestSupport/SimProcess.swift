import Foundation
import MamiCore
import MamiHTTP
import MamiWire
import NIOPosix

/// The tests' HTTP transfers run here, not on NIO's shared blocking pool: a transfer
/// holds its thread, and long ones (streams, waits) would starve the other tests.
public let testTransferPool = HTTPClient.dedicatedPool(threads: 32)

/// A mami-sim process (the Forge and Ollama simulator) on free loopback ports,
/// with its control API: faults, the call log, pace.
public final class SimProcess: Sendable {
    public enum API: Sendable { case forge, ollama }

    public let forgePort: Int
    public let ollamaPort: Int
    public let process: ServiceProcess
    private let http = HTTPClient(pool: testTransferPool)

    public var forgeURL: String { "http://127.0.0.1:\(forgePort)" }
    public var ollamaURL: String { "http://127.0.0.1:\(ollamaPort)" }

    public init(directory: String, stepMs: Int = 5, tokenMs: Int = 5) async throws {
        forgePort = freeLoopbackPort()
        ollamaPort = freeLoopbackPort()
        process = try ServiceProcess(
            "mami-sim",
            arguments: ["--forge-port", "\(forgePort)", "--ollama-port", "\(ollamaPort)", "--step-ms", "\(stepMs)", "--token-ms", "\(tokenMs)"],
            environment: [:], logPath: "\(directory)/sim.log")
        let deadline = ContinuousClock.now + .seconds(20)
        while await !isServing {
            guard ContinuousClock.now < deadline else { throw RPCError(.unavailable, "mami-sim did not start: \(process.log)") }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    private var isServing: Bool {
        get async {
            let ollama = try? await get("/", api: .ollama)
            let forge = try? await get("/sdapi/v1/progress", api: .forge)
            return ollama?.status == 200 && forge?.status == 200
        }
    }

    public func url(_ api: API) -> String { api == .forge ? forgeURL : ollamaURL }

    @discardableResult
    public func get(_ path: String, api: API) async throws -> HTTPResponse {
        try await http.send(HTTPRequest(url: url(api) + path, timeout: .seconds(10)))
    }

    @discardableResult
    public func send(_ method: String, _ path: String, _ body: JSONValue? = nil, api: API) async throws -> HTTPResponse {
        try await http.send(HTTPRequest(method: method, url: url(api) + path, headers: ["Content-Type": "application/json"],
                                        body: body?.serialized(), timeout: .seconds(30)))
    }

    /// `POST /_sim/faults`, e.g. `["endpoint": "/sdapi/v1/txt2img", "mode": "error", "count": 5]`.
    public func fault(_ fault: JSONValue, api: API = .forge) async throws {
        try await send("POST", "/_sim/faults", fault, api: api)
    }

    public func clearFaults() async throws {
        try await send("DELETE", "/_sim/faults", api: .forge)
    }

    /// Every call received (both APIs), in order: `{service, method, path, query, body}`.
    public func calls() async throws -> [JSONValue] {
        let response = try await get("/_sim/calls", api: .forge)
        return try JSONValue(parsing: response.body)["calls"]?.arrayValue ?? []
    }

    public func calls(to path: String) async throws -> [JSONValue] {
        try await calls().filter { $0["path"]?.stringValue == path }
    }

    /// Streamed LLM replies the simulator is writing now.
    public func openStreams() async throws -> Int {
        Int(try JSONValue(parsing: try await get("/_sim/streams", api: .ollama).body)["open"]?.intValue ?? -1)
    }

    /// `structuredReply`: what the simulated LLM answers to every request for structured output (fact extraction).
    public func configure(stepMs: Int? = nil, tokenMs: Int? = nil, structuredReply: String? = nil) async throws {
        var body: [String: JSONValue] = [:]
        if let stepMs { body["step_ms"] = .int(Int64(stepMs)) }
        if let tokenMs { body["token_ms"] = .int(Int64(tokenMs)) }
        if let structuredReply { body["structured_reply"] = .string(structuredReply) }
        try await send("POST", "/_sim/config", .object(body), api: .forge)
    }

    public func stop() async {
        process.signal(SIGTERM)
        _ = try? await process.waitForExit()
    }
}

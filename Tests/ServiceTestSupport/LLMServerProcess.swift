import Foundation
import MamiCore
import MamiHTTP
import MamiWire
import NIOConcurrencyHelpers

/// llama.cpp's server with the demonstration model (scripts/llm-server.py, from
/// ./.venv) on a free loopback port: the real inference engine the tests talk to
/// through the OpenAI protocol. Greedy sampling, so an answer can be compared.
public final class LLMServerProcess: Sendable {
    public static let model = "smollm2-135m"
    public let port: Int
    public let context: Int
    public let directory: String
    private let process: NIOLockedValueBox<ServiceProcess>

    public var url: String { "http://127.0.0.1:\(port)" }

    /// The gateway's settings for this engine; `maxTokens` keeps answers short so CI stays fast.
    public func settings(maxTokens: Int) -> [String: String] {
        ["MAMI_LLM_API": "openai", "MAMI_LLM_URL": url, "MAMI_CHAT_MODEL": Self.model, "MAMI_LLM_MAX_TOKENS": "\(maxTokens)"]
    }

    /// Starts the engine on a free port; when another process took that port before the engine bound it
    /// (tests and helpers pick ports at the same time), on another one.
    public init(directory: String, context: Int = 2048) async throws {
        var attempt = 1
        while true {
            let port = freeLoopbackPort()
            let process = try Self.launch(port: port, context: context, directory: directory)
            do {
                try await Self.waitUntilServing(process, url: "http://127.0.0.1:\(port)")
                (self.port, self.context, self.directory, self.process) = (port, context, directory, NIOLockedValueBox(process))
                return
            } catch where attempt < 3 && process.log.contains("couldn't bind") {
                attempt += 1
            }
        }
    }

    static func launch(port: Int, context: Int, directory: String) throws -> ServiceProcess {
        let root = projectRoot()
        let arguments = ["\(root)/scripts/llm-server.py", "\(port)", "--ctx", "\(context)", "--alias", model, "--greedy"]
        return try ServiceProcess("\(root)/.venv/bin/python", arguments: arguments, environment: [:],
                                  logPath: "\(directory)/llm-\(port)-\(UUID().uuidString.prefix(4)).log")
    }

    /// Until the engine answers its health check; an engine that exits first or takes a minute fails, with its log.
    private static func waitUntilServing(_ process: ServiceProcess, url: String) async throws {
        let deadline = ContinuousClock.now + .seconds(60)
        while (try? await HTTPClient(pool: testTransferPool).send(HTTPRequest(url: url + "/health", timeout: .seconds(2))))?.status != 200 {
            guard ContinuousClock.now < deadline, process.isRunning else { throw RPCError(.unavailable, "llm-server did not start: \(process.log)") }
            try await Task.sleep(for: .milliseconds(100))
        }
    }

    private var current: ServiceProcess { process.withLockedValue { $0 } }

    /// Kills the engine at once (SIGKILL), as a crash would.
    public func kill() async throws {
        current.signal(SIGKILL)
        _ = try await current.waitForExit()
    }

    /// Starts the engine again on the same port.
    public func restart() async throws {
        let next = try Self.launch(port: port, context: context, directory: directory)
        process.withLockedValue { $0 = next }
        try await Self.waitUntilServing(next, url: url)
    }

    /// Whether any of the engine's slots is generating (llama.cpp's `/slots`).
    public func isGenerating() async throws -> Bool {
        let slots = try JSONValue(parsing: try await HTTPClient(pool: testTransferPool).send(HTTPRequest(url: url + "/slots", timeout: .seconds(5))).body)
        return slots.arrayValue?.contains { $0["is_processing"]?.boolValue == true } ?? false
    }

    public func stop() async {
        current.signal(SIGTERM)
        _ = try? await current.waitForExit()
    }
}

/// The checkout's root (where Package.swift is).
public func projectRoot() -> String {
    var root = URL(fileURLWithPath: #filePath)
    while !FileManager.default.fileExists(atPath: root.appendingPathComponent("Package.swift").path) { root.deleteLastPathComponent() }
    return root.path
}

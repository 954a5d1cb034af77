import Foundation
import MamiCore
import MamiHTTP
import MamiWire

/// mami-sim and mami-image-worker started for a benchmark, with their clients.
struct ImageStack {
    var simProcess: Process
    var workerProcess: Process
    var client: RPCClient
    var forgeURL: String
    var socket: String
    let http = HTTPClient()

    static func start(worker: String, sim: String, directory: String) async throws -> ImageStack {
        let forgePort = freeLoopbackPort()
        let ollamaPort = freeLoopbackPort()
        let simProcess = try launch(sim, ["--forge-port", "\(forgePort)", "--ollama-port", "\(ollamaPort)", "--step-ms", "1"], [:],
                                    log: "\(directory)/sim.log")
        let socket = "\(directory)/run/image-worker.sock"
        let workerProcess = try launch(worker, [], [
            "MAMI_RUNTIME_DIR": "\(directory)/run", "MAMI_STATE_DIR": "\(directory)/lib", "MAMI_LOG_LEVEL": "warning",
            "MAMI_FORGE_URL": "http://127.0.0.1:\(forgePort)", "MAMI_OLLAMA_URL": "http://127.0.0.1:\(ollamaPort)",
        ], log: "\(directory)/worker.log")
        let client = RPCClient(configuration: .init(path: socket, initialBackoff: .milliseconds(5), maximumBackoff: .milliseconds(20)))
        let stack = ImageStack(simProcess: simProcess, workerProcess: workerProcess, client: client, forgeURL: "http://127.0.0.1:\(forgePort)", socket: socket)
        for _ in 0..<1000 {
            if (try? await client.call("sys.health", timeout: .seconds(1))) != nil, (try? await stack.calls(to: "/")) != nil { return stack }
            try await Task.sleep(for: .milliseconds(10))
        }
        throw RPCError(.unavailable, "mami-image-worker or mami-sim did not come up")
    }

    static func launch(_ path: String, _ arguments: [String], _ environment: [String: String], log: String) throws -> Process {
        try FileManager.default.createDirectory(atPath: (log as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        guard FileManager.default.createFile(atPath: log, contents: nil) else { throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: log]) }
        let output = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        let process = Process()
        process.standardOutput = output
        process.standardError = output
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        try process.run()
        return process
    }

    func call(_ method: String, _ params: JSONValue) async throws -> JSONValue {
        try await client.call(method, params: params, timeout: .seconds(60))
    }

    func submit(_ prompt: String, steps: Int) async throws -> String {
        let job = try await call("image.submit", ["owner": "bench", "prompt": .string(prompt), "width": 64, "height": 64, "steps": .int(Int64(steps))])
        return job["id"]?.stringValue ?? ""
    }

    func waitFor(_ id: String, until condition: (JSONValue) -> Bool) async throws {
        while !condition(try await call("image.get", ["id": .string(id)])) { try await Task.sleep(for: .milliseconds(2)) }
    }

    func runToEnd(_ id: String) async throws -> JSONValue {
        while true {
            let job = try await call("image.get", ["id": .string(id)])
            if ["succeeded", "failed", "cancelled"].contains(job["status"]?.stringValue ?? "") { return job }
            try await Task.sleep(for: .milliseconds(2))
        }
    }

    func calls(to path: String) async throws -> [JSONValue] {
        let response = try await http.send(HTTPRequest(url: forgeURL + "/_sim/calls", timeout: .seconds(10)))
        return try JSONValue(parsing: response.body)["calls"]?.arrayValue?.filter { $0["path"]?.stringValue == path } ?? []
    }

    func configure(stepMs: Int) async throws {
        let body: JSONValue = ["step_ms": .int(Int64(stepMs))]
        _ = try await http.send(HTTPRequest(method: "POST", url: forgeURL + "/_sim/config", body: body.serialized(), timeout: .seconds(10)))
    }

    /// Threads and descriptors of the worker once two readings 500 ms apart agree.
    func settledResources() async throws -> (threads: Int, descriptors: Int) {
        let pid = workerProcess.processIdentifier
        func read() -> (Int, Int) {
            ((try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task").count) ?? -1,
             (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd").count) ?? -1)
        }
        var last = read()
        for _ in 0..<20 {
            try await Task.sleep(for: .milliseconds(500))
            let now = read()
            if now == last { break }
            last = now
        }
        return (last.0, last.1)
    }

    func stop() {
        for process in [workerProcess, simProcess] where process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
    }
}

import Foundation
import MamiCore
import MamiWire
import NIOConcurrencyHelpers
import ServiceTestSupport

/// A real mami-image-worker pointed at a mami-sim, on a scratch directory.
final class WorkerProcess: @unchecked Sendable {
    let directory: String
    let sim: SimProcess
    let settings: [String: String]
    private(set) var process: ServiceProcess
    private(set) var client: RPCClient

    /// Fast defaults for tests: 100 ms progress polls; `extra` overrides.
    static func start(stepMs: Int = 5, extra: [String: String] = [:]) async throws -> WorkerProcess {
        let directory = try makeScratchDirectory()
        let sim = try await SimProcess(directory: directory, stepMs: stepMs)
        let settings = ["MAMI_FORGE_URL": sim.forgeURL, "MAMI_OLLAMA_URL": sim.ollamaURL, "MAMI_IMAGE_POLL_MS": "100"].merging(extra) { $1 }
        let (process, client) = try await launch(directory, settings)
        return WorkerProcess(directory: directory, sim: sim, settings: settings, process: process, client: client)
    }

    private init(directory: String, sim: SimProcess, settings: [String: String], process: ServiceProcess, client: RPCClient) {
        self.directory = directory
        self.sim = sim
        self.settings = settings
        self.process = process
        self.client = client
    }

    private static func launch(_ directory: String, _ settings: [String: String]) async throws -> (ServiceProcess, RPCClient) {
        let process = try ServiceProcess(
            "mami-image-worker", environment: serviceEnvironment(directory, extra: settings),
            logPath: "\(directory)/worker-\(UUID().uuidString.prefix(4)).log")
        return (process, try await waitForService(at: socketPath(directory)))
    }

    static func socketPath(_ directory: String) -> String { "\(directory)/run/image-worker.sock" }

    /// SIGKILL, then a fresh process on the same state.
    func killAndRestart() async throws {
        process.signal(SIGKILL)
        _ = try await process.waitForExit()
        await client.close()
        (process, client) = try await Self.launch(directory, settings)
    }

    func call(_ method: String, _ params: JSONValue, timeout: Duration = .seconds(30)) async throws -> JSONValue {
        try await client.call(method, params: params, timeout: timeout)
    }

    func error(of method: String, _ params: JSONValue) async -> RPCError? {
        await client.error(of: method, params)
    }

    /// A small, quick job for `owner`.
    func submit(_ prompt: String, owner: String = "alice", steps: Int = 4, extra: [String: JSONValue] = [:]) async throws -> JSONValue {
        let params: [String: JSONValue] = ["owner": .string(owner), "prompt": .string(prompt), "width": 64, "height": 64, "steps": .int(Int64(steps))]
        return try await call("image.submit", .object(params.merging(extra) { $1 }))
    }

    func job(_ id: String) async throws -> JSONValue {
        try await call("image.get", ["id": .string(id)])
    }

    /// Waits (bounded) until job `id` satisfies `condition`.
    @discardableResult
    func waitForJob(_ id: String, within limit: Duration = .seconds(60), until condition: (JSONValue) -> Bool) async throws -> JSONValue {
        let deadline = ContinuousClock.now + limit
        while true {
            let job = try await job(id)
            if condition(job) { return job }
            guard ContinuousClock.now < deadline else { throw RPCError(.deadlineExceeded, "job \(id) stayed \(job["status"] ?? .null)") }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    func waitForEnd(_ id: String, within limit: Duration = .seconds(60)) async throws -> JSONValue {
        try await waitForJob(id, within: limit) { ["succeeded", "failed", "cancelled"].contains($0["status"]?.stringValue ?? "") }
    }

    func stats() async throws -> JSONValue {
        try await call("sys.stats", [:])["stats"] ?? .null
    }

    func stop() async {
        try? await sim.clearFaults()
        process.signal(SIGTERM)
        _ = try? await process.waitForExit()
        await client.close()
        await sim.stop()
    }
}

/// A separate connection subscribed to the worker's events, collecting them.
final class EventCollector: Sendable {
    let client: RPCClient
    private let events = NIOLockedValueBox<[RPCNotification]>([])
    private let reader: Task<Void, Never>

    init(path: String, since: Int64? = nil) async throws {
        client = RPCClient(configuration: .init(path: path))
        let box = events
        let stream = client.notifications
        reader = Task {
            for await notification in stream where notification.method != RPCClient.connectedNotification {
                box.withLockedValue { $0.append(notification) }
            }
        }
        _ = try await client.call("events.subscribe", params: since.map { ["since": .int($0)] } ?? [:], timeout: .seconds(10))
    }

    var all: [RPCNotification] { events.withLockedValue { $0 } }

    /// The `job` of each `job.updated` so far.
    var jobs: [JSONValue] { all.filter { $0.method == "job.updated" }.compactMap { $0.params?["job"] } }

    func terminal(of id: String) -> [JSONValue] {
        jobs.filter { $0["id"]?.stringValue == id && ["succeeded", "failed", "cancelled"].contains($0["status"]?.stringValue ?? "") }
    }

    /// Waits (bounded) until `condition` holds over what was received.
    func wait(within limit: Duration = .seconds(60), until condition: (EventCollector) -> Bool) async throws {
        let deadline = ContinuousClock.now + limit
        while !condition(self) {
            guard ContinuousClock.now < deadline else { throw RPCError(.deadlineExceeded, "events never satisfied the condition; got \(jobs.count)") }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    func close() async {
        await client.close()
        reader.cancel()
    }
}

import ArgumentParser
import Foundation
import MamiCore
import MamiHTTP
import MamiWire

/// The image worker against mami-sim: how soon an idle worker calls Forge after a
/// submit, how soon a cancel reaches Forge as an interrupt, database writes and
/// events per job, and threads and descriptors around 1 000 cancels.
struct ImageBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "image", abstract: "Measure mami-image-worker against mami-sim.")

    @Option(help: "The mami-image-worker executable.") var worker: String
    @Option(help: "The mami-sim executable.") var sim: String
    @Option(help: "A scratch directory for sockets, databases and logs.") var directory: String
    @Option(help: "Jobs timed from submit to Forge call.") var jobs = 50
    @Option(help: "Running jobs cancelled and timed.") var cancels = 20

    func run() async throws {
        let stack = try await ImageStack.start(worker: worker, sim: sim, directory: directory)
        defer { stack.stop() }
        var report: [String: JSONValue] = ["mode": "image"]
        report["submit_to_forge_ms"] = try await submitToForge(stack)
        report["cancel_to_interrupt_ms"] = try await cancelToInterrupt(stack)
        report["per_job"] = try await writesAndEvents(stack)
        report["thousand_cancels"] = try await resourcesAroundCancels(stack)
        print(JSONValue.object(report).jsonText)
    }

    /// Idle worker: submit, then when txt2img reached the simulator (its receive time).
    func submitToForge(_ stack: ImageStack) async throws -> JSONValue {
        try await stack.configure(stepMs: 1)
        _ = try await stack.runToEnd(try await stack.submit("warm-up", steps: 1))
        var samples: [Double] = []
        for index in 0..<jobs {
            let started = Date().timeIntervalSince1970
            let id = try await stack.submit("timed \(index)", steps: 1)
            _ = try await stack.runToEnd(id)
            let call = try await stack.calls(to: "/sdapi/v1/txt2img").last { $0["body"]?["prompt"]?.stringValue == "timed \(index)" }
            samples.append(((call?["received_at"]?.doubleValue ?? .nan) - started) * 1000)
        }
        return percentiles(samples)
    }

    /// A running job: image.cancel sent, then when the interrupt reached the simulator; and the whole cancel call.
    func cancelToInterrupt(_ stack: ImageStack) async throws -> JSONValue {
        try await stack.configure(stepMs: 50)
        var toInterrupt: [Double] = []
        var whole: [Double] = []
        for index in 0..<cancels {
            let id = try await stack.submit("cancel \(index)", steps: 150)
            try await stack.waitFor(id) { $0["status"] == "running" }
            let before = try await stack.calls(to: "/sdapi/v1/interrupt").count
            let started = Date().timeIntervalSince1970
            _ = try await stack.call("image.cancel", ["id": .string(id), "owner": "bench"])
            whole.append((Date().timeIntervalSince1970 - started) * 1000)
            let interrupts = try await stack.calls(to: "/sdapi/v1/interrupt")
            guard interrupts.count > before, let at = interrupts[before]["received_at"]?.doubleValue else { continue }
            toInterrupt.append((at - started) * 1000)
        }
        return ["interrupt": percentiles(toInterrupt), "cancel_call": percentiles(whole)]
    }

    /// One job of 100 steps × 50 ms with 1 s polling, alone: change numbers consumed (= database writes) and events received.
    func writesAndEvents(_ stack: ImageStack) async throws -> JSONValue {
        try await stack.configure(stepMs: 50)
        let subscriber = RPCClient(configuration: .init(path: stack.socket))
        let counter = EventCounter(subscriber)
        let first = try await subscriber.call("events.subscribe", params: [:], timeout: .seconds(5))["seq"]?.intValue ?? 0
        let started = ContinuousClock.now
        let id = try await stack.submit("counted", steps: 100)
        let ended = try await stack.runToEnd(id)
        let seconds = (ContinuousClock.now - started).seconds
        try await Task.sleep(for: .milliseconds(700))
        let events = counter.count(of: id)
        await subscriber.close()
        return [
            "status": ended["status"] ?? .null, "seconds": .double((seconds * 10).rounded() / 10),
            "database_writes": .int((ended["seq"]?.intValue ?? 0) - first), "events": .int(Int64(events)),
        ]
    }

    /// Threads and descriptors after warm-up, and after 1 000 jobs submitted and cancelled (queued ones and, every 100, the running one).
    func resourcesAroundCancels(_ stack: ImageStack) async throws -> JSONValue {
        try await stack.configure(stepMs: 100)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<32 { group.addTask { _ = try await stack.call("image.list", ["owner": "bench"]) } }
            try await group.waitForAll()
        }
        let before = try await stack.settledResources()
        var ids: [String] = []
        for index in 0..<1000 { ids.append(try await stack.submit("bulk \(index)", steps: 150)) }
        let started = ContinuousClock.now
        for (count, id) in ids.reversed().enumerated() {
            if count % 100 == 0, let running = try await stack.call("image.list", ["owner": "bench", "status": "running"])["items"]?.arrayValue?.first {
                _ = try await stack.call("image.cancel", ["id": running["id"]!, "owner": "bench"])
            }
            _ = try await stack.call("image.cancel", ["id": .string(id), "owner": "bench"])
        }
        let seconds = (ContinuousClock.now - started).seconds
        let after = try await stack.settledResources()
        return [
            "threads_before": .int(Int64(before.threads)), "threads_after": .int(Int64(after.threads)),
            "descriptors_before": .int(Int64(before.descriptors)), "descriptors_after": .int(Int64(after.descriptors)),
            "cancel_seconds": .double((seconds * 100).rounded() / 100),
        ]
    }
}

/// Counts `job.updated` notifications per job on a subscribed client.
final class EventCounter: Sendable {
    private let counts = Tally()
    private let reader: Task<Void, Never>

    init(_ client: RPCClient) {
        let counts = counts
        reader = Task {
            for await notification in client.notifications where notification.method == "job.updated" {
                if let id = notification.params?["job"]?["id"]?.stringValue { counts.add(id) }
            }
        }
    }

    func count(of id: String) -> Int { counts.value(id) }
}

/// A lock-protected tally.
final class Tally: @unchecked Sendable {
    private let lock = NSLock()
    private var tally: [String: Int] = [:]
    func add(_ key: String) { lock.withLock { tally[key, default: 0] += 1 } }
    func value(_ key: String) -> Int { lock.withLock { tally[key] ?? 0 } }
}

import Foundation
import MamiCore
import MamiWire
import ServiceTestSupport
import Testing

@Suite struct CancelTests {
    @Test func cancellingTheRunningJobInterruptsForgeAndKeepsNoImage() async throws {
        let worker = try await WorkerProcess.start(stepMs: 50)
        let id = try await worker.submit("cancel me", steps: 150)["id"]!.stringValue!
        try await worker.waitForJob(id) { $0["status"] == "running" }
        let cancelled = try await worker.call("image.cancel", ["id": .string(id), "owner": "alice"])
        #expect(cancelled["status"] == "cancelled")
        #expect(cancelled["result_path"] == .null)
        #expect(try await worker.sim.calls(to: "/sdapi/v1/interrupt").count == 1)
        #expect(!FileManager.default.fileExists(atPath: "\(worker.directory)/lib/images/\(id).png"))
        let again = await worker.error(of: "image.cancel", ["id": .string(id), "owner": "alice"])
        #expect(again == nil || again?.code == .conflict)
        await worker.stop()
    }

    @Test func aClientThatDisconnectsCancelsNothing() async throws {
        let worker = try await WorkerProcess.start(stepMs: 20)
        let other = RPCClient(configuration: .init(path: WorkerProcess.socketPath(worker.directory)))
        // Long enough (150 × 20 ms) to be seen running on a busy machine before it ends.
        let params: JSONValue = ["owner": "alice", "prompt": "outlives its caller", "width": 64, "height": 64, "steps": 150]
        let id = try await other.call("image.submit", params: params, timeout: .seconds(10))["id"]!.stringValue!
        try await worker.waitForJob(id) { $0["status"] == "running" }
        await other.close()
        #expect(try await worker.waitForEnd(id)["status"] == "succeeded")
        #expect(try await worker.sim.calls(to: "/sdapi/v1/interrupt").isEmpty)
        await worker.stop()
    }

    @Test func aCancelledJobCanBeRetried() async throws {
        let worker = try await WorkerProcess.start(stepMs: 50)
        let blocker = try await worker.submit("running", steps: 150)["id"]!.stringValue!
        let queued = try await worker.submit("waiting")["id"]!.stringValue!
        let cancelled = try await worker.call("image.cancel", ["id": .string(queued), "owner": "alice"])
        #expect(cancelled["status"] == "cancelled")
        _ = try await worker.call("image.cancel", ["id": .string(blocker), "owner": "alice"])
        let retried = try await worker.call("image.retry", ["id": .string(queued), "owner": "alice"])
        #expect(retried["status"] == "queued")
        #expect(try await worker.waitForEnd(queued)["status"] == "succeeded")
        #expect(await worker.error(of: "image.retry", ["id": .string(queued), "owner": "alice"])?.code == .conflict)
        await worker.stop()
    }

    /// I8: cancels leave nothing behind. Threads and descriptors are counted once the
    /// worker has served a job and concurrent reads (its thread and SQLite reader pools
    /// are at their bounded size), then after 1 000 cancels.
    @Test(.timeLimit(.minutes(5))) func aThousandCancelsLeaveNoThreadOrDescriptorBehind() async throws {
        let worker = try await WorkerProcess.start(stepMs: 100)
        let warm = try await worker.submit("warm-up", steps: 2)["id"]!.stringValue!
        _ = try await worker.waitForEnd(warm)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<32 { group.addTask { _ = try await worker.call("image.list", ["owner": "alice"]) } }
            try await group.waitForAll()
        }
        let before = try await settledResources(of: worker.process.pid)
        // Jobs of 150 s: none may finish before its cancel comes, however loaded the machine is.
        try await worker.sim.configure(stepMs: 1000)
        var ids: [String] = []
        for index in 0..<1000 { ids.append(try await worker.submit("to cancel \(index)", steps: 150)["id"]!.stringValue!) }
        // Newest first, so most are queued; every 100th cancel also stops whichever job is running.
        for (count, id) in ids.reversed().enumerated() {
            if count % 100 == 0, let running = try await worker.call("image.list", ["owner": "alice", "status": "running"])["items"]?.arrayValue?.first {
                _ = try await worker.call("image.cancel", ["id": running["id"]!, "owner": "alice"])
            }
            let outcome = try await worker.call("image.cancel", ["id": .string(id), "owner": "alice"])
            #expect(outcome["status"] == "cancelled")
        }
        let stats = try await worker.stats()
        #expect(stats["jobs"]?["cancelled"] == 1000)
        #expect(stats["jobs"]?["queued"] == 0)
        #expect(stats["jobs"]?["running"] == 0)
        let after = try await settledResources(of: worker.process.pid, atMost: before)
        #expect(after.threads <= before.threads, "threads \(before.threads) → \(after.threads)")
        #expect(after.descriptors <= before.descriptors, "descriptors \(before.descriptors) → \(after.descriptors)")
        await worker.stop()
    }
}

/// Threads and open descriptors of `pid`, read when two readings 200 ms apart agree
/// (idle pool threads come and go); with `atMost`, waits up to 10 s for them to fall to it.
func settledResources(of pid: Int32, atMost limit: (threads: Int, descriptors: Int)? = nil) async throws -> (threads: Int, descriptors: Int) {
    func read() -> (threads: Int, descriptors: Int) {
        let threads = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task").count) ?? -1
        let descriptors = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd").count) ?? -1
        return (threads, descriptors)
    }
    let deadline = ContinuousClock.now + .seconds(10)
    var last = read()
    while ContinuousClock.now < deadline {
        try await Task.sleep(for: .milliseconds(200))
        let now = read()
        let withinLimit = limit.map { now.threads <= $0.threads && now.descriptors <= $0.descriptors } ?? true
        if now == last && withinLimit { return now }
        last = now
    }
    return last
}

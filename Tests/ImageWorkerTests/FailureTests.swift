import Foundation
import MamiCore
import MamiWire
import ServiceTestSupport
import Testing

@Suite struct FailureTests {
    @Test func aHungForgeFailsTheJobAtItsStallTimeAndTheNextJobRuns() async throws {
        let worker = try await WorkerProcess.start(extra: ["MAMI_IMAGE_STALL_S": "0.5", "MAMI_IMAGE_MAX_ATTEMPTS": "2"])
        try await worker.sim.fault(["endpoint": "/sdapi/v1/txt2img", "mode": "hang", "count": 2])
        let stuck = try await worker.submit("never drawn")["id"]!.stringValue!
        let next = try await worker.submit("drawn after")["id"]!.stringValue!
        let failed = try await worker.waitForEnd(stuck)
        #expect(failed["status"] == "failed")
        #expect(failed["error"]?["code"] == "forge_stalled")
        #expect(failed["attempts"] == 2)
        #expect(failed["placeholder"] == "timeout")
        #expect(FileManager.default.fileExists(atPath: failed["result_path"]?.stringValue ?? "/none"))
        #expect(try await worker.waitForEnd(next)["status"] == "succeeded")
        #expect(try await worker.sim.calls(to: "/sdapi/v1/interrupt").count >= 2, "a stalled call was not interrupted")
        await worker.stop()
    }

    @Test func fiveForgeErrorsOpenTheBreakerAndAHalfOpenProbeClosesIt() async throws {
        let worker = try await WorkerProcess.start(extra: [
            "MAMI_FORGE_BREAKER_FAILURES": "5", "MAMI_FORGE_BREAKER_OPEN_S": "5", "MAMI_IMAGE_MAX_ATTEMPTS": "1",
        ])
        try await worker.sim.fault(["endpoint": "/sdapi/v1/txt2img", "mode": "error", "count": 5])
        var ids: [String] = []
        for index in 0..<7 { ids.append(try await worker.submit("failing \(index)")["id"]!.stringValue!) }
        var ended: [JSONValue] = []
        for id in ids { ended.append(try await worker.waitForEnd(id)) }
        for job in ended.prefix(5) {
            #expect(job["error"]?["code"] == "forge_error")
            #expect(job["placeholder"] == "error")
        }
        for job in ended.suffix(2) {
            #expect(job["error"]?["code"] == "forge_unavailable", "\(job)")
            #expect(job["placeholder"] == "maintenance")
        }
        #expect(try await worker.sim.calls(to: "/sdapi/v1/txt2img").count == 5, "an open breaker still called Forge")
        #expect(try await worker.stats()["circuit"]?["state"] == "open")

        let halfOpen = ContinuousClock.now + .seconds(30)
        while try await worker.stats()["circuit"]?["state"] != "half_open", ContinuousClock.now < halfOpen {
            try await Task.sleep(for: .milliseconds(100))
        }
        let probe = try await worker.submit("probe")["id"]!.stringValue!
        #expect(try await worker.waitForEnd(probe)["status"] == "succeeded")
        #expect(try await worker.stats()["circuit"]?["state"] == "closed")
        await worker.stop()
    }

    @Test func aJobRunningWhenTheWorkerIsKilledCompletesAfterTheRestart() async throws {
        let worker = try await WorkerProcess.start(stepMs: 100)
        let id = try await worker.submit("interrupted by a crash", steps: 30)["id"]!.stringValue!
        try await worker.waitForJob(id, within: .seconds(30)) { $0["status"] == "running" }
        try await worker.killAndRestart()
        try await worker.sim.configure(stepMs: 5)
        let job = try await worker.waitForEnd(id)
        #expect(job["status"] == "succeeded")
        #expect(job["attempts"] == 2)
        let running = try await worker.call("image.list", ["owner": "alice", "status": "running"])
        #expect(running["items"]?.arrayValue?.isEmpty == true)
        await worker.stop()
    }

    @Test func aJobWhoseAttemptsAreSpentFailsClearlyAfterTheRestart() async throws {
        let worker = try await WorkerProcess.start(stepMs: 100, extra: ["MAMI_IMAGE_MAX_ATTEMPTS": "1"])
        let id = try await worker.submit("one attempt only", steps: 30)["id"]!.stringValue!
        try await worker.waitForJob(id, within: .seconds(30)) { $0["status"] == "running" }
        try await worker.killAndRestart()
        let job = try await worker.waitForEnd(id)
        #expect(job["status"] == "failed")
        #expect(job["error"]?["code"] == "interrupted")
        #expect(job["placeholder"] == "error")
        await worker.stop()
    }

    @Test func aDroppedConnectionAndAMalformedAnswerAreRetried() async throws {
        let worker = try await WorkerProcess.start(extra: ["MAMI_IMAGE_MAX_ATTEMPTS": "3"])
        try await worker.sim.fault(["endpoint": "/sdapi/v1/txt2img", "mode": "drop", "count": 1])
        try await worker.sim.fault(["endpoint": "/sdapi/v1/txt2img", "mode": "malformed", "count": 1])
        let id = try await worker.submit("third time lucky")["id"]!.stringValue!
        let job = try await worker.waitForEnd(id)
        #expect(job["status"] == "succeeded")
        #expect(job["attempts"] == 3)
        await worker.stop()
    }
}

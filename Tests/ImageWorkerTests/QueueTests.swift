import Foundation
import MamiCore
import MamiWire
import ServiceTestSupport
import Testing

@Suite struct QueueTests {
    @Test func twentyJobsRunOneAtATimeInOrderAndEachEndsOnce() async throws {
        let worker = try await WorkerProcess.start(stepMs: 10)
        let events = try await EventCollector(path: WorkerProcess.socketPath(worker.directory))
        // Forge holds the first generation until all twenty are queued, so the queue is really twenty long.
        try await worker.sim.fault(["endpoint": "/sdapi/v1/txt2img", "mode": "hang"])
        var ids: [String] = []
        for index in 0..<20 {
            ids.append(try await worker.submit("job \(index)", steps: 10)["id"]!.stringValue!)
        }
        try await worker.sim.clearFaults()
        try await events.wait { collector in ids.allSatisfy { !collector.terminal(of: $0).isEmpty } }
        try await Task.sleep(for: .milliseconds(600))  // room for a stray duplicate to show up

        let starts = events.jobs.filter { $0["status"] == "running" }.compactMap { $0["id"]?.stringValue }
        var startOrder: [String] = []
        for id in starts where !startOrder.contains(id) { startOrder.append(id) }
        #expect(startOrder == ids, "jobs started out of order")
        for id in ids {
            #expect(events.terminal(of: id).count == 1, "job \(id) ended \(events.terminal(of: id).count) times")
            let positions = events.jobs.filter { $0["id"]?.stringValue == id && $0["status"] == "queued" }.compactMap { $0["queue_position"]?.intValue }
            #expect(positions == positions.sorted(by: >), "positions of \(id) grew: \(positions)")
        }
        let lastPositions = events.jobs.filter { $0["id"]?.stringValue == ids.last && $0["status"] == "queued" }.compactMap { $0["queue_position"]?.intValue }
        #expect((lastPositions.first ?? 0) > (lastPositions.last ?? 0), "the last job's position never moved: \(lastPositions)")
        var previousEnd = ""
        for id in ids {
            let job = try await worker.job(id)
            #expect(job["status"] == "succeeded")
            let started = job["started_at"]?.stringValue ?? ""
            #expect(started >= previousEnd, "job \(id) started before the previous one finished")
            previousEnd = job["finished_at"]?.stringValue ?? ""
            #expect(FileManager.default.fileExists(atPath: job["result_path"]?.stringValue ?? "/none"))
        }
        #expect(try await worker.sim.calls(to: "/sdapi/v1/txt2img").count == 20)
        await events.close()
        await worker.stop()
    }

    @Test func aRepeatedIdempotencyKeyReturnsTheSameJob() async throws {
        let worker = try await WorkerProcess.start()
        let first = try await worker.submit("a lighthouse", extra: ["idempotency_key": "message-1"])
        let again = try await worker.submit("a lighthouse", extra: ["idempotency_key": "message-1"])
        #expect(first["created"] == true)
        #expect(again["created"] == false)
        #expect(first["id"] == again["id"])
        let byMessage = try await worker.submit("a harbour", extra: ["message_id": "message-2"])
        #expect(byMessage["idempotency_key"] == "message-2")
        await worker.stop()
    }

    @Test func badRequestsAreRefusedAndNothingIsQueued() async throws {
        let worker = try await WorkerProcess.start()
        let base: [String: JSONValue] = ["owner": "bob", "prompt": "a cat"]
        let cases: [(String, JSONValue)] = [
            ("prompt", ""), ("prompt", "   "), ("prompt", .string(String(repeating: "x", count: 2001))), ("prompt", 5),
            ("width", 32), ("width", 4096), ("height", 100), ("steps", 0), ("steps", 151), ("model", "no-such-checkpoint"),
            ("seed", "seven"), ("cfg_scale", 99),
        ]
        for (field, value) in cases {
            let error = await worker.error(of: "image.submit", .object(base.merging([field: value]) { $1 }))
            #expect(error?.code == .invalidParams, "\(field) = \(value)")
            #expect(error?.data?["field"]?.stringValue == field, "\(field): \(String(describing: error))")
        }
        #expect(await worker.error(of: "image.submit", ["prompt": "no owner"])?.code == .invalidParams)
        let listed = try await worker.call("image.list", ["owner": "bob"])
        #expect(listed["items"]?.arrayValue?.isEmpty == true)
        await worker.stop()
    }

    @Test func anotherOwnersJobIsNotFound() async throws {
        let worker = try await WorkerProcess.start()
        let job = try await worker.submit("mine", owner: "alice")
        let id = job["id"]!
        #expect(await worker.error(of: "image.get", ["id": id, "owner": "mallory"])?.code == .notFound)
        #expect(await worker.error(of: "image.cancel", ["id": id, "owner": "mallory"])?.code == .notFound)
        #expect(await worker.error(of: "image.retry", ["id": id, "owner": "mallory"])?.code == .notFound)
        let list = try await worker.call("image.list", ["owner": "mallory"])
        #expect(list["items"]?.arrayValue?.isEmpty == true)
        await worker.stop()
    }

    @Test func listingPagesByCursorNewestFirst() async throws {
        let worker = try await WorkerProcess.start()
        var ids: [String] = []
        for index in 0..<5 { ids.append(try await worker.submit("page \(index)", owner: "carol")["id"]!.stringValue!) }
        var seen: [String] = []
        var cursor: JSONValue = .null
        repeat {
            let page = try await worker.call("image.list", ["owner": "carol", "limit": 2, "cursor": cursor])
            seen += page["items"]?.arrayValue?.compactMap { $0["id"]?.stringValue } ?? []
            cursor = page["next_cursor"] ?? .null
        } while cursor != .null
        #expect(seen == ids.reversed())
        await worker.stop()
    }
}

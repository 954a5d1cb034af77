import Foundation
import MamiCore
import MamiWire
import ServiceTestSupport
import Testing

@Suite struct EventTests {
    /// A subscriber that goes away and returns with `since` sees every terminal event it missed.
    @Test func aReturningSubscriberReceivesWhatItMissed() async throws {
        let worker = try await WorkerProcess.start()
        let path = WorkerProcess.socketPath(worker.directory)
        let first = try await EventCollector(path: path)
        let seen = try await worker.submit("seen live")["id"]!.stringValue!
        try await first.wait { !$0.terminal(of: seen).isEmpty }
        let lastSeq = first.jobs.compactMap { $0["seq"]?.intValue }.max()!
        await first.close()

        var missed: [String] = []
        for index in 0..<3 { missed.append(try await worker.submit("missed \(index)")["id"]!.stringValue!) }
        for id in missed { _ = try await worker.waitForEnd(id) }

        let second = try await EventCollector(path: path, since: lastSeq)
        try await second.wait(within: .seconds(10)) { collector in missed.allSatisfy { collector.terminal(of: $0).count == 1 } }
        #expect(second.terminal(of: seen).isEmpty, "an event from before `since` was replayed")
        await second.close()
        await worker.stop()
    }

    @Test func aSubscriberFromAnotherHistoryIsToldToResync() async throws {
        let worker = try await WorkerProcess.start()
        let collector = try await EventCollector(path: WorkerProcess.socketPath(worker.directory), since: 1_000_000)
        try await collector.wait(within: .seconds(10)) { $0.all.contains { $0.method == "events.resync" } }
        await collector.close()
        await worker.stop()
    }

    /// I4: a running job's progress reaches subscribers, coalesced to at most two events a second.
    @Test func progressIsPublishedWithoutFlooding() async throws {
        let worker = try await WorkerProcess.start(stepMs: 20, extra: ["MAMI_IMAGE_POLL_MS": "50"])
        let events = try await EventCollector(path: WorkerProcess.socketPath(worker.directory))
        let started = ContinuousClock.now
        let id = try await worker.submit("progress", steps: 100)["id"]!.stringValue!
        try await events.wait { !$0.terminal(of: id).isEmpty }
        let elapsed = ContinuousClock.now - started
        let progress = events.jobs.filter { $0["id"]?.stringValue == id && $0["status"] == "running" }.compactMap { $0["progress"]?.intValue }
        #expect(progress.count >= 2, "no progress events: \(progress)")
        #expect(progress == progress.sorted())
        #expect(Double(progress.count) <= 2 * elapsed.seconds + 2, "\(progress.count) progress events in \(elapsed)")
        await events.close()
        await worker.stop()
    }
}

import Foundation
import MamiCore
import MamiHTTP
import MamiWire
import ServiceTestSupport
import Testing

/// The systemd notification protocol, observed through a test-owned NOTIFY_SOCKET.
@Suite struct SupervisionTests {
    @Test func readyAfterListeningThenWatchdogPingsThatStopWhileTheDatabaseHangsThenStoppingOnSIGTERM() async throws {
        let directory = try makeScratchDirectory()
        let notify = try NotifySocket(directory: directory)
        let environment = serviceEnvironment(directory, extra: [
            "NOTIFY_SOCKET": notify.path, "WATCHDOG_USEC": "2000000", "MAMI_DEBUG_METHODS": "1",
        ])
        let service = try ServiceProcess("mami-memory", environment: environment, logPath: "\(directory)/memory.log")

        _ = try await notify.waitFor("READY=1")
        // READY=1 promises a listening socket: connecting right now must work.
        let raw = try RawConnection(unixPath: "\(directory)/run/memory.sock")
        raw.close()
        let client = try await waitForService(at: "\(directory)/run/memory.sock")

        // WATCHDOG_USEC is 2 s: pings come about every second (half the interval).
        let pingsStart = ContinuousClock.now
        try await Task.sleep(for: .seconds(4))
        let pings = notify.messages.filter { $0.text == "WATCHDOG=1" && $0.at > pingsStart }
        #expect(pings.count >= 3, "\(pings.count) pings in 4 s")
        let gaps = zip(pings.dropFirst(), pings).map { $0.at - $1.at }.sorted()
        #expect(!gaps.isEmpty && gaps[gaps.count / 2] > .milliseconds(600) && gaps[gaps.count / 2] < .milliseconds(1600), "gaps \(gaps)")
        #expect(gaps.allSatisfy { $0 < .seconds(3) }, "gaps \(gaps)")

        _ = try await client.call("debug.hang", params: ["target": "database", "seconds": 4], timeout: .seconds(2))
        let hangStart = ContinuousClock.now
        try await Task.sleep(for: .milliseconds(3500))
        // A check that began just before the hang may still pass; after that, silence.
        let duringHang = notify.messages.filter {
            $0.text == "WATCHDOG=1" && $0.at > hangStart + .milliseconds(1200) && $0.at < hangStart + .milliseconds(3500)
        }
        #expect(duringHang.isEmpty, "\(duringHang.count) pings while the database hung")
        let health = try await client.call("sys.health", timeout: .seconds(2))
        #expect(health["status"] == "failing")
        #expect(health["checks"]?["database"]?["ok"] == false)
        _ = try await notify.waitFor("WATCHDOG=1", after: hangStart + .seconds(4), within: .seconds(6))

        let termSent = ContinuousClock.now
        service.signal(SIGTERM)
        _ = try await notify.waitFor("STOPPING=1", after: termSent)
        #expect(try await service.waitForExit() == 0)
        await client.close()
        await notify.close()
    }

    /// Every cooperative thread blocked (debug.hang): the watchdog pings stop within two check
    /// intervals, and the health probe — answered on an event loop — says "failing" at once
    /// instead of hanging; the gateway's /health likewise. Pings come back after the hang.
    @Test(arguments: ["memory", "image-worker", "gateway"])
    func aStarvedCooperativePoolStopsTheWatchdogAndHealthSaysFailing(_ name: String) async throws {
        let directory = try makeScratchDirectory()
        let notify = try NotifySocket(directory: directory)
        let httpAddress = "127.0.0.1:\(freeLoopbackPort())"
        let environment = serviceEnvironment(directory, extra: [
            "NOTIFY_SOCKET": notify.path, "WATCHDOG_USEC": "2000000", "MAMI_DEBUG_METHODS": "1", "MAMI_HTTP_ADDR": httpAddress,
        ])
        let service = try ServiceProcess("mami-\(name)", environment: environment, logPath: "\(directory)/\(name).log")
        _ = try await notify.waitFor("READY=1")
        let client = try await waitForService(at: "\(directory)/run/\(name).sock")
        _ = try await notify.waitFor("WATCHDOG=1", after: .now)
        if name == "gateway" { try await waitForHTTP("http://\(httpAddress)/health") }

        // The service starts the hang between `sent` and `hangStart` and ends it 6 s after it started.
        let sent = ContinuousClock.now
        _ = try await client.call("debug.hang", params: ["target": "cooperative_pool", "seconds": 6], timeout: .seconds(2))
        let hangStart = ContinuousClock.now
        let failing = try await firstFailingHealth(client, httpAddress: name == "gateway" ? httpAddress : nil, within: .seconds(4))
        #expect(failing.after < .seconds(3), "health said failing \(failing.after) into the starvation")
        #expect(failing.slowest < .seconds(2), "a health answer took \(failing.slowest)")
        let hangEnd = sent + .seconds(6)
        try await Task.sleep(until: hangEnd)
        // Two check intervals (1 s each) for a ping already under way; after that, silence until the end.
        let duringHang = notify.messages.filter { $0.text == "WATCHDOG=1" && $0.at > hangStart + .seconds(2) && $0.at < hangEnd }
        #expect(duringHang.isEmpty, "pings \(duringHang.map { $0.at - sent }) after the hang was asked for")
        _ = try await notify.waitFor("WATCHDOG=1", after: hangEnd, within: .seconds(6))
        service.signal(SIGTERM)
        #expect(try await service.waitForExit() == 0)
        await client.close()
        await notify.close()
    }

    /// Until the gateway's HTTP server answers (it starts listening after its socket).
    private func waitForHTTP(_ url: String) async throws {
        let deadline = ContinuousClock.now + .seconds(20)
        while (try? await HTTPClient(pool: testTransferPool).send(HTTPRequest(url: url, timeout: .seconds(2)))) == nil {
            guard ContinuousClock.now < deadline else { throw TestTimeout(what: url) }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    /// Polls `sys.health` (and `/health` when given) until one says "failing".
    private func firstFailingHealth(_ client: RPCClient, httpAddress: String?, within limit: Duration) async throws -> (after: Duration, slowest: Duration) {
        let start = ContinuousClock.now
        var slowest = Duration.zero
        while ContinuousClock.now - start < limit {
            let asked = ContinuousClock.now
            let report = try await client.call("sys.health", timeout: .seconds(2))
            var failing = report["status"] == "failing" && report["checks"]?["cooperative_pool"]?["ok"] == false
            if let httpAddress {
                let response = try await HTTPClient(pool: testTransferPool).send(HTTPRequest(url: "http://\(httpAddress)/health", timeout: .seconds(2)))
                let body = try JSONValue(parsing: response.body)
                failing = failing && response.status == 503 && body["status"] == "failing"
            }
            slowest = max(slowest, ContinuousClock.now - asked)
            if failing { return (ContinuousClock.now - start, slowest) }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw TestTimeout(what: "health to say failing")
    }

    @Test func aServiceThatCannotListenFailsWithoutClaimingReadiness() async throws {
        let directory = try makeScratchDirectory()
        let notify = try NotifySocket(directory: directory)
        let runtime = directory + "/" + String(repeating: "r", count: 110)  // longer than sun_path holds
        try FileManager.default.createDirectory(atPath: runtime, withIntermediateDirectories: true)
        let environment = serviceEnvironment(directory, extra: ["MAMI_RUNTIME_DIR": runtime, "NOTIFY_SOCKET": notify.path])
        let service = try ServiceProcess("mami-memory", environment: environment, logPath: "\(directory)/memory.log")
        #expect(try await service.waitForExit() == 1)
        #expect(service.log.contains("unixDomainSocketPathTooLong"))
        #expect(!notify.messages.contains { $0.text.contains("READY=1") })
        await notify.close()
    }

    @Test func aServiceServesOnASocketActivatedListenerAndLeavesItsFile() async throws {
        let activator = "/usr/bin/systemd-socket-activate"
        try #require(FileManager.default.isExecutableFile(atPath: activator), "systemd-socket-activate is missing (Debian: systemd)")
        let directory = try makeScratchDirectory()
        let socketPath = "\(directory)/activated.sock"
        let arguments = ["-l", socketPath] + serviceEnvironment(directory).flatMap { ["-E", "\($0.key)=\($0.value)"] } + ["\(binaryDirectory)/mami-memory"]
        let service = try ServiceProcess(activator, arguments: arguments, environment: [:], logPath: "\(directory)/memory.log")
        let client = try await waitForService(at: socketPath)
        let health = try await client.call("sys.health", timeout: .seconds(5))
        #expect(health["service"] == "memory")
        #expect(health["pid"]?.intValue == Int64(service.pid))
        // The service adopted the inherited socket instead of binding its own path.
        #expect(!FileManager.default.fileExists(atPath: "\(directory)/run/memory.sock"))
        service.signal(SIGTERM)
        #expect(try await service.waitForExit() == 0)
        #expect(FileManager.default.fileExists(atPath: socketPath))
        await client.close()
    }
}

/// SIGTERM drains: work in flight is answered, new work refused, and the grace period bounds the wait.
@Suite struct ShutdownTests {
    @Test func inFlightWorkIsAnsweredBeforeExit() async throws {
        let directory = try makeScratchDirectory()
        let environment = serviceEnvironment(directory, extra: ["MAMI_DEBUG_METHODS": "1"])
        let service = try ServiceProcess("mami-memory", environment: environment, logPath: "\(directory)/memory.log")
        let client = try await waitForService(at: "\(directory)/run/memory.sock")
        async let answer = client.call("debug.sleep", params: ["ms": 800], timeout: .seconds(10))
        try await service.waitForLog("debug.sleep started")
        service.signal(SIGTERM)
        #expect(try await answer == ["slept_ms": 800])
        #expect(try await service.waitForExit() == 0)
        await client.close()
    }

    @Test func theGracePeriodBoundsTheWait() async throws {
        let directory = try makeScratchDirectory()
        let environment = serviceEnvironment(directory, extra: ["MAMI_DEBUG_METHODS": "1", "MAMI_SHUTDOWN_GRACE_MS": "300"])
        let service = try ServiceProcess("mami-memory", environment: environment, logPath: "\(directory)/memory.log")
        let client = try await waitForService(at: "\(directory)/run/memory.sock")
        let answer = Task { try await client.call("debug.sleep", params: ["ms": 60_000], timeout: .seconds(120)) }
        try await service.waitForLog("debug.sleep started")
        let start = ContinuousClock.now
        service.signal(SIGTERM)
        #expect(try await service.waitForExit() == 0, "\(service.log)")
        #expect(ContinuousClock.now - start < .seconds(10))
        await #expect(throws: RPCError.self) { try await answer.value }
        await client.close()
    }
}

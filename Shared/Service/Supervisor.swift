import Logging
import MamiSupervision
import ServiceLifecycle

/// Keeps systemd informed: `READY=1` once the socket listens, `WATCHDOG=1` at
/// half of `WATCHDOG_USEC` while the liveness checks pass, `STATUS=` lines, and
/// `STOPPING=1` when graceful shutdown begins.
///
/// `run()` ends when graceful shutdown begins (after sending `STOPPING=1`) or
/// when its task is cancelled.
struct Supervisor: Service {
    var health: HealthState
    var checks: [HealthCheck]
    var listening: AsyncStream<Void>
    var summary: @Sendable () async -> String
    var notifier = SystemdNotifier()
    var logger: Logger

    /// How often checks run: every second, or at the watchdog's half-interval when that is shorter.
    var period: Duration {
        guard let interval = notifier.watchdogInterval else { return .seconds(1) }
        return min(.seconds(1), interval / 2)
    }

    func run() async throws {
        var isListening = false
        for await _ in listening {
            isListening = true
            break
        }
        // The stream ends without an element when the RPC server failed to listen: never claim readiness then.
        guard isListening else { return }
        await health.runChecks(checks, timeLimit: timeLimit)
        notifier.ready(status: await summary())
        logger.info("ready", metadata: ["watchdog": "\(notifier.watchdogInterval.map { "\($0)" } ?? "off")"])
        await withGracefulShutdownHandler {
            await livenessLoop()
        } onGracefulShutdown: {
            notifier.stopping(status: "stopping")
        }
    }

    var timeLimit: Duration { min(.milliseconds(500), period / 2) }

    private func livenessLoop() async {
        let clock = ContinuousClock()
        let pingEvery = notifier.watchdogInterval.map { $0 / 2 }
        var lastPing = clock.now
        var lastStatus = ""
        if pingEvery != nil { notifier.watchdogPing() }
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do { try await Task.sleep(for: period) } catch { return }
            let live = await health.runChecks(checks, timeLimit: timeLimit)
            if let pingEvery, live, clock.now - lastPing >= pingEvery - period / 2 {
                notifier.watchdogPing()
                lastPing = clock.now
            }
            if !live { logger.warning("liveness check failed; watchdog not fed", metadata: ["health": "\(health.report())"]) }
            let status = await summary()
            if status != lastStatus {
                notifier.status(status)
                lastStatus = status
            }
        }
    }
}

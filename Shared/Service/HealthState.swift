import Foundation
import MamiCore
import NIOConcurrencyHelpers

/// One liveness check: something the service needs in order to do its work.
public struct HealthCheck: Sendable {
    public var name: String
    /// A failing critical check makes the service "failing" and stops the watchdog;
    /// a failing non-critical one only makes it "degraded".
    public var critical: Bool
    public var run: @Sendable () async throws -> Void

    public init(name: String, critical: Bool = true, run: @escaping @Sendable () async throws -> Void) {
        self.name = name
        self.critical = critical
        self.run = run
    }
}

/// The latest outcome of every check, readable without suspending, so that
/// `sys.health` answers at once even while a check hangs.
public final class HealthState: Sendable {
    struct Outcome: Sendable {
        var passed: Bool
        var critical: Bool
        var detail: String
        var checkedAt: ContinuousClock.Instant
        var latency: Duration
    }

    private let outcomes = NIOLockedValueBox<[String: Outcome]>([:])
    private let running = NIOLockedValueBox<[String: ContinuousClock.Instant]>([:])
    /// Results older than this count as failing: the loop that refreshes them has stalled.
    let staleAfter: Duration
    public let service: ServiceName
    public let startedAt = ContinuousClock.now
    let pid = Int64(ProcessInfo.processInfo.processIdentifier)
    /// Read live by every report: the checks themselves run on the pool it watches.
    let poolProbe: CooperativePoolProbe?

    public init(service: ServiceName, staleAfter: Duration, poolProbe: CooperativePoolProbe? = nil) {
        self.service = service
        self.staleAfter = staleAfter
        self.poolProbe = poolProbe
    }

    /// Runs every check once, each bounded by `timeLimit`, and records the outcomes.
    /// A check whose previous run has not returned is not started again: it fails.
    /// - Returns: whether every critical check passed and the cooperative pool keeps up.
    @discardableResult
    public func runChecks(_ checks: [HealthCheck], timeLimit: Duration) async -> Bool {
        let passed = await withTaskGroup(of: Bool.self) { group in
            for check in checks {
                group.addTask { await self.runCheck(check, timeLimit: timeLimit) || !check.critical }
            }
            return await group.reduce(true) { $0 && $1 }
        }
        return passed && poolProbe?.starvation() == nil
    }

    private func runCheck(_ check: HealthCheck, timeLimit: Duration) async -> Bool {
        let start = ContinuousClock.now
        if let since = beginRun(check.name, at: start) {
            record(check, passed: false, detail: "previous check still running after \(format(start - since))", start: start)
            return false
        }
        do {
            try await withTimeLimit(timeLimit) {
                defer { self.endRun(check.name) }
                try await check.run()
            }
            record(check, passed: true, detail: "ok", start: start)
            return true
        } catch {
            record(check, passed: false, detail: String(describing: error), start: start)
            return false
        }
    }

    /// Marks `name` running; returns when it started if it was running already.
    private func beginRun(_ name: String, at start: ContinuousClock.Instant) -> ContinuousClock.Instant? {
        running.withLockedValue { running in
            if let since = running[name] { return since }
            running[name] = start
            return nil
        }
    }

    private func endRun(_ name: String) {
        _ = running.withLockedValue { $0.removeValue(forKey: name) }
    }

    private func record(_ check: HealthCheck, passed: Bool, detail: String, start: ContinuousClock.Instant) {
        let now = ContinuousClock.now
        let outcome = Outcome(passed: passed, critical: check.critical, detail: detail, checkedAt: now, latency: now - start)
        outcomes.withLockedValue { $0[check.name] = outcome }
        snapshot.withLockedValue { $0 = nil }
    }

    private let snapshot = NIOLockedValueBox<(report: JSONValue, at: ContinuousClock.Instant)?>(nil)
    /// How long a built report is reused: probes come in bursts, outcomes change once a second.
    static let snapshotLifetime: Duration = .milliseconds(100)

    /// The `sys.health` result: `{"status","service","version","pid","uptime_s","checks"}`,
    /// at most ``snapshotLifetime`` old.
    public func report() -> JSONValue {
        let now = ContinuousClock.now
        if let cached = snapshot.withLockedValue({ $0 }), now - cached.at < Self.snapshotLifetime { return cached.report }
        let report = buildReport(at: now)
        snapshot.withLockedValue { $0 = (report, now) }
        return report
    }

    private func buildReport(at now: ContinuousClock.Instant) -> JSONValue {
        let snapshot = outcomes.withLockedValue { $0 }
        var checks: [String: JSONValue] = [:]
        var status = "ok"
        for (name, outcome) in snapshot {
            let age = now - outcome.checkedAt
            let stale = age > staleAfter
            let passed = outcome.passed && !stale
            if !passed { status = Self.worse(status, outcome.critical ? "failing" : "degraded") }
            checks[name] = [
                "ok": .bool(passed),
                "detail": .string(stale ? "stale: last checked \(format(age)) ago" : outcome.detail),
                "latency_us": .int(Int64(milliseconds(outcome.latency) * 1000)),
                "age_ms": .int(Int64(milliseconds(age))),
            ]
        }
        if snapshot.isEmpty { status = "failing" }
        if let poolProbe {
            let starved = poolProbe.starvation()
            if starved != nil { status = "failing" }
            checks["cooperative_pool"] = [
                "ok": .bool(starved == nil),
                "detail": .string(starved.map { "a task has waited \(format(.nanoseconds($0.nanoseconds))) for a thread" } ?? "ok"),
                "latency_us": .int(poolProbe.lastWait.nanoseconds / 1000),
                "age_ms": 0,
            ]
        }
        return [
            "status": .string(status),
            "service": .string(service.rawValue),
            "version": .string(MamiVersion.current),
            "pid": .int(pid),
            "uptime_s": .double((milliseconds(now - startedAt) / 10).rounded() / 100),
            "checks": .object(checks),
        ]
    }

    static func worse(_ a: String, _ b: String) -> String {
        let order = ["ok": 0, "degraded": 1, "failing": 2]
        return (order[a] ?? 2) >= (order[b] ?? 2) ? a : b
    }
}

func milliseconds(_ duration: Duration) -> Double {
    let (seconds, attoseconds) = duration.components
    return Double(seconds) * 1000 + Double(attoseconds) / 1e15
}

func format(_ duration: Duration) -> String {
    let ms = milliseconds(duration)
    return ms < 1000 ? "\(Int(ms)) ms" : "\((ms / 100).rounded() / 10) s"
}

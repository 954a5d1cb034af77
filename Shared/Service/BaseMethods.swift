import Foundation
import GRDB
import MamiCore
import MamiWire
import NIOCore
import NIOPosix

extension RPCMethods {
    /// `sys.health`: the health report, answered from recorded check outcomes without waiting on anything.
    ///
    /// Result: `{"status":"ok|degraded|failing","service","version","pid","uptime_s","checks":{name:{"ok","detail","latency_us","age_ms"}}}`.
    mutating func registerHealth(_ health: HealthState) {
        registerImmediate("sys.health") { _ in health.report() }
    }

    /// `sys.stats`: process and database figures plus the service's own statistics under `"service"`.
    mutating func registerStats(_ environment: ServiceEnvironment, extra: @escaping @Sendable () async throws -> JSONValue) {
        register("sys.stats") { _, _ in
            let database = environment.database
            let migrations = try await database.appliedMigrations()
            let bytes = try await database.sizeInBytes()
            return [
                "service": .string(environment.name.rawValue),
                "pid": .int(Int64(ProcessInfo.processInfo.processIdentifier)),
                "resident_bytes": ProcessStats.residentBytes().map { .int($0) } ?? .null,
                "database": [
                    "path": .string(database.path),
                    "bytes": .int(bytes),
                    "migrations": .array(migrations.map { .string($0) }),
                ],
                "stats": try await extra(),
            ]
        }
    }

    /// Test-only methods, registered only with `MAMI_DEBUG_METHODS=1`:
    /// `debug.hang {"target":"database"|"event_loop"|"cooperative_pool","seconds":N}` blocks
    /// the named executor on purpose (every thread of it), so tests can watch the watchdog stop;
    /// `debug.sleep {"ms":N}` answers after N ms, so tests can shut down with work in flight.
    mutating func registerDebug(_ environment: ServiceEnvironment) {
        register("debug.sleep") { context, params in
            let milliseconds = try params.requireObject().optionalInt("ms", in: 0...600_000) ?? 1000
            context.logger.notice("debug.sleep started", metadata: ["ms": "\(milliseconds)"])
            try await Task.sleep(for: .milliseconds(milliseconds))
            return ["slept_ms": .int(milliseconds)]
        }
        register("debug.hang") { _, params in
            let members = try params.requireObject()
            let target = try members.requireString("target")
            let seconds = try members.optionalInt("seconds", in: 1...600) ?? 5
            switch target {
            case "database":
                Task.detached {
                    try? await environment.database.writeWithoutTransaction { _ in sleep(UInt32(seconds)) }
                }
            case "event_loop":
                for loop in environment.eventLoopGroup.makeIterator() {
                    loop.execute { sleep(UInt32(seconds)) }
                }
            case "cooperative_pool":
                starveCooperativePool(for: .seconds(seconds))
            default:
                throw FieldError(field: "target", problem: "must be 'database', 'event_loop' or 'cooperative_pool'")
            }
            return ["hanging": .string(target), "seconds": .int(seconds)]
        }
    }
}

/// Blocks every cooperative thread until `duration` has passed: many more blocking
/// tasks than the pool has threads, each holding its thread until the same instant,
/// so the late ones return at once.
func starveCooperativePool(for duration: Duration) {
    let until = ContinuousClock.now + duration
    for _ in 0..<max(64, ProcessInfo.processInfo.activeProcessorCount * 8) {
        Task.detached {
            while ContinuousClock.now < until { usleep(10_000) }
        }
    }
}

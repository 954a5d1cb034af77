import GRDB
import MamiCore

/// Queue positions and time estimates, derived from the jobs table at the
/// moment of reading (I2): nothing here is stored or counted by hand.
///
/// A queued job's position is 1 + the queued jobs ahead of it; its estimate
/// covers what remains of the running job, the jobs ahead and itself. The
/// duration of a job is the mean of the last 20 that succeeded.
struct QueueView: Sendable {
    var averageDuration: Double
    var runningRemaining: Double

    static let sampleSize = 20

    init(_ db: Database, defaultEstimate: Double) throws {
        let durations = try Double.fetchAll(db, sql: """
            SELECT finished_at - started_at FROM jobs WHERE status = 'succeeded' ORDER BY finished_at DESC LIMIT ?
            """, arguments: [Self.sampleSize])
        let average = durations.isEmpty ? defaultEstimate : durations.reduce(0, +) / Double(durations.count)
        let running = try Int.fetchOne(db, sql: "SELECT progress FROM jobs WHERE status = 'running' LIMIT 1")
        averageDuration = average
        runningRemaining = running.map { average * Double(100 - $0) / 100 } ?? 0
    }

    /// The job with its position and estimate.
    func json(_ job: Job, _ db: Database) throws -> JSONValue {
        switch job.status {
        case .queued:
            let ahead = try Int.fetchOne(db, sql: "SELECT count(*) FROM jobs WHERE status = 'queued' AND queue_order < ?",
                                         arguments: [job.queueOrder]) ?? 0
            return json(job, position: ahead + 1)
        case .running:
            return job.json(position: 0, estimate: averageDuration * Double(100 - job.progress) / 100)
        default:
            return job.json(position: nil, estimate: nil)
        }
    }

    /// A queued job known to be at `position`.
    func json(_ job: Job, position: Int) -> JSONValue {
        job.json(position: position, estimate: runningRemaining + Double(position) * averageDuration)
    }
}

/// Reads over the jobs table that answer callers and operators.
extension JobStore {
    /// The job as callers see it, position and estimate included.
    func view(_ job: Job, defaultEstimate: Double) async throws -> JSONValue {
        try await database.read { db in try QueueView(db, defaultEstimate: defaultEstimate).json(job, db) }
    }

    func views(_ jobs: [Job], defaultEstimate: Double) async throws -> [JSONValue] {
        try await database.read { db in
            let view = try QueueView(db, defaultEstimate: defaultEstimate)
            return try jobs.map { try view.json($0, db) }
        }
    }

    /// Every queued job in order, with its position: what subscribers receive when the queue moves.
    func queuedViews(defaultEstimate: Double) async throws -> [JSONValue] {
        try await database.read { db in
            let view = try QueueView(db, defaultEstimate: defaultEstimate)
            let queued = try Self.fetchAll(db, where: "status = 'queued' ORDER BY queue_order")
            return queued.enumerated().map { view.json($0.element, position: $0.offset + 1) }
        }
    }

    /// Jobs changed after change number `since`, oldest change first, at most `limit`.
    func changes(since: Int64, limit: Int) async throws -> (jobs: [Job], latest: Int64) {
        try await database.read { db in
            let latest = try Self.nextChange(db) - 1
            let jobs = try Self.fetchAll(db, where: "change_seq > ? ORDER BY change_seq LIMIT ?", [since, limit])
            return (jobs, latest)
        }
    }

    /// `sys.stats`: jobs per status, the last failure, queue figures.
    func statistics(defaultEstimate: Double) async throws -> JSONValue {
        try await database.read { db in
            var counts = Dictionary(uniqueKeysWithValues: JobStatus.allCases.map { ($0.rawValue, JSONValue.int(0)) })
            for row in try Row.fetchAll(db, sql: "SELECT status, count(*) AS n FROM jobs GROUP BY status") {
                counts[row["status"] as String] = .int(row["n"])
            }
            let lastFailure = try Self.fetch(db, where: "status = 'failed' ORDER BY finished_at DESC LIMIT 1")
            let view = try QueueView(db, defaultEstimate: defaultEstimate)
            return [
                "jobs": .object(counts),
                "average_seconds": .double((view.averageDuration * 10).rounded() / 10),
                "last_error": lastFailure.map { job in
                    ["job_id": .string(job.id), "code": .string(job.errorCode ?? ""), "message": .string(job.errorMessage ?? ""),
                     "at": job.json(position: nil, estimate: nil)["finished_at"] ?? .null]
                } ?? .null,
            ]
        }
    }
}

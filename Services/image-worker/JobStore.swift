import Foundation
import GRDB
import MamiCore
import MamiService

/// A job as submitted, validated (``ImageRequestReader``).
struct NewJob: Sendable {
    var owner: String
    var conversationID: String?
    var messageID: String?
    var idempotencyKey: String?
    var prompt: String
    var params: JSONValue
}

/// image.db's jobs: the single truth about every job (I2, I9). Every change
/// takes the next change number, so subscribers can resume from one; queue
/// positions, estimates and statistics are queries over the same rows.
struct JobStore: Sendable {
    let database: ServiceDatabase

    static let columns = "seq, id, owner, conversation_id, message_id, idempotency_key, prompt, params, status, progress, attempts, error_code, error_message, placeholder, result_path, change_seq, queue_order, created_at, started_at, finished_at"

    static func now() -> Double { Date().timeIntervalSince1970 }

    /// The next change number (the unique index makes `max` a lookup).
    static func nextChange(_ db: Database) throws -> Int64 {
        try Int64.fetchOne(db, sql: "SELECT coalesce(max(change_seq), 0) + 1 FROM jobs") ?? 1
    }

    static func fetch(_ db: Database, where condition: String, _ arguments: StatementArguments = []) throws -> Job? {
        try Row.fetchOne(db, sql: "SELECT \(columns) FROM jobs WHERE \(condition)", arguments: arguments).map(Job.init(row:))
    }

    static func fetchAll(_ db: Database, where condition: String, _ arguments: StatementArguments = []) throws -> [Job] {
        try Row.fetchAll(db, sql: "SELECT \(columns) FROM jobs WHERE \(condition)", arguments: arguments).map(Job.init(row:))
    }

    /// Queues a job, or returns the one already queued under the same idempotency key.
    func submit(_ job: NewJob) async throws -> (job: Job, created: Bool) {
        try await database.write { db in
            if let key = job.idempotencyKey, let existing = try Self.fetch(db, where: "idempotency_key = ?", [key]) {
                return (existing, false)
            }
            let id = UUID().uuidString.lowercased()
            let change = try Self.nextChange(db)
            try db.execute(sql: """
                INSERT INTO jobs (id, owner, conversation_id, message_id, idempotency_key, prompt, params, status, change_seq, queue_order, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, 'queued', ?, ?, ?)
                """, arguments: [id, job.owner, job.conversationID, job.messageID, job.idempotencyKey ?? id, job.prompt,
                                 String(decoding: job.params.serialized(), as: UTF8.self), change, change, Self.now()])
            return (try Self.fetch(db, where: "id = ?", [id])!, true)
        }
    }

    func job(id: String) async throws -> Job? {
        try await database.read { db in try Self.fetch(db, where: "id = ?", [id]) }
    }

    /// The owner's jobs, newest first, after `cursor` (a job's `seq`).
    func list(owner: String, status: JobStatus?, before cursor: Int64?, limit: Int) async throws -> [Job] {
        try await database.read { db in
            var condition = "owner = ? AND seq < ?"
            var arguments: StatementArguments = [owner, cursor ?? Int64.max]
            if let status {
                condition += " AND status = ?"
                arguments += [status.rawValue]
            }
            return try Self.fetchAll(db, where: "\(condition) ORDER BY seq DESC LIMIT ?", arguments + [limit])
        }
    }

    /// Moves the first queued job to `running`, counting an attempt.
    func claimNext() async throws -> Job? {
        try await database.write { db in
            guard let next = try Self.fetch(db, where: "status = 'queued' ORDER BY queue_order LIMIT 1") else { return nil }
            try db.execute(sql: """
                UPDATE jobs SET status = 'running', attempts = attempts + 1, progress = 0, started_at = ?, change_seq = ? WHERE id = ?
                """, arguments: [Self.now(), try Self.nextChange(db), next.id])
            return try Self.fetch(db, where: "id = ?", [next.id])
        }
    }

    /// Counts another attempt of the running job `id`.
    func countAttempt(_ id: String) async throws -> Job? {
        try await change(id, from: [.running], set: "attempts = attempts + 1, progress = 0")
    }

    /// Records the running job's progress.
    func recordProgress(_ id: String, percent: Int) async throws -> Job? {
        try await change(id, from: [.running], set: "progress = ?", [percent])
    }

    /// Ends a live job; nil when it had already ended (exactly one terminal state, I7).
    func finish(_ id: String, as status: JobStatus, failure: JobFailure? = nil, resultPath: String? = nil) async throws -> Job? {
        precondition(status.isTerminal)
        return try await change(
            id, from: [.queued, .running],
            set: "status = ?, progress = coalesce(?, progress), error_code = ?, error_message = ?, placeholder = ?, result_path = ?, finished_at = ?",
            [status.rawValue, status == .succeeded ? 100 : nil, failure?.code, failure?.message, failure?.placeholder.rawValue, resultPath, Self.now()])
    }

    /// Puts a failed or cancelled job back at the end of the queue as a fresh job.
    func retry(_ id: String) async throws -> Job? {
        try await database.write { db in
            let change = try Self.nextChange(db)
            try db.execute(sql: """
                UPDATE jobs SET status = 'queued', progress = 0, attempts = 0, error_code = NULL, error_message = NULL,
                    placeholder = NULL, result_path = NULL, started_at = NULL, finished_at = NULL, change_seq = ?, queue_order = ?
                WHERE id = ? AND status IN ('failed', 'cancelled')
                """, arguments: [change, change, id])
            return db.changesCount == 1 ? try Self.fetch(db, where: "id = ?", [id]) : nil
        }
    }

    /// Returns a running job to the head of the queue (graceful shutdown).
    func requeue(_ id: String) async throws -> Job? {
        try await change(id, from: [.running], set: "status = 'queued', progress = 0, started_at = NULL")
    }

    /// At start-up: jobs left `running` by a crash go back to the queue, or fail once their attempts are spent.
    func recoverInterrupted(maxAttempts: Int) async throws -> (requeued: Int, failed: Int) {
        let interrupted = try await database.read { db in try Self.fetchAll(db, where: "status = 'running'") }
        var outcome = (requeued: 0, failed: 0)
        for job in interrupted {
            if job.attempts < maxAttempts {
                if try await requeue(job.id) != nil { outcome.requeued += 1 }
            } else if try await finish(job.id, as: .failed, failure: .restarted, resultPath: nil) != nil {
                outcome.failed += 1
            }
        }
        return outcome
    }

    /// Applies `assignments` to job `id` if its status is one of `from`, with a new change number.
    private func change(_ id: String, from statuses: [JobStatus], set assignments: String, _ arguments: StatementArguments = []) async throws -> Job? {
        let allowed = statuses.map { "'\($0.rawValue)'" }.joined(separator: ", ")
        return try await database.write { db in
            try db.execute(sql: "UPDATE jobs SET \(assignments), change_seq = ? WHERE id = ? AND status IN (\(allowed))",
                           arguments: arguments + [try Self.nextChange(db), id])
            return db.changesCount == 1 ? try Self.fetch(db, where: "id = ?", [id]) : nil
        }
    }
}

import Foundation
import GRDB
import MamiCore

/// A job's state. `queued` and `running` are live; the other three are terminal.
enum JobStatus: String, Sendable, CaseIterable {
    case queued, running, succeeded, failed, cancelled

    var isTerminal: Bool { self != .queued && self != .running }
}

/// Why a job failed, with the placeholder image and the message a person reads.
struct JobFailure: Error, Sendable, Equatable {
    enum Placeholder: String, Sendable, CaseIterable {
        case error, timeout, maintenance
    }

    var code: String
    var message: String
    var placeholder: Placeholder
    /// Worth another attempt: Forge refused, dropped, answered 5xx or stalled.
    var retryable: Bool

    static func stalled(after stall: Duration) -> JobFailure {
        JobFailure(code: "forge_stalled", message: "The image stopped making progress for \(stall.seconds) s; Forge seems stuck. Please try again.",
                   placeholder: .timeout, retryable: true)
    }

    static let deadline = JobFailure(code: "deadline_exceeded", message: "The image took longer than its time limit. Please try again.",
                                     placeholder: .timeout, retryable: false)
    static let circuitOpen = JobFailure(code: "forge_unavailable", message: "Image generation is unavailable for now: Forge keeps failing. Please try again in a minute.",
                                        placeholder: .maintenance, retryable: false)
    static let restarted = JobFailure(code: "interrupted", message: "The image worker restarted during this job too many times. Please try again.",
                                      placeholder: .error, retryable: false)
}

/// One row of `jobs`.
struct Job: Sendable, Equatable {
    var seq: Int64
    var id: String
    var owner: String
    var conversationID: String?
    var messageID: String?
    var idempotencyKey: String
    var prompt: String
    var params: JSONValue
    var status: JobStatus
    var progress: Int
    var attempts: Int
    var errorCode: String?
    var errorMessage: String?
    var placeholder: String?
    var resultPath: String?
    var changeSeq: Int64
    var queueOrder: Int64
    var createdAt: Double
    var startedAt: Double?
    var finishedAt: Double?

    init(row: Row) throws {
        seq = row["seq"]
        id = row["id"]
        owner = row["owner"]
        conversationID = row["conversation_id"]
        messageID = row["message_id"]
        idempotencyKey = row["idempotency_key"]
        prompt = row["prompt"]
        params = try JSONValue(parsing: row["params"] as String)
        status = JobStatus(rawValue: row["status"]) ?? .failed
        progress = row["progress"]
        attempts = row["attempts"]
        errorCode = row["error_code"]
        errorMessage = row["error_message"]
        placeholder = row["placeholder"]
        resultPath = row["result_path"]
        changeSeq = row["change_seq"]
        queueOrder = row["queue_order"]
        createdAt = row["created_at"]
        startedAt = row["started_at"]
        finishedAt = row["finished_at"]
    }

    /// The job as callers see it; `queue_position` and `estimated_seconds` come from ``QueueView``.
    func json(position: Int?, estimate: Double?) -> JSONValue {
        let error: JSONValue = errorCode.map { ["code": .string($0), "message": .string(errorMessage ?? "")] } ?? .null
        return [
            "id": .string(id), "owner": .string(owner), "conversation_id": Self.optional(conversationID),
            "message_id": Self.optional(messageID), "idempotency_key": .string(idempotencyKey), "prompt": .string(prompt),
            "params": params, "status": .string(status.rawValue), "progress": .int(Int64(progress)), "attempts": .int(Int64(attempts)),
            "error": error, "placeholder": Self.optional(placeholder), "result_path": Self.optional(resultPath),
            "seq": .int(changeSeq), "queue_position": position.map { .int(Int64($0)) } ?? .null,
            "estimated_seconds": estimate.map { .double(($0 * 10).rounded() / 10) } ?? .null,
            "created_at": Self.time(createdAt), "started_at": startedAt.map(Self.time) ?? .null,
            "finished_at": finishedAt.map(Self.time) ?? .null,
        ]
    }

    private static func optional(_ text: String?) -> JSONValue {
        text.map(JSONValue.string) ?? .null
    }

    private static func time(_ seconds: Double) -> JSONValue {
        .string(Date(timeIntervalSince1970: seconds).formatted(.iso8601))
    }
}

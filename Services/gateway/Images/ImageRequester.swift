import Foundation
import Hummingbird
import Logging
import MamiCore
import MamiWire

/// Creates an image message and its job together (I1): the message id is the
/// job's idempotency key, so a retried request never queues twice, and the
/// answer already carries `message_id` and `job_id`.
struct ImageRequester: Sendable {
    var store: ConversationStore
    var worker: RPCClient
    var mode: OperatingMode
    /// Image jobs a user may have queued or drawing at once (`MAMI_IMAGE_JOBS_PER_USER`).
    var maxOpenJobs: Int
    var logger: Logger
    static let submitTimeout: Duration = .seconds(5)
    static let workerDown = "Image generation is unavailable right now: the image worker is not answering. Please try again later."

    /// Stores an image message for the person's `words` at `placement` and submits it, with `prompt` (nil: the words).
    func request(user: User, conversationID: String, at placement: ConversationStore.Placement = .end, words: String,
                 prompt: ImagePrompt? = nil, params: [String: JSONValue]) async throws -> (Message, JSONValue?) {
        if mode.isDegraded { throw OperatingMode.imagesRefused }
        let message = try await store.addImageMessage(id: UUID().uuidString.lowercased(), conversationID: conversationID, at: placement,
                                                      prompt: words, userID: user.id, maxOpen: maxOpenJobs)
        return try await submit(message, user: user, prompt: prompt ?? ImagePrompt(prompt: words, negativePrompt: "", byModel: false), params: params)
    }

    /// Submits the job of a stored (queued) image message with `prompt`; the message keeps the person's words and
    /// the prompt, the job both too (`request_text`). The message says what happened either way.
    func submit(_ message: Message, user: User, prompt: ImagePrompt, params: [String: JSONValue]) async throws -> (Message, JSONValue?) {
        try await store.setImagePrompt(prompt, messageID: message.id)
        var submit = params
        submit.merge(["owner": .string(user.id), "prompt": .string(prompt.prompt), "request_text": .string(message.content),
                      "conversation_id": .string(message.conversationID), "message_id": .string(message.id),
                      "idempotency_key": .string(message.id)]) { $1 }
        if !prompt.negativePrompt.isEmpty { submit["negative_prompt"] = .string(prompt.negativePrompt) }
        do {
            let job = try await worker.call("image.submit", params: .object(submit), timeout: Self.submitTimeout)
            let updated = try await store.recordJob(messageID: message.id, jobID: job["id"]?.stringValue ?? "", status: job["status"]?.stringValue ?? "queued", error: nil)
            return (updated ?? message, job)
        } catch let error as RPCError where error.code == .invalidParams {
            _ = try await store.recordJob(messageID: message.id, jobID: "", status: "failed", error: error.message)
            throw error
        } catch {
            logger.notice("image request failed", metadata: ["message": "\(message.id)", "error": "\(error)"])
            let failed = try await store.recordJob(messageID: message.id, jobID: "", status: "failed", error: Self.workerDown)
            throw ImageUnavailable(message: failed ?? message)
        }
    }

    /// Throws the 429 of ``maxOpenJobs`` when `user` has that many images queued or drawing.
    func checkRoom(for user: User) async throws {
        if try await store.openImageJobs(userID: user.id) >= maxOpenJobs { throw ImageQueueFull(maxOpen: maxOpenJobs) }
    }

    /// The answer to an accepted image request.
    static func accepted(_ message: Message, _ job: JSONValue?) -> JSONValue {
        [
            "message_id": .string(message.id), "job_id": job?["id"] ?? .null, "conversation_id": .string(message.conversationID),
            "status": job?["status"] ?? .string(message.status), "queue_position": job?["queue_position"] ?? .null,
            "estimated_seconds": job?["estimated_seconds"] ?? .null, "message": message.json,
        ]
    }

    static func response(_ message: Message, _ job: JSONValue?) -> Response {
        JSONResponse.make(accepted(message, job), status: .accepted)
    }
}

/// The worker did not take the job; the message records why.
struct ImageUnavailable: Error, Sendable {
    var message: Message

    var response: Response {
        var body = APIError(.serviceUnavailable, "image_worker_unavailable", ImageRequester.workerDown).json.objectValue ?? [:]
        body["message"] = message.json
        return JSONResponse.make(.object(body), status: .serviceUnavailable)
    }
}

/// A job as the HTTP API shows it: no file paths, an image URL instead.
enum PublicJob {
    static func json(_ job: JSONValue) -> JSONValue {
        guard var members = job.objectValue else { return job }
        members["result_path"] = nil
        members["owner"] = nil
        members["idempotency_key"] = nil
        let id = members["id"]?.stringValue ?? ""
        let hasImage = ["succeeded", "failed"].contains(members["status"]?.stringValue ?? "")
        members["image_url"] = hasImage ? .string("/api/v1/images/\(id)") : .null
        return .object(members)
    }
}

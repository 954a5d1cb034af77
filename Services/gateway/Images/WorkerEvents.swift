import Logging
import MamiCore
import MamiWire
import NIOConcurrencyHelpers
import ServiceLifecycle

/// Follows the image worker's events (I3): records each job's status on its
/// message (on change only, not per progress tick), and forwards every event to
/// the owner's sockets as `image_progress`. It subscribes again after every
/// reconnect, resuming from the last change it saw, and reconciles open image
/// messages from the worker at start-up and on a resync.
struct WorkerEvents: Service {
    var client: RPCClient
    var store: ConversationStore
    var fanout: EventFanout
    var logger: Logger
    private let state = NIOLockedValueBox(State())

    struct State {
        var lastSeq: Int64?
        /// Status last written per live job (dropped at the terminal state: bounded by live jobs).
        var recorded: [String: String] = [:]
    }

    init(client: RPCClient, store: ConversationStore, fanout: EventFanout, logger: Logger) {
        self.client = client
        self.store = store
        self.fanout = fanout
        self.logger = logger
    }

    func run() async throws {
        let notifications = client.notifications
        let reader = Task {
            for await notification in notifications { await handle(notification) }
        }
        await subscribe()  // also connects; while the worker is down the client keeps retrying
        try? await gracefulShutdown()
        reader.cancel()
        await client.close()
    }

    private func handle(_ notification: RPCNotification) async {
        switch notification.method {
        case RPCClient.connectedNotification:
            await subscribe()
        case "job.updated":
            guard let job = notification.params?["job"] else { return }
            if let seq = notification.params?["seq"]?.intValue { state.withLockedValue { $0.lastSeq = max($0.lastSeq ?? 0, seq) } }
            await apply(job)
        case "events.resync":
            state.withLockedValue { $0.lastSeq = notification.params?["seq"]?.intValue }
            await reconcile()
        default:
            break
        }
    }

    private func subscribe() async {
        let since = state.withLockedValue { $0.lastSeq }
        do {
            let answer = try await client.call("events.subscribe", params: since.map { ["since": .int($0)] } ?? [:], timeout: .seconds(5))
            if since == nil {
                state.withLockedValue { $0.lastSeq = answer["seq"]?.intValue }
                await reconcile()
            }
        } catch {
            logger.debug("image worker events not subscribed yet", metadata: ["error": "\(error)"])
        }
    }

    /// Image messages left queued or running: ask the worker for each job's real state.
    func reconcile() async {
        guard let open = try? await store.openImageMessages() else { return }
        for message in open {
            guard let jobID = message.jobID, !jobID.isEmpty,
                  let job = try? await client.call("image.get", params: ["id": .string(jobID)], timeout: .seconds(5)) else { continue }
            await apply(job, publish: false)
        }
    }

    private func apply(_ job: JSONValue, publish: Bool = true) async {
        guard let jobID = job["id"]?.stringValue, let status = job["status"]?.stringValue else { return }
        if let messageID = job["message_id"]?.stringValue, shouldRecord(jobID, status) {
            _ = try? await store.recordJob(messageID: messageID, jobID: jobID, status: status, error: job["error"]?["message"]?.stringValue)
        }
        if publish, let owner = job["owner"]?.stringValue { fanout.publish(Self.event(job), to: owner) }
    }

    private func shouldRecord(_ jobID: String, _ status: String) -> Bool {
        state.withLockedValue { state in
            guard state.recorded[jobID] != status else { return false }
            let terminal = ["succeeded", "failed", "cancelled"].contains(status)
            state.recorded[jobID] = terminal ? nil : status
            return true
        }
    }

    /// The WebSocket shape of a job event.
    static func event(_ job: JSONValue) -> JSONValue {
        let id = job["id"]?.stringValue ?? ""
        let status = job["status"]?.stringValue ?? ""
        let prompt = job["prompt"]?.stringValue ?? ""
        return [
            "type": "image_progress", "job_id": .string(id), "conversation_id": job["conversation_id"] ?? .null,
            "message_id": job["message_id"] ?? .null, "status": .string(status), "progress": job["progress"] ?? 0,
            "queue_position": job["queue_position"] ?? .null, "estimated_seconds": job["estimated_seconds"] ?? .null,
            "prompt": .string(prompt.count > 80 ? String(prompt.prefix(77)) + "…" : prompt),
            "image_url": ["succeeded", "failed"].contains(status) ? .string("/api/v1/images/\(id)") : .null,
            "error": job["error"]?["message"] ?? .null,
        ]
    }
}

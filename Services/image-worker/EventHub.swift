import MamiCore
import MamiWire

/// Pushes `job.updated` notifications to subscribed connections (I3, I4).
///
/// Status changes go out at once. Progress of a job is coalesced to at most one
/// event per ``interval`` (the latest wins); queue moves likewise, each sending
/// every waiting job its new position. A subscriber that returns with `since`
/// first receives every job changed after that change number, from the
/// database, or `events.resync` when more than ``replayLimit`` changed or the
/// number is unknown to this database.
///
/// Events leave through one outbox, in the order they were decided, so a
/// subscriber never sees a job move backwards.
actor EventHub {
    private enum Outgoing: Sendable {
        case job(Job)
        case positions
    }

    static let interval: Duration = .milliseconds(500)
    static let replayLimit = 1000

    private let store: JobStore
    private let defaultEstimate: Double
    private var subscribers: Set<RPCConnection> = []
    private var lastProgress: [String: ContinuousClock.Instant] = [:]
    private var pendingProgress: [String: Task<Void, Never>] = [:]
    private var lastQueueMove = ContinuousClock.Instant.now - .seconds(1)
    private var queueMovePending: Task<Void, Never>?
    private(set) var published = 0
    private let outgoing: AsyncStream<Outgoing>
    private let outbox: AsyncStream<Outgoing>.Continuation
    private var sender: Task<Void, Never>?

    init(store: JobStore, defaultEstimate: Double) {
        self.store = store
        self.defaultEstimate = defaultEstimate
        (outgoing, outbox) = AsyncStream<Outgoing>.makeStream()
    }

    /// Queues an event for delivery; the outbox's reader starts with the first one and ends at ``close()``.
    private func post(_ item: Outgoing) {
        if sender == nil {
            let stream = outgoing
            sender = Task { for await item in stream { await self.deliver(item) } }
        }
        outbox.yield(item)
    }

    var subscriberCount: Int { subscribers.count }

    /// Registers `connection`, then replays what it missed since `since`.
    func subscribe(_ connection: RPCConnection, since: Int64?) async throws -> JSONValue {
        if subscribers.insert(connection).inserted {
            connection.onClose { Task { await self.unsubscribe(connection) } }
        }
        guard let since else {
            return ["seq": .int(try await store.changes(since: Int64.max, limit: 0).latest), "replayed": 0, "resync": false]
        }
        let (jobs, latest) = try await store.changes(since: since, limit: Self.replayLimit + 1)
        guard since <= latest, jobs.count <= Self.replayLimit else {
            connection.notify("events.resync", ["seq": .int(latest)])
            return ["seq": .int(latest), "replayed": 0, "resync": true]
        }
        for view in try await store.views(jobs, defaultEstimate: defaultEstimate) {
            connection.send(frame: Self.frame(view))
        }
        return ["seq": .int(latest), "replayed": .int(Int64(jobs.count)), "resync": false]
    }

    func unsubscribe(_ connection: RPCConnection) {
        subscribers.remove(connection)
    }

    /// A job's status changed (or it was submitted): sent at once; any pending progress of it is dropped.
    func statusChanged(_ job: Job) {
        pendingProgress.removeValue(forKey: job.id)?.cancel()
        if job.status.isTerminal { lastProgress[job.id] = nil } else { lastProgress[job.id] = .now }
        post(.job(job))
    }

    /// The running job advanced: sent now, or coalesced into one event at the end of the interval.
    func progressed(_ job: Job) {
        pendingProgress.removeValue(forKey: job.id)?.cancel()
        let due = (lastProgress[job.id] ?? .now - Self.interval) + Self.interval
        guard due > .now else {
            lastProgress[job.id] = .now
            post(.job(job))
            return
        }
        pendingProgress[job.id] = Task {
            try? await Task.sleep(until: due)
            guard !Task.isCancelled else { return }
            self.flushProgress(job)
        }
    }

    private func flushProgress(_ job: Job) {
        guard pendingProgress.removeValue(forKey: job.id) != nil else { return }
        lastProgress[job.id] = .now
        post(.job(job))
    }

    /// The queue moved (a job started, ended, joined or left it): every waiting job learns its position.
    func queueMoved() {
        guard queueMovePending == nil, !subscribers.isEmpty else { return }
        let due = max(lastQueueMove + Self.interval, .now)
        queueMovePending = Task {
            try? await Task.sleep(until: due)
            self.positionsDue()
        }
    }

    private func positionsDue() {
        queueMovePending = nil
        lastQueueMove = .now
        post(.positions)
    }

    /// The outbox's one reader: views are read from the database at delivery, in order.
    private func deliver(_ item: Outgoing) async {
        guard !subscribers.isEmpty else { return }
        switch item {
        case .job(let job):
            guard let view = try? await store.view(job, defaultEstimate: defaultEstimate) else { return }
            broadcast(Self.frame(view))
        case .positions:
            guard let views = try? await store.queuedViews(defaultEstimate: defaultEstimate) else { return }
            for view in views { broadcast(Self.frame(view)) }
        }
    }

    private func broadcast(_ frame: [UInt8]) {
        published += 1
        for subscriber in subscribers { subscriber.send(frame: frame) }
    }

    static func frame(_ view: JSONValue) -> [UInt8] {
        RPCMessage.notification(RPCNotification(method: "job.updated", params: ["seq": view["seq"] ?? .null, "job": view])).serialized()
    }

    /// Stops pending deliveries (shutdown).
    func close() {
        for task in pendingProgress.values { task.cancel() }
        pendingProgress.removeAll()
        queueMovePending?.cancel()
        queueMovePending = nil
        outbox.finish()
    }
}

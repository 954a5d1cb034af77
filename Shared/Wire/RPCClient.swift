import MamiCore
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// A JSON-RPC client of one service's Unix socket.
///
/// - Many calls may be in flight on its one connection; answers are matched by id.
/// - Every call has a deadline: the call fails with ``RPCErrorCode/deadlineExceeded``
///   at that instant whatever the peer does, and the deadline travels with the
///   request (`timeout_ms`) so the peer can stop too.
/// - While the peer is down a call fails at once with ``RPCErrorCode/unavailable``;
///   the client reconnects by itself in the background with exponential backoff.
/// - In-flight calls are bounded; beyond the bound a call fails with ``RPCErrorCode/overloaded``.
///
/// ```swift
/// let memory = RPCClient(configuration: .init(path: "/run/mami/memory.sock"))
/// let health = try await memory.call("sys.health", timeout: .milliseconds(250))
/// ```
public final class RPCClient: Sendable {
    /// Settings of a client.
    public struct Configuration: Sendable {
        public var path: String
        public var maxFrameBytes: Int
        public var maxInFlight: Int
        public var initialBackoff: TimeAmount
        public var maximumBackoff: TimeAmount

        public init(
            path: String,
            maxFrameBytes: Int = 1 << 20,
            maxInFlight: Int = 4096,
            initialBackoff: TimeAmount = .milliseconds(20),
            maximumBackoff: TimeAmount = .seconds(1)
        ) {
            self.path = path
            self.maxFrameBytes = maxFrameBytes
            self.maxInFlight = maxInFlight
            self.initialBackoff = initialBackoff
            self.maximumBackoff = maximumBackoff
        }
    }

    enum State {
        case idle
        case connecting(EventLoopFuture<any Channel>)
        case connected(any Channel)
        /// The last attempt failed; the next one runs at `retryAt` (scheduled in the background).
        case down(retryAt: NIODeadline, backoff: TimeAmount)
        case closed
    }

    public let configuration: Configuration
    /// Yielded into ``notifications`` by the client itself whenever it (re)connects:
    /// subscriptions belong to a connection, so this is the moment to renew them.
    public static let connectedNotification = "rpc.connected"
    /// Notifications the peer pushes (for example events after `events.subscribe`),
    /// and ``connectedNotification`` each time a connection is established.
    public let notifications: AsyncStream<RPCNotification>
    private let notificationSink: AsyncStream<RPCNotification>.Continuation
    private let group: any EventLoopGroup
    private let state = NIOLockedValueBox<State>(.idle)
    private let counters = NIOLockedValueBox<(nextID: Int64, inFlight: Int)>((1, 0))

    public init(configuration: Configuration, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) {
        self.configuration = configuration
        self.group = group
        (notifications, notificationSink) = AsyncStream.makeStream(bufferingPolicy: .bufferingNewest(4096))
    }

    /// Calls `method` and returns its result, or throws ``RPCError``.
    /// - Parameter timeout: the whole budget of the call, connecting included.
    public func call(_ method: String, params: JSONValue? = nil, timeout: Duration) async throws -> JSONValue {
        let cancellation = CallCancellation()
        return try await withTaskCancellationHandler {
            try await start(method, params: params, timeout: timeout) { cancellation.sent(abandon: $0) }.get()
        } onCancel: {
            cancellation.cancel()
        }
    }

    /// The same call for code that runs on an event loop and must not wait on the
    /// cooperative pool (the gateway's `/health`): the result completes on an event loop.
    public func callFuture(_ method: String, params: JSONValue? = nil, timeout: Duration) -> EventLoopFuture<JSONValue> {
        start(method, params: params, timeout: timeout) { _ in }
    }

    /// Sends the call once connected; `abandonable` receives a way to give up on it once it is sent.
    private func start(
        _ method: String, params: JSONValue?, timeout: Duration, abandonable: @escaping @Sendable (@escaping @Sendable () -> Void) -> Void
    ) -> EventLoopFuture<JSONValue> {
        let deadline = NIODeadline.now() + TimeAmount(timeout)
        let id: Int64
        do { id = try reserveCall() } catch { return group.next().makeFailedFuture(error) }
        let result = connectionFuture(before: deadline).flatMap { channel in
            self.send(RPCRequest(id: .int(id), method: method, params: params, timeoutMilliseconds: 0), on: channel, deadline: deadline, abandonable: abandonable)
        }
        result.whenComplete { _ in self.releaseCall() }
        return result
    }

    private func send(
        _ request: RPCRequest, on channel: any Channel, deadline: NIODeadline, abandonable: @Sendable (@escaping @Sendable () -> Void) -> Void
    ) -> EventLoopFuture<JSONValue> {
        var request = request
        request.timeoutMilliseconds = max(0, (deadline - .now()).nanoseconds / 1_000_000)
        let body = RPCMessage.request(request).serialized()
        guard body.count <= configuration.maxFrameBytes else {
            return channel.eventLoop.makeFailedFuture(
                RPCError(.invalidRequest, "request of \(body.count) bytes exceeds the maximum frame of \(configuration.maxFrameBytes) bytes"))
        }
        guard case .int(let id) = request.id else { preconditionFailure("client calls have integer ids") }
        let promise = channel.eventLoop.makePromise(of: JSONValue.self)
        channel.writeAndFlush(OutboundCall(id: id, body: body, deadline: deadline, promise: promise)).whenFailure { _ in
            promise.fail(RPCError(.unavailable, "the connection closed"))
        }
        abandonable { channel.triggerUserOutboundEvent(AbandonCall(id: id), promise: nil) }
        return promise.futureResult
    }

    /// Whether the client holds a live connection now.
    public var isConnected: Bool {
        state.withLockedValue { state in
            if case .connected(let channel) = state { return channel.isActive }
            return false
        }
    }

    /// Closes the connection and stops reconnecting; later calls fail with "unavailable".
    public func close() async {
        let previous = state.withLockedValue { state -> State in
            defer { state = .closed }
            return state
        }
        notificationSink.finish()
        switch previous {
        case .connected(let channel): try? await channel.close()
        case .connecting(let future): try? await future.get().close()
        default: break
        }
    }

    private func reserveCall() throws -> Int64 {
        try counters.withLockedValue { counters in
            guard counters.inFlight < configuration.maxInFlight else {
                throw RPCError(.overloaded, "more than \(configuration.maxInFlight) calls in flight")
            }
            counters.inFlight += 1
            defer { counters.nextID &+= 1 }
            return counters.nextID
        }
    }

    private func releaseCall() {
        counters.withLockedValue { $0.inFlight -= 1 }
    }
}

extension RPCClient {
    /// The live channel, a connection attempt in progress, or an immediate "unavailable".
    func connectionFuture(before deadline: NIODeadline) -> EventLoopFuture<any Channel> {
        var launch: (promise: EventLoopPromise<any Channel>, backoff: TimeAmount)?
        let future: EventLoopFuture<any Channel> = state.withLockedValue { state in
            switch state {
            case .connected(let channel) where channel.isActive:
                return channel.eventLoop.makeSucceededFuture(channel)
            case .connecting(let future):
                return future
            case .down(let retryAt, _) where retryAt > .now():
                return group.next().makeFailedFuture(RPCError(.unavailable, "\(configuration.path) is down"))
            case .closed:
                return group.next().makeFailedFuture(RPCError(.unavailable, "the client is closed"))
            default:
                let promise = group.next().makePromise(of: (any Channel).self)
                launch = (promise, backoff(of: state))
                state = .connecting(promise.futureResult)
                return promise.futureResult
            }
        }
        if let launch { connect(completing: launch.promise, backoff: launch.backoff) }
        let path = configuration.path
        return future.flatMapErrorThrowing { error in
            if error is RPCError { throw error }
            throw RPCError(.unavailable, "cannot connect to \(path): \(error)")
        }
    }

    private func backoff(of state: State) -> TimeAmount {
        if case .down(_, let backoff) = state { return backoff }
        return configuration.initialBackoff
    }

    /// Makes one connection attempt; its outcome moves the state to connected or
    /// down before `promise` completes. Never called with the state lock held.
    private func connect(completing promise: EventLoopPromise<any Channel>, backoff: TimeAmount) {
        let maxFrameBytes = configuration.maxFrameBytes
        let sink = notificationSink
        ClientBootstrap(group: group)
            .connectTimeout(.seconds(1))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addFrameCodec(maximumFrameBytes: maxFrameBytes)
                    try channel.pipeline.syncOperations.addHandler(RPCClientHandler { sink.yield($0) })
                }
            }
            .connect(unixDomainSocketPath: configuration.path)
            .whenComplete { result in
                switch result {
                case .success(let channel): self.connected(channel)
                case .failure: self.failedToConnect(backoff: backoff)
                }
                promise.completeWith(result)
            }
    }

    private func connected(_ channel: any Channel) {
        let accepted = state.withLockedValue { state -> Bool in
            guard case .connecting = state else { return false }
            state = .connected(channel)
            return true
        }
        guard accepted else { return channel.close(promise: nil) }
        channel.closeFuture.whenComplete { _ in self.disconnected(channel) }
        notificationSink.yield(RPCNotification(method: Self.connectedNotification, params: nil))
    }

    private func disconnected(_ channel: any Channel) {
        let reconnect = state.withLockedValue { state -> Bool in
            guard case .connected(let current) = state, current === channel else { return false }
            state = .down(retryAt: .now(), backoff: configuration.initialBackoff)
            return true
        }
        if reconnect { scheduleReconnect(at: .now()) }
    }

    private func failedToConnect(backoff: TimeAmount) {
        let retryAt = NIODeadline.now() + backoff
        let next = min(backoff * 2, configuration.maximumBackoff)
        let changed = state.withLockedValue { state -> Bool in
            guard case .connecting = state else { return false }
            state = .down(retryAt: retryAt, backoff: next)
            return true
        }
        if changed { scheduleReconnect(at: retryAt) }
    }

    /// Background reconnection: at `time`, if still down, try again.
    private func scheduleReconnect(at time: NIODeadline) {
        group.next().scheduleTask(deadline: time) {
            let launch: (EventLoopPromise<any Channel>, TimeAmount)? = self.state.withLockedValue { state in
                guard case .down(_, let backoff) = state else { return nil }
                let promise = self.group.next().makePromise(of: (any Channel).self)
                state = .connecting(promise.futureResult)
                return (promise, backoff)
            }
            if let (promise, backoff) = launch { self.connect(completing: promise, backoff: backoff) }
        }
    }
}

/// Gives up on a call when its task is cancelled, whether that happens before or after the call is sent.
private final class CallCancellation: Sendable {
    private let state = NIOLockedValueBox<(cancelled: Bool, abandon: (@Sendable () -> Void)?)>((false, nil))

    func sent(abandon: @escaping @Sendable () -> Void) {
        let cancelled = state.withLockedValue { state in
            state.abandon = abandon
            return state.cancelled
        }
        if cancelled { abandon() }
    }

    func cancel() {
        state.withLockedValue { state in
            state.cancelled = true
            return state.abandon
        }?()
    }
}

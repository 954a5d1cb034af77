import Logging
import MamiCore
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
#if canImport(Glibc)
import Glibc
#endif

/// Where a server listens.
public enum ListenAddress: Sendable, CustomStringConvertible {
    /// Bind this path, replacing a stale socket file; the file is removed on exit.
    case path(String)
    /// Adopt an already listening socket (systemd socket activation); the file is left alone.
    case inherited(fd: Int32, path: String?)

    public var description: String {
        switch self {
        case .path(let path): return path
        case .inherited(let fd, let path): return "fd \(fd)" + (path.map { " (\($0))" } ?? "")
        }
    }
}

/// The open connections of a server, so that shutdown can drain them.
///
/// Connections are registered as they are accepted (in the channel initializer),
/// so none escapes a shutdown by being accepted while the server stops.
final class ConnectionTracker: Sendable {
    private struct State {
        var channels: [ObjectIdentifier: any Channel] = [:]
        var accepting = true
    }

    private let state = NIOLockedValueBox(State())

    /// Registers `channel`; false once the server has stopped accepting.
    func add(_ channel: any Channel) -> Bool {
        let added = state.withLockedValue { state in
            guard state.accepting else { return false }
            state.channels[ObjectIdentifier(channel)] = channel
            return true
        }
        if added {
            channel.closeFuture.whenComplete { _ in self.remove(channel) }
        }
        return added
    }

    private func remove(_ channel: any Channel) {
        _ = state.withLockedValue { $0.channels.removeValue(forKey: ObjectIdentifier(channel)) }
    }

    /// Refuses further connections and returns the open ones.
    func stopAccepting() -> [any Channel] {
        state.withLockedValue { state in
            state.accepting = false
            return Array(state.channels.values)
        }
    }

    var all: [any Channel] { state.withLockedValue { Array($0.channels.values) } }
}

/// A JSON-RPC server on a Unix socket: length-prefixed frames, many requests in
/// flight per connection, deadlines, peer-uid checks.
///
/// `run()` binds (or adopts) the socket and serves until its task is cancelled
/// or ``shutdown()`` is called; it then stops accepting, lets each connection
/// finish what it serves (refusing new requests with "unavailable"), and
/// returns when every connection has closed. Cancel the task to cut that short.
public final class RPCServer: Sendable {
    /// Settings of the server.
    public struct Configuration: Sendable {
        public var address: ListenAddress
        public var maxFrameBytes: Int
        public var maxInFlightPerConnection: Int
        /// Applied to requests that carry no `timeout_ms`.
        public var defaultTimeout: TimeAmount
        public var allowedPeerUIDs: Set<UInt32>
        /// Mode of a socket file the server binds itself.
        public var socketFileMode: mode_t

        public init(
            address: ListenAddress,
            maxFrameBytes: Int = 1 << 20,
            maxInFlightPerConnection: Int = 1024,
            defaultTimeout: TimeAmount = .seconds(30),
            allowedPeerUIDs: Set<UInt32> = [0, getuid()],
            socketFileMode: mode_t = 0o660
        ) {
            self.address = address
            self.maxFrameBytes = maxFrameBytes
            self.maxInFlightPerConnection = maxInFlightPerConnection
            self.defaultTimeout = defaultTimeout
            self.allowedPeerUIDs = allowedPeerUIDs
            self.socketFileMode = socketFileMode
        }
    }

    private let configuration: Configuration
    private let methods: RPCMethods
    private let group: any EventLoopGroup
    private let logger: Logger
    private let tracker = ConnectionTracker()
    private let listening = NIOLockedValueBox<ListenState>(.idle)

    enum ListenState {
        case idle
        case listening(any Channel)
        case shuttingDown
    }

    public init(configuration: Configuration, methods: RPCMethods, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton, logger: Logger) {
        self.configuration = configuration
        self.methods = methods
        self.group = group
        self.logger = logger
    }

    /// Serves until shut down or cancelled; see the type's documentation.
    /// - Parameter onListening: called once the socket accepts connections.
    public func run(onListening: @Sendable () async -> Void = {}) async throws {
        let listener = try await bind()
        guard registerListener(listener) else {
            try? await listener.close()
            return
        }
        defer { removeSocketFileIfOwned() }
        logger.info("listening", metadata: ["socket": "\(configuration.address)"])
        await onListening()
        try await withTaskCancellationHandler {
            do {
                try await serve(listener)
            } catch where Task.isCancelled {
                // Cancelled: the owner stopped the server on purpose; everything is closed.
            }
            await drainConnections()
        } onCancel: {
            self.closeEverything()
        }
    }

    /// Stops accepting and drains the open connections; `run()` returns when they are closed.
    public func shutdown() {
        let previous = listening.withLockedValue { state -> ListenState in
            defer { state = .shuttingDown }
            return state
        }
        if case .listening(let channel) = previous { channel.close(promise: nil) }
    }

    private func registerListener(_ channel: any Channel) -> Bool {
        listening.withLockedValue { state in
            guard case .idle = state else { return false }
            state = .listening(channel)
            return true
        }
    }

    /// Until the listener closes. Connections are accepted, set up and tracked on the
    /// event loop by the child initializer, so a starved cooperative pool does not stop
    /// the server accepting probes (an async sequence of connections would, once its
    /// buffer of unconsumed ones filled).
    private func serve(_ listener: any Channel) async throws {
        try await withTaskCancellationHandler {
            try await listener.closeFuture.get()
        } onCancel: {
            listener.close(promise: nil)
        }
        for connection in tracker.stopAccepting() {
            connection.pipeline.fireUserInboundEventTriggered(DrainEvent())
        }
    }

    private func drainConnections() async {
        for connection in tracker.all {
            try? await connection.closeFuture.get()
        }
    }

    private func closeEverything() {
        shutdown()
        for connection in tracker.stopAccepting() { connection.close(promise: nil) }
    }

    private func bind() async throws -> any Channel {
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            // Room for bursts of pushed events; a peer further behind is disconnected (RPCConnection).
            .childChannelOption(.writeBufferWaterMark, value: .init(low: 1 << 20, high: 8 << 20))
            .childChannelInitializer(childInitializer())
        switch configuration.address {
        case .path(let path):
            let channel = try await bootstrap.bind(unixDomainSocketPath: path, cleanupExistingSocketFile: true).get()
            chmod(path, configuration.socketFileMode)
            return channel
        case .inherited(let fd, _):
            return try await bootstrap.withBoundSocket(fd).get()
        }
    }

    private func childInitializer() -> @Sendable (any Channel) -> EventLoopFuture<Void> {
        let settings = RPCConnectionHandler.Settings(
            methods: methods,
            maxInFlight: configuration.maxInFlightPerConnection,
            maxFrameBytes: configuration.maxFrameBytes,
            defaultTimeout: configuration.defaultTimeout,
            policy: PeerPolicy(allowedUIDs: configuration.allowedPeerUIDs),
            logger: logger
        )
        let maxFrameBytes = configuration.maxFrameBytes
        let tracker = tracker
        return { channel in
            guard tracker.add(channel) else {
                return channel.close()
            }
            return channel.eventLoop.makeCompletedFuture {
                try channel.pipeline.syncOperations.addFrameCodec(maximumFrameBytes: maxFrameBytes)
                try channel.pipeline.syncOperations.addHandler(RPCConnectionHandler(settings: settings))
            }
        }
    }

    private func removeSocketFileIfOwned() {
        if case .path(let path) = configuration.address { unlink(path) }
    }
}

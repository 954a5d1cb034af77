import Logging
import MamiCore
import NIOCore

/// Serves the requests of one connection.
///
/// Each request runs as its own task, started with `Task.immediate` so a handler
/// that does not suspend answers on the event loop without a thread hop. The
/// handler owns those tasks: it cancels them when the connection goes away. An
/// answer is written exactly once: by the task, or by the deadline timer if
/// that fires first. In-flight work is bounded; beyond the bound the answer is
/// "overloaded". A framing error answers "invalid request" and closes.
final class RPCConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    struct Settings: Sendable {
        var methods: RPCMethods
        var maxInFlight: Int
        var maxFrameBytes: Int
        var defaultTimeout: TimeAmount
        var policy: PeerPolicy
        var logger: Logger
    }

    /// A request being served: its task and its deadline timer, until the answer is written.
    struct InFlight {
        var id: RPCID
        var task: Task<Void, Never>?
        var timer: Scheduled<Void>?
        var answered = false
    }

    private let settings: Settings
    private var peer: PeerCredentials?
    private var inFlight: [UInt64: InFlight] = [:]
    private var nextToken: UInt64 = 0
    private var draining = false
    /// True between the first `channelRead` of a burst and `channelReadComplete`.
    private var reading = false
    private var needsFlush = false
    private var context: ChannelHandlerContext?

    init(settings: Settings) {
        self.settings = settings
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func channelActive(context: ChannelHandlerContext) {
        let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
        context.channel.peerCredentials().whenComplete { result in
            bound.value.admit(result)
        }
        context.fireChannelActive()
    }

    private func admit(_ result: Result<PeerCredentials, any Error>) {
        switch result {
        case .success(let credentials) where settings.policy.admits(credentials):
            peer = credentials
        case .success(let credentials):
            settings.logger.warning("refused peer", metadata: ["peer": "\(credentials)"])
            failAndClose(RPCError(.forbidden, "uid \(credentials.uid) may not use this socket"))
        case .failure(let error):
            failAndClose(RPCError(.forbidden, "peer credentials unavailable: \(error)"))
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        guard peer != nil else { return }
        reading = true
        let message: RPCMessage
        do {
            message = try frame.withUnsafeReadableBytes { raw throws(RPCFrameError) in
                try RPCMessage.parse(raw.assumingMemoryBound(to: UInt8.self))
            }
        } catch {
            write(RPCResponse(id: error.id, outcome: .failure(error.error)))
            return
        }
        route(message)
    }

    private func route(_ message: RPCMessage) {
        switch message {
        case .request(let request):
            start(request)
        case .notification(let notification):
            settings.logger.debug("ignored notification", metadata: ["method": "\(notification.method)"])
        case .response(let response):
            settings.logger.debug("ignored response", metadata: ["id": "\(response.id?.description ?? "null")"])
        }
    }

    private func start(_ request: RPCRequest) {
        guard let context, let peer else { return }
        if draining {
            return write(RPCResponse(id: request.id, outcome: .failure(RPCError(.unavailable, "the service is shutting down"))))
        }
        guard inFlight.count < settings.maxInFlight else {
            let error = RPCError(.overloaded, "more than \(settings.maxInFlight) requests in flight on this connection")
            return write(RPCResponse(id: request.id, outcome: .failure(error)))
        }
        switch settings.methods.entry(for: request.method) {
        case nil:
            write(RPCResponse(id: request.id, outcome: .failure(RPCError(.methodNotFound, "no method '\(request.method)'"))))
        case .immediate(let handler)?:
            write(RPCResponse(id: request.id, outcome: RPCMethods.respond(handler, params: request.params)))
        case .async(let handler)?:
            startTask(request, handler: handler, peer: peer, context: context)
        }
    }

    /// Runs an async handler as a task owned by this connection, with a deadline timer.
    private func startTask(_ request: RPCRequest, handler: @escaping RPCMethods.Handler, peer: PeerCredentials, context: ChannelHandlerContext) {
        let timeout = request.timeoutMilliseconds.map { TimeAmount.milliseconds(max(0, $0)) } ?? settings.defaultTimeout
        let deadline = NIODeadline.now() + timeout
        let token = nextToken
        nextToken &+= 1
        inFlight[token] = InFlight(id: request.id)
        let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
        let connection = RPCConnection(channel: context.channel, maxFrameBytes: settings.maxFrameBytes)
        let callContext = RPCContext(deadline: deadline, peer: peer, requestID: request.id, logger: settings.logger, connection: connection)
        let loop = context.eventLoop
        let task = Task.immediate {
            let outcome = await RPCMethods.respond(handler, params: request.params, context: callContext)
            // Still on the event loop when the handler did not suspend: answer inline, in this read burst.
            if loop.inEventLoop {
                bound.value.finish(token, outcome)
            } else {
                loop.execute { bound.value.finish(token, outcome) }
            }
        }
        guard inFlight[token] != nil else { return }  // answered synchronously
        inFlight[token]?.task = task
        inFlight[token]?.timer = loop.scheduleTask(deadline: deadline) {
            bound.value.answer(token, .failure(RPCError(.deadlineExceeded, "deadline of \(timeout.nanoseconds / 1_000_000) ms passed")))
        }
    }

    /// Writes the answer of `token` unless one was written already (the deadline won).
    private func answer(_ token: UInt64, _ outcome: Result<JSONValue, RPCError>) {
        guard var entry = inFlight[token], !entry.answered else { return }
        entry.answered = true
        entry.timer?.cancel()
        inFlight[token] = entry
        write(RPCResponse(id: entry.id, outcome: outcome))
        if case .failure(let error) = outcome, error.code == .deadlineExceeded { entry.task?.cancel() }
    }

    /// The task of `token` ended: answer if nobody has, then release its slot.
    private func finish(_ token: UInt64, _ outcome: Result<JSONValue, RPCError>) {
        answer(token, outcome)
        inFlight[token] = nil
        if draining && inFlight.isEmpty { context?.close(promise: nil) }
    }

    /// Writes an answer. Answers produced while a read burst is being handled are
    /// flushed together at `channelReadComplete`; any other answer is flushed at once.
    private func write(_ response: RPCResponse) {
        guard let context else { return }
        var bytes = RPCMessage.response(response).serialized()
        if bytes.count > settings.maxFrameBytes {
            let error = RPCError(.internalError, "the answer of \(bytes.count) bytes exceeds the maximum frame of \(settings.maxFrameBytes) bytes")
            bytes = RPCMessage.response(RPCResponse(id: response.id, outcome: .failure(error))).serialized()
        }
        var buffer = context.channel.allocator.buffer(capacity: bytes.count)
        buffer.writeBytes(bytes)
        if reading {
            context.write(wrapOutboundOut(buffer), promise: nil)
            needsFlush = true
        } else {
            context.writeAndFlush(wrapOutboundOut(buffer), promise: nil)
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        reading = false
        if needsFlush {
            needsFlush = false
            context.flush()
        }
        context.fireChannelReadComplete()
    }

    private func failAndClose(_ error: RPCError) {
        reading = false
        write(RPCResponse(id: nil, outcome: .failure(error)))
        context?.close(promise: nil)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if let frameError = error as? FrameError {
            settings.logger.notice("closing connection after a framing error", metadata: ["error": "\(frameError)"])
            failAndClose(RPCError(.invalidRequest, frameError.description))
        } else {
            settings.logger.debug("connection error", metadata: ["error": "\(error)"])
            context.close(promise: nil)
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard event is DrainEvent else { return context.fireUserInboundEventTriggered(event) }
        draining = true
        if inFlight.isEmpty { context.close(promise: nil) }
    }

    func channelInactive(context: ChannelHandlerContext) {
        for entry in inFlight.values {
            entry.timer?.cancel()
            entry.task?.cancel()
        }
        inFlight.removeAll()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }
}

/// Asks a connection to finish what it serves, refuse new requests, then close.
struct DrainEvent: Sendable {}

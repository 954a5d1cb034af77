import MamiCore
import NIOCore

/// A call on its way out: the frame body, the promise to complete, and its deadline.
struct OutboundCall {
    var id: Int64
    var body: [UInt8]
    var deadline: NIODeadline
    var promise: EventLoopPromise<JSONValue>
}

/// Asks the handler to give up on a call (the caller was cancelled).
struct AbandonCall: Sendable {
    var id: Int64
}

/// The client end of a connection: matches answers to calls by id, fails calls
/// at their deadline, passes notifications on, and fails everything pending
/// with "unavailable" when the connection drops.
final class RPCClientHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = OutboundCall
    typealias OutboundOut = ByteBuffer

    private struct Pending {
        var promise: EventLoopPromise<JSONValue>
        var timer: Scheduled<Void>
    }

    private var pending: [Int64: Pending] = [:]
    private let onNotification: @Sendable (RPCNotification) -> Void

    init(onNotification: @escaping @Sendable (RPCNotification) -> Void) {
        self.onNotification = onNotification
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let call = unwrapOutboundIn(data)
        let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
        let timer = context.eventLoop.scheduleTask(deadline: call.deadline) {
            bound.value.complete(call.id, .failure(RPCError(.deadlineExceeded, "no answer before the deadline")))
        }
        pending[call.id] = Pending(promise: call.promise, timer: timer)
        var buffer = context.channel.allocator.buffer(capacity: call.body.count)
        buffer.writeBytes(call.body)
        context.write(wrapOutboundOut(buffer), promise: promise)
    }

    func triggerUserOutboundEvent(context: ChannelHandlerContext, event: Any, promise: EventLoopPromise<Void>?) {
        guard let abandon = event as? AbandonCall else {
            return context.triggerUserOutboundEvent(event, promise: promise)
        }
        complete(abandon.id, .failure(RPCError(.unavailable, "the call was cancelled")))
        promise?.succeed()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        let parsed = try? frame.withUnsafeReadableBytes { raw throws(RPCFrameError) in
            try RPCMessage.parse(raw.assumingMemoryBound(to: UInt8.self))
        }
        guard let message = parsed else { return }
        switch message {
        case .response(let response):
            guard case .int(let id)? = response.id else { return }
            complete(id, response.outcome.mapError { $0 })
        case .notification(let notification):
            onNotification(notification)
        case .request:
            break
        }
    }

    private func complete(_ id: Int64, _ outcome: Result<JSONValue, any Error>) {
        guard let entry = pending.removeValue(forKey: id) else { return }
        entry.timer.cancel()
        entry.promise.completeWith(outcome)
    }

    func channelInactive(context: ChannelHandlerContext) {
        let entries = pending
        pending.removeAll()
        for entry in entries.values {
            entry.timer.cancel()
            entry.promise.fail(RPCError(.unavailable, "the connection closed"))
        }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}

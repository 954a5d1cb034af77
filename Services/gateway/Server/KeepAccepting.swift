import NIOCore

/// On the HTTP listener: asks for the next connection after each batch is accepted,
/// whether or not Hummingbird's accept loop has taken the last ones.
///
/// That loop is a task on the cooperative pool, and its async sequence stops the
/// listener reading once ten connections wait unconsumed. While the pool is
/// starved, that would leave new `/health` probes in the kernel's backlog although
/// ``HealthResponder`` could answer them on the event loop. Placed after NIO's
/// accept back-off handler, so a full file table still slows accepting down.
final class KeepAccepting: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny

    func channelReadComplete(context: ChannelHandlerContext) {
        context.fireChannelReadComplete()
        context.read()
    }

    /// Adds the handler to a listener that NIO's `ServerBootstrap` built.
    static func install(on listener: any Channel) -> EventLoopFuture<Void> {
        listener.eventLoop.submit {
            let pipeline = listener.pipeline.syncOperations
            try pipeline.addHandler(KeepAccepting(), position: .after(try pipeline.context(name: "AcceptBackOffHandler").handler))
        }
    }
}

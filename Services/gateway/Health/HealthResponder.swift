import HTTPTypes
import NIOCore
import NIOHTTPTypes

/// Answers `GET /health` (and `/api/v1/health`) in the channel pipeline, on the
/// connection's event loop, before a request reaches Hummingbird's router: the
/// router's handlers run on the cooperative pool, and health must answer while
/// that pool is wedged. Every other request passes through untouched.
///
/// Responses stay in order: a health request that arrives while an earlier
/// request on the connection is still being answered goes on to the router, and
/// requests pipelined behind a health answer wait until it is written.
final class HealthResponder: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private let endpoint: HealthEndpoint
    /// Requests passed on whose responses have not ended yet.
    private var passedOn = 0
    /// Between a health request's head and its end: its parts are not passed on.
    private var swallowing = false
    /// While a health answer is being built: later parts wait here.
    private var answering = false
    private var held: [HTTPRequestPart] = []

    init(endpoint: HealthEndpoint) {
        self.endpoint = endpoint
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let part = unwrapInboundIn(data)
        guard !answering else { return held.append(part) }
        handle(part, context: context)
    }

    private func handle(_ part: HTTPRequestPart, context: ChannelHandlerContext) {
        switch part {
        case .head(let head) where passedOn == 0 && Self.isHealth(head):
            swallowing = true
            answer(head, context: context)
        case .head:
            passedOn += 1
            context.fireChannelRead(wrapInboundOut(part))
        case .body:
            if !swallowing { context.fireChannelRead(wrapInboundOut(part)) }
        case .end:
            if swallowing { swallowing = false } else { context.fireChannelRead(wrapInboundOut(part)) }
        }
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) { passedOn -= 1 }
        context.write(data, promise: promise)
    }

    static func isHealth(_ head: HTTPRequest) -> Bool {
        head.method == .get && HealthEndpoint.paths.contains(head.path?.split(separator: "?", maxSplits: 1).first.map(String.init) ?? "")
    }

    private func answer(_ head: HTTPRequest, context: ChannelHandlerContext) {
        answering = true
        let closing = head.headerFields[.connection]?.lowercased() == "close"
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        endpoint.report(on: context.eventLoop).whenComplete { result in
            let (handler, context) = bound.value
            let (status, body) = (try? result.get()) ?? (.serviceUnavailable, ["status": "failing"])
            handler.send(status: status, body: body.serialized(), closing: closing, context: context)
            handler.resume(context: context)
        }
    }

    private func send(status: HTTPResponse.Status, body: [UInt8], closing: Bool, context: ChannelHandlerContext) {
        var fields: HTTPFields = [.contentType: "application/json", .contentLength: String(body.count)]
        if closing { fields[.connection] = "close" }
        context.write(wrapOutboundOut(.head(HTTPResponse(status: status, headerFields: fields))), promise: nil)
        context.write(wrapOutboundOut(.body(context.channel.allocator.buffer(bytes: body))), promise: nil)
        let written = context.eventLoop.makePromise(of: Void.self)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: written)
        if closing {
            let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
            written.futureResult.whenComplete { _ in bound.value.close(promise: nil) }
        }
    }

    /// Goes on with what arrived while the answer was being built.
    private func resume(context: ChannelHandlerContext) {
        answering = false
        guard !held.isEmpty else { return }
        while !answering, !held.isEmpty {
            handle(held.removeFirst(), context: context)
        }
        // The parts passed on arrived outside a read: the next handlers deliver what they buffered when a read completes.
        context.fireChannelReadComplete()
    }
}

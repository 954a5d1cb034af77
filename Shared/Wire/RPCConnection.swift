import MamiCore
import NIOCore

/// The connection a call arrived on, as its handler sees it: the handler can
/// push notifications to that peer (events after a subscription) and learn
/// when the peer goes away.
///
/// A peer that reads too slowly (more than the channel's high water mark
/// waiting to be written) is disconnected instead of buffered without bound;
/// it reconnects and resumes from what it last saw.
public struct RPCConnection: Sendable, Hashable {
    let channel: any Channel
    let maxFrameBytes: Int

    init(channel: any Channel, maxFrameBytes: Int) {
        self.channel = channel
        self.maxFrameBytes = maxFrameBytes
    }

    /// Sends a notification `{"jsonrpc":"2.0","method":…,"params":…}`.
    public func notify(_ method: String, _ params: JSONValue) {
        send(frame: RPCMessage.notification(RPCNotification(method: method, params: params)).serialized())
    }

    /// Sends an already serialized message (one serialization for many subscribers).
    public func send(frame bytes: [UInt8]) {
        guard bytes.count <= maxFrameBytes else { return }
        let channel = channel
        channel.eventLoop.execute {
            guard channel.isActive else { return }
            guard channel.isWritable else {
                channel.close(promise: nil)
                return
            }
            channel.writeAndFlush(channel.allocator.buffer(bytes: bytes), promise: nil)
        }
    }

    /// False once the connection is closed.
    public var isOpen: Bool { channel.isActive }

    /// Runs `body` once the connection is closed (at once if it already is).
    public func onClose(_ body: @escaping @Sendable () -> Void) {
        channel.closeFuture.whenComplete { _ in body() }
    }

    public static func == (lhs: RPCConnection, rhs: RPCConnection) -> Bool {
        ObjectIdentifier(lhs.channel) == ObjectIdentifier(rhs.channel)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(ObjectIdentifier(channel))
    }
}

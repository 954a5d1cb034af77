import Hummingbird
import NIOCore

/// The gateway's request context: the peer's address, for per-IP rate limits.
struct GatewayContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    var remoteAddress: SocketAddress?

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }

    /// The client's IP, for rate limits ("unknown" when it cannot be read).
    var clientIP: String { remoteAddress?.ipAddress ?? "unknown" }
}

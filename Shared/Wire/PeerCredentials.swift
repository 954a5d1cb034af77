import NIOCore
#if canImport(Glibc)
import Glibc
#endif

/// Who is at the other end of a Unix socket, as the kernel reports it (SO_PEERCRED).
public struct PeerCredentials: Sendable, Hashable, CustomStringConvertible {
    public var pid: Int32
    public var uid: UInt32
    public var gid: UInt32

    public init(pid: Int32, uid: UInt32, gid: UInt32) {
        self.pid = pid
        self.uid = uid
        self.gid = gid
    }

    public var description: String { "pid=\(pid) uid=\(uid) gid=\(gid)" }
}

/// Glibc's `struct ucred` ({pid_t, uid_t, gid_t}), which Swift's Glibc module does not export.
struct KernelUCred: Sendable {
    var pid: Int32 = 0
    var uid: UInt32 = 0
    var gid: UInt32 = 0
}

extension Channel {
    /// Reads the peer's credentials; completes on the channel's event loop.
    func peerCredentials() -> EventLoopFuture<PeerCredentials> {
        guard let provider = self as? any SocketOptionProvider else {
            return eventLoop.makeFailedFuture(RPCError(.forbidden, "the transport cannot report peer credentials"))
        }
        let future: EventLoopFuture<KernelUCred> = provider.unsafeGetSocketOption(
            level: .socket,
            name: NIOBSDSocket.Option(rawValue: SO_PEERCRED)
        )
        return future.map { PeerCredentials(pid: $0.pid, uid: $0.uid, gid: $0.gid) }
    }
}

/// The rule a server applies to each new connection.
public struct PeerPolicy: Sendable {
    public var allowedUIDs: Set<UInt32>

    public init(allowedUIDs: Set<UInt32>) {
        self.allowedUIDs = allowedUIDs
    }

    /// Whether a peer with these credentials may talk to the service.
    public func admits(_ peer: PeerCredentials) -> Bool {
        allowedUIDs.contains(peer.uid)
    }
}

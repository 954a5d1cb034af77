import Foundation
import MamiWire
import NIOPosix

/// A plain socket (Unix or loopback TCP) for sending bytes that are not valid
/// frames or requests, and seeing whether the peer answers and closes.
public struct RawConnection {
    public let fd: Int32

    public init(unixPath path: String) throws {
        fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var address = unixAddress(path)
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        try Self.check(result, fd, path)
        setTimeout()
    }

    public init(tcpPort port: Int) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        try Self.check(result, fd, "127.0.0.1:\(port)")
        setTimeout()
    }

    private static func check(_ result: Int32, _ fd: Int32, _ peer: String) throws {
        guard result == 0 else {
            Glibc.close(fd)
            throw RPCError(.unavailable, "connect to \(peer) failed: errno \(errno)")
        }
    }

    private func setTimeout() {
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    public func send(_ bytes: [UInt8]) {
        _ = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    }

    /// Everything the peer sends until it closes (or 10 s pass); `closed` tells which.
    public func readUntilClosed() async throws -> (bytes: [UInt8], closed: Bool) {
        let fd = fd
        return try await NIOThreadPool.singleton.runIfActive {
            var received: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 4096)
            while true {
                let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, 4096, 0) }
                if count == 0 { return (received, true) }
                if count < 0 { return (received, false) }
                received += buffer[0..<count]
            }
        }
    }

    public func close() { Glibc.close(fd) }
}

import Foundation
import Logging
import MamiCore
import MamiWire
import NIOCore
import NIOPosix
import ServiceTestSupport

/// An RPC server running in this process on a temporary socket, with methods for tests.
final class TestServer: Sendable {
    let path: String
    let server: RPCServer
    let task: Task<Void, any Error>

    static func start(
        maxInFlight: Int = 1024,
        maxFrameBytes: Int = 1 << 20,
        path: String? = nil,
        extra: (inout RPCMethods) -> Void = { _ in }
    ) async throws -> TestServer {
        let socketPath = try path ?? (makeScratchDirectory() + "/test.sock")
        var methods = RPCMethods()
        methods.register("echo") { _, params in params ?? .null }
        methods.register("sleep") { _, params in
            let members = try params.requireObject()
            let milliseconds = try members.optionalInt("ms", in: 0...600_000) ?? 0
            try await Task.sleep(for: .milliseconds(milliseconds))
            return ["slept_ms": .int(milliseconds)]
        }
        methods.register("add") { _, params in
            let members = try params.requireObject()
            guard let a = members["a"]?.intValue else { throw FieldError(field: "a", problem: "must be an integer") }
            guard let b = members["b"]?.intValue else { throw FieldError(field: "b", problem: "must be an integer") }
            return .int(a + b)
        }
        extra(&methods)
        let configuration = RPCServer.Configuration(
            address: .path(socketPath),
            maxFrameBytes: maxFrameBytes,
            maxInFlightPerConnection: maxInFlight
        )
        let server = RPCServer(configuration: configuration, methods: methods, logger: Logger(label: "test"))
        let (ready, readySink) = AsyncStream<Void>.makeStream()
        let task = Task { try await server.run(onListening: { readySink.yield() }) }
        for await _ in ready { break }
        return TestServer(path: socketPath, server: server, task: task)
    }

    private init(path: String, server: RPCServer, task: Task<Void, any Error>) {
        self.path = path
        self.server = server
        self.task = task
    }

    func stop() async {
        task.cancel()
        _ = try? await task.value
    }

    func client(maxInFlight: Int = 4096) -> RPCClient {
        RPCClient(configuration: .init(path: path, maxInFlight: maxInFlight))
    }
}

/// A blocking Unix-socket connection that writes raw bytes and reads raw frames,
/// for sending what a well-behaved client never would. Blocking calls run on
/// NIO's thread pool, never on a cooperative thread.
final class FrameConnection: Sendable {
    let fd: Int32

    init(path: String) throws {
        fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var address = unixAddress(path)
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard result == 0 else { throw RPCError(.unavailable, "connect failed: errno \(errno)") }
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    deinit { close(fd) }

    func send(_ bytes: [UInt8]) {
        _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    }

    func sendFrame(_ text: String) {
        send(Self.frame(Array(text.utf8)))
    }

    static func frame(_ body: [UInt8]) -> [UInt8] {
        let length = UInt32(body.count)
        return [UInt8(length >> 24), UInt8(length >> 16 & 0xFF), UInt8(length >> 8 & 0xFF), UInt8(length & 0xFF)] + body
    }

    /// The next frame parsed as JSON, or nil when the peer closed (or 5 s passed).
    func readFrame() async throws -> JSONValue? {
        let fd = fd
        let body: [UInt8]? = try await NIOThreadPool.singleton.runIfActive {
            guard let header = Self.readExactly(fd, 4) else { return nil }
            let length = Int(header[0]) << 24 | Int(header[1]) << 16 | Int(header[2]) << 8 | Int(header[3])
            return Self.readExactly(fd, length)
        }
        return try body.map { try JSONValue(parsing: $0) }
    }

    /// Whether the peer has closed: a read returns end of file (within 5 s).
    func isClosedByPeer() async throws -> Bool {
        let fd = fd
        return try await NIOThreadPool.singleton.runIfActive {
            var byte: UInt8 = 0
            while true {
                let n = read(fd, &byte, 1)
                if n == 0 { return true }
                if n < 0 { return errno == ECONNRESET }
            }
        }
    }

    private static func readExactly(_ fd: Int32, _ count: Int) -> [UInt8]? {
        var buffer = [UInt8](repeating: 0, count: count)
        var filled = 0
        while filled < count {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress! + filled, count - filled) }
            if n <= 0 { return nil }
            filled += n
        }
        return buffer
    }
}

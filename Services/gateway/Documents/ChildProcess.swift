import Foundation
import NIOConcurrencyHelpers
import NIOPosix

/// A program run to its end as a child process, without blocking a cooperative thread:
/// it is started, and its two output pipes read with `poll`, on a thread of ``readers``
/// (so at most that many children run at once; more wait their turn), and its exit
/// arrives through the termination handler. The child is killed (SIGKILL, by its pid)
/// when the timeout passes, when its output exceeds `outputLimit`, or when the calling
/// task is cancelled.
///
/// (Foundation's readability handlers are not used: on Linux one of two pipes' end of
/// file was sometimes never reported.)
///
/// ```swift
/// let result = try await ChildProcess(executable: "/usr/bin/pdftotext", arguments: [path, "-"],
///                                     timeout: .seconds(30), outputLimit: 1 << 20).run()
/// ```
struct ChildProcess: Sendable {
    var executable: String
    var arguments: [String]
    var timeout: Duration
    /// Output beyond this many bytes stops the child; the result says so.
    var outputLimit: Int
    /// How much of the child's standard error is kept (the rest is read and dropped).
    var errorLimit = 4096

    /// Threads that start children and read their pipes until they end: at most this many run at once.
    static let readers: NIOThreadPool = {
        let pool = NIOThreadPool(numberOfThreads: 4)
        pool.start()
        return pool
    }()

    /// How the child ended and what it wrote.
    struct Result: Sendable {
        enum Ending: Sendable, Equatable {
            case exited(Int32)
            case signalled(Int32)
            case timedOut
            case outputLimitReached
            case cancelled
        }

        var ending: Ending
        var output: [UInt8]
        var errorOutput: String
    }

    /// Runs the child to its end (or until it is killed). The child's environment is empty.
    /// - Throws: when it cannot be started (no such executable, no processes left).
    func run() async throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = [:]
        let pipes = (output: Pipe(), errors: Pipe())
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = pipes.output
        process.standardError = pipes.errors
        let exit = ChildExit()
        process.terminationHandler = { exit.exited($0) }
        return try await withTaskCancellationHandler {
            let streams = try await Self.readers.perform { try start(process, reading: pipes, exit) }
            return Result(ending: await exit.ending(), output: streams.output, errorOutput: String(decoding: streams.errors, as: UTF8.self))
        } onCancel: {
            exit.stop(process, because: .cancelled)
        }
    }

    /// Starts the child once a reader thread is free (so the timeout counts from here) and reads its pipes to their end.
    private func start(_ process: Process, reading pipes: (output: Pipe, errors: Pipe), _ exit: ChildExit) throws -> PipeReader {
        try process.run()
        exit.started(process)
        return withExtendedLifetime(pipes) {
            var reader = PipeReader(output: pipes.output.fileHandleForReading.fileDescriptor,
                                    errors: pipes.errors.fileHandleForReading.fileDescriptor, limits: (outputLimit, errorLimit))
            reader.readToEnd(until: ContinuousClock.now + timeout) { exit.stop(process, because: $0) }
            return reader
        }
    }
}

/// Reads a child's standard output and error with `poll` until both end.
private struct PipeReader: Sendable {
    /// How long the pipes are still read after the child was told to stop.
    static let grace: Duration = .seconds(5)
    let descriptors: (output: Int32, errors: Int32)
    let limits: (output: Int, errors: Int)
    private(set) var output: [UInt8] = []
    private(set) var errors: [UInt8] = []

    init(output: Int32, errors: Int32, limits: (output: Int, errors: Int)) {
        descriptors = (output, errors)
        self.limits = limits
    }

    /// Blocks this thread until both pipes end. Calls `stop` once, with the reason, when `deadline` passes or the
    /// output passes its limit, and goes on draining for at most ``grace``.
    mutating func readToEnd(until deadline: ContinuousClock.Instant, stop: (ChildProcess.Result.Ending) -> Void) {
        var open = [descriptors.output, descriptors.errors].map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
        var stoppedAt: ContinuousClock.Instant?
        while !open.isEmpty, stoppedAt.map({ ContinuousClock.now < $0 + Self.grace }) ?? true {
            guard poll(&open, nfds_t(open.count), 100) >= 0 || errno == EINTR else { return }
            for index in open.indices.reversed() where open[index].revents != 0 {
                if !readOnce(open[index].fd) { open.remove(at: index) }
            }
            guard stoppedAt == nil else { continue }
            let reason: ChildProcess.Result.Ending? = output.count > limits.output ? .outputLimitReached : ContinuousClock.now >= deadline ? .timedOut : nil
            if let reason {
                stoppedAt = .now
                stop(reason)
            }
        }
    }

    /// One read of what is there; false at the end of the stream.
    private mutating func readOnce(_ descriptor: Int32) -> Bool {
        var buffer = [UInt8](repeating: 0, count: 65536)
        let count = buffer.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
        if count < 0, errno == EINTR || errno == EAGAIN { return true }
        guard count > 0 else { return false }
        if descriptor == descriptors.output {
            output.append(contentsOf: buffer.prefix(min(count, limits.output + 1 - output.count)))
        } else {
            errors.append(contentsOf: buffer.prefix(min(count, max(0, limits.errors - errors.count))))
        }
        return true
    }
}

/// A child's exit, as its termination handler reports it, and why it was stopped, if it was.
private final class ChildExit: Sendable {
    private struct State {
        var exit: (status: Int32, signalled: Bool)?
        var stopped: ChildProcess.Result.Ending?
        var waiter: CheckedContinuation<ChildProcess.Result.Ending, Never>?

        var ending: ChildProcess.Result.Ending? {
            exit.map { exit in stopped ?? (exit.signalled ? .signalled(exit.status) : .exited(exit.status)) }
        }
    }

    private let state = NIOLockedValueBox(State())

    func exited(_ process: Process) {
        let status = process.terminationStatus
        let signalled = process.terminationReason == .uncaughtSignal
        let resumption = state.withLockedValue { state -> (CheckedContinuation<ChildProcess.Result.Ending, Never>, ChildProcess.Result.Ending)? in
            state.exit = (status, signalled)
            return Self.take(&state)
        }
        resumption.map { $0.0.resume(returning: $0.1) }
    }

    /// Kills a child stopped before it started.
    func started(_ process: Process) {
        let stopped = state.withLockedValue { $0.stopped }
        if let stopped { stop(process, because: stopped) }
    }

    /// Kills the child unless it has exited already; the first reason given is the one reported.
    func stop(_ process: Process, because reason: ChildProcess.Result.Ending) {
        state.withLockedValue { state in
            guard state.exit == nil else { return }
            if state.stopped == nil { state.stopped = reason }
            let pid = process.processIdentifier
            if pid > 0 { kill(pid, SIGKILL) }
        }
    }

    /// How the child ended, once it has.
    func ending() async -> ChildProcess.Result.Ending {
        await withCheckedContinuation { continuation in
            let resumption = state.withLockedValue { state in
                state.waiter = continuation
                return Self.take(&state)
            }
            resumption.map { $0.0.resume(returning: $0.1) }
        }
    }

    private static func take(_ state: inout State) -> (CheckedContinuation<ChildProcess.Result.Ending, Never>, ChildProcess.Result.Ending)? {
        guard let waiter = state.waiter, let ending = state.ending else { return nil }
        state.waiter = nil
        return (waiter, ending)
    }
}

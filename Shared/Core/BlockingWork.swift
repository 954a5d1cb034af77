import NIOPosix

extension NIOThreadPool {
    /// Runs `body` on one of the pool's threads and returns its result.
    ///
    /// Unlike NIO's `runIfActive`, cancelling the calling task does nothing here:
    /// `runIfActive` records the id of every work item whose task is cancelled in
    /// a set that is emptied only when a cancelled item is dequeued, so a task
    /// cancelled while its work runs (a chat stream ended early, a transfer
    /// aborted) leaves its id there for the life of the process. Callers stop
    /// their own work instead (``HTTPClient`` aborts the libcurl transfer).
    public func perform<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            submit { state in
                guard case .active = state else {
                    continuation.resume(throwing: NIOThreadPoolError.ThreadPoolInactive())
                    return
                }
                continuation.resume(with: Result(catching: body))
            }
        }
    }
}

/// Runs blocking work (file I/O, opening a database, a blocking C call) on NIO's
/// shared blocking thread pool and suspends until it is done, so no cooperative
/// thread or event loop ever waits for it.
///
/// ```swift
/// let bytes = try await blocking { FileManager.default.contents(atPath: path) }
/// ```
public func blocking<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await NIOThreadPool.singleton.perform(body)
}

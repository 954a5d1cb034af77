import NIOConcurrencyHelpers

/// An operation that did not finish within its time limit.
public struct TimeLimitExceeded: Error, Sendable, CustomStringConvertible {
    public var limit: Duration
    public var description: String { "no answer within \(limit)" }
}

/// Runs `operation` and returns its result, or throws ``TimeLimitExceeded``
/// after `limit` even if the operation never returns.
///
/// Unlike a task group, this does not wait for an operation that ignores
/// cancellation (a blocked database call, a hung event loop): it is cancelled
/// and left to finish on its own. Callers that probe something that may hang
/// make sure only one such probe is outstanding.
public func withTimeLimit<T: Sendable>(
    _ limit: Duration,
    _ operation: @escaping @Sendable () async throws -> T
) async throws -> T {
    let gate = ResumeOnce<T>()
    return try await withCheckedThrowingContinuation { continuation in
        gate.install(continuation)
        let work = Task {
            do { gate.resume(.success(try await operation())) } catch { gate.resume(.failure(error)) }
        }
        Task {
            try? await Task.sleep(for: limit)
            if gate.resume(.failure(TimeLimitExceeded(limit: limit))) { work.cancel() }
        }
    }
}

/// Resumes a continuation once, from whichever side gets there first.
final class ResumeOnce<T: Sendable>: Sendable {
    private let state = NIOLockedValueBox<CheckedContinuation<T, any Error>?>(nil)

    func install(_ continuation: CheckedContinuation<T, any Error>) {
        state.withLockedValue { $0 = continuation }
    }

    @discardableResult
    func resume(_ result: Result<T, any Error>) -> Bool {
        let continuation = state.withLockedValue { state in
            defer { state = nil }
            return state
        }
        continuation?.resume(with: result)
        return continuation != nil
    }
}

import NIOConcurrencyHelpers
import NIOCore

/// Watches Swift Concurrency's cooperative pool from outside it.
///
/// Every `interval` an event loop hands the pool one empty task and notes when
/// it runs. A task still waiting after `bound` means the pool is starved: every
/// thread is blocked (a synchronous database call, a semaphore) or the queue is
/// hopelessly long. ``starvation(at:)`` is answered from the recorded times
/// without running anything on the pool, so a health report that uses it (on
/// an event loop) says "failing" while the pool is wedged instead of hanging.
public final class CooperativePoolProbe: Sendable {
    struct State {
        /// When the task now waiting was handed to the pool.
        var waitingSince: NIODeadline?
        /// How long the last task that ran waited.
        var lastWait: TimeAmount = .zero
    }

    /// A task waiting longer than this means a starved pool.
    public let bound: TimeAmount
    public let interval: TimeAmount
    private let state = NIOLockedValueBox(State())

    public init(bound: TimeAmount = .seconds(1), interval: TimeAmount = .milliseconds(250)) {
        self.bound = bound
        self.interval = interval
    }

    /// Starts probing from `loop`, for the life of the process (or until the task is cancelled).
    @discardableResult
    public func start(on loop: any EventLoop) -> RepeatedTask {
        loop.scheduleRepeatedTask(initialDelay: .zero, delay: interval) { _ in self.handOver() }
    }

    /// One task to the pool, unless the previous one has not run yet.
    func handOver() {
        let now = NIODeadline.now()
        let send = state.withLockedValue { state -> Bool in
            guard state.waitingSince == nil else { return false }
            state.waitingSince = now
            return true
        }
        if send { Task.detached { self.ran() } }
    }

    private func ran() {
        let now = NIODeadline.now()
        state.withLockedValue { state in
            if let since = state.waitingSince { state.lastWait = now - since }
            state.waitingSince = nil
        }
    }

    /// How long the waiting task has waited, when that is longer than ``bound``; nil while the pool keeps up.
    public func starvation(at now: NIODeadline = .now()) -> TimeAmount? {
        guard let since = state.withLockedValue({ $0.waitingSince }), now - since > bound else { return nil }
        return now - since
    }

    /// How long the last task that ran waited for a thread.
    public var lastWait: TimeAmount { state.withLockedValue { $0.lastWait } }
}

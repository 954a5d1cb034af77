import Foundation
import Logging
import MamiCore
import NIOConcurrencyHelpers
import ServiceLifecycle

/// Runs queued jobs one at a time on the GPU (I7, I8, I10).
///
/// `run()` returns at graceful shutdown; a job running then goes back to the
/// head of the queue. Every job it claims ends in exactly one terminal state,
/// written once, announced once.
final class JobRunner: Service, Sendable {
    /// The job being run, so `image.cancel` can reach it.
    struct Running: Sendable {
        var id: String
        var execution: Task<JobOutcome, Never>
        var whole: Task<Void, Never>
        var cancelledByUser: NIOLockedValueBox<Bool>
    }

    let parts: WorkerParts
    private let wake: AsyncStream<Void>
    private let wakeSink: AsyncStream<Void>.Continuation
    private let current = NIOLockedValueBox<Running?>(nil)

    init(parts: WorkerParts) {
        self.parts = parts
        (wake, wakeSink) = AsyncStream.makeStream(bufferingPolicy: .bufferingNewest(1))
    }

    /// Something was queued: look at the queue.
    func wakeUp() {
        wakeSink.yield()
    }

    func run() async throws {
        let recovered = try await parts.store.recoverInterrupted(maxAttempts: parts.configuration.maxAttempts)
        parts.logger.info("runner started", metadata: ["requeued": "\(recovered.requeued)", "failed": "\(recovered.failed)"])
        // Forge may still be generating for the process that died: stop that before anything else.
        if recovered.requeued + recovered.failed > 0 { await parts.forge.interrupt() }
        wakeUp()
        try await cancelWhenGracefulShutdown {
            for await _ in self.wake {
                try await self.drainQueue()
            }
        }
        await parts.hub.close()
    }

    private func drainQueue() async throws {
        while !Task.isCancelled {
            // The GPU is the job's from before it is claimed until its end is recorded.
            await parts.arbiter.reserveForImageJob()
            guard let job = try await parts.store.claimNext() else {
                await parts.arbiter.endImageJob()
                return
            }
            await runJob(job)
        }
    }

    private func runJob(_ job: Job) async {
        await parts.hub.statusChanged(job)
        await parts.hub.queueMoved()
        let execution = Task { await JobExecution(parts: parts, job: job).outcome() }
        let cancelledByUser = NIOLockedValueBox(false)
        let whole = Task {
            let outcome = await withTaskCancellationHandler { await execution.value } onCancel: { execution.cancel() }
            await self.conclude(job, outcome, cancelledByUser: cancelledByUser.withLockedValue { $0 })
        }
        current.withLockedValue { $0 = Running(id: job.id, execution: execution, whole: whole, cancelledByUser: cancelledByUser) }
        await withTaskCancellationHandler { await whole.value } onCancel: { whole.cancel() }
        current.withLockedValue { $0 = nil }
    }

    /// Cancels job `id` if it is the one running: its call is abandoned, Forge is
    /// interrupted, and this returns once the job has ended. False when it is not running.
    func cancelRunning(_ id: String) async -> Bool {
        guard let running = current.withLockedValue({ $0?.id == id ? $0 : nil }) else { return false }
        running.cancelledByUser.withLockedValue { $0 = true }
        running.execution.cancel()
        await parts.forge.interrupt()
        await running.whole.value
        return true
    }

    /// Writes the job's end and tells everyone; a shutdown returns it to the queue instead.
    private func conclude(_ job: Job, _ outcome: JobOutcome, cancelledByUser: Bool) async {
        do {
            let ended = try await Task { try await self.record(job, outcome, cancelledByUser: cancelledByUser) }.value
            if let ended { await parts.hub.statusChanged(ended) }
            await parts.hub.queueMoved()
        } catch {
            parts.logger.error("could not record the end of a job", metadata: ["job": "\(job.id)", "error": "\(error)"])
        }
        await parts.arbiter.endImageJob()
    }

    private func record(_ job: Job, _ outcome: JobOutcome, cancelledByUser: Bool) async throws -> Job? {
        let store = parts.store
        switch outcome {
        case .succeeded(let path):
            parts.logger.info("job succeeded", metadata: ["job": "\(job.id)", "path": "\(path)"])
            return try await store.finish(job.id, as: .succeeded, resultPath: path)
        case .failed(let failure):
            parts.logger.notice("job failed", metadata: ["job": "\(job.id)", "code": "\(failure.code)"])
            return try await store.finish(job.id, as: .failed, failure: failure, resultPath: parts.placeholders.path(failure.placeholder))
        case .cancelled where cancelledByUser:
            parts.logger.info("job cancelled", metadata: ["job": "\(job.id)"])
            return try await store.finish(job.id, as: .cancelled)
        case .cancelled:
            parts.logger.info("job returned to the queue at shutdown", metadata: ["job": "\(job.id)"])
            return try await store.requeue(job.id)
        }
    }
}

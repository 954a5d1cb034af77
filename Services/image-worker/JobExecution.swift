import Foundation
import MamiCore

/// How a job's run ended, before it is recorded.
enum JobOutcome: Sendable {
    case succeeded(path: String)
    case failed(JobFailure)
    /// By `image.cancel` or by shutdown; the runner knows which.
    case cancelled
}

/// One job's run: attempts against Forge inside the job's deadline, retrying
/// only what is retryable, judged stuck when progress stops advancing (I6).
struct JobExecution: Sendable {
    let parts: WorkerParts
    let job: Job

    func outcome() async -> JobOutcome {
        let deadline = ContinuousClock.now + parts.configuration.deadline
        var attempts = job.attempts
        while true {
            if parts.breaker.admit() == .rejected { return .failed(.circuitOpen) }
            let result = await attempt(deadline: deadline)
            record(result)
            guard case .failed(let failure) = result, failure.retryable, attempts < parts.configuration.maxAttempts else {
                return result
            }
            guard await pause(before: attempts + 1, deadline: deadline) else {
                return Task.isCancelled ? .cancelled : result
            }
            attempts = (try? await parts.store.countAttempt(job.id)?.attempts) ?? attempts + 1
        }
    }

    /// The breaker learns from every attempt; a cancelled one leaves it as it was.
    private func record(_ result: JobOutcome) {
        switch result {
        case .succeeded: parts.breaker.recordSuccess()
        case .failed(let failure) where failure.retryable || failure.code == JobFailure.deadline.code: parts.breaker.recordFailure()
        case .failed, .cancelled: parts.breaker.abandonProbe()
        }
    }

    /// Waits a little before the next attempt (0.5 s, 1 s, …); false when the deadline or a cancel comes first.
    private func pause(before attempt: Int, deadline: ContinuousClock.Instant) async -> Bool {
        let wait = Duration.milliseconds(500 * (attempt - 1))
        guard ContinuousClock.now + wait < deadline else { return false }
        do {
            try await Task.sleep(for: wait)
            return true
        } catch {
            return false
        }
    }

    /// One attempt: switch the GPU if needed, then txt2img raced against the progress watch.
    private func attempt(deadline: ContinuousClock.Instant) async -> JobOutcome {
        let remaining = deadline - .now
        guard remaining > .zero else { return .failed(.deadline) }
        do {
            let body = try await forgeRequest()
            try await parts.arbiter.beginImageJob(checkpoint: body.checkpoint)
            return await race(body.json, remaining: remaining, deadline: deadline)
        } catch let failure as JobFailure {
            return .failed(failure)
        } catch let error as ForgeError {
            return .failed(Self.failure(error))
        } catch {
            return Task.isCancelled ? .cancelled : .failed(JobFailure(code: "internal", message: "\(error)", placeholder: .error, retryable: false))
        }
    }

    private func race(_ body: JSONValue, remaining: Duration, deadline: ContinuousClock.Instant) async -> JobOutcome {
        await withTaskGroup(of: JobOutcome?.self) { group in
            group.addTask { await generate(body, timeout: remaining) }
            group.addTask { await ProgressWatch(parts: parts, job: job, deadline: deadline).run() }
            var outcome: JobOutcome = .cancelled
            for await result in group {
                if let result {
                    outcome = result
                    break
                }
            }
            group.cancelAll()
            if case .succeeded = outcome { return outcome }
            return Task.isCancelled ? .cancelled : outcome
        }
    }

    /// txt2img; its images go to disk, or it fails; nil never (cancel yields `.cancelled`).
    private func generate(_ body: JSONValue, timeout: Duration) async -> JobOutcome? {
        do {
            let images = try await parts.forge.txt2img(body, timeout: timeout)
            guard !Task.isCancelled else { return .cancelled }
            return .succeeded(path: try await save(images[0]))
        } catch let error as ForgeError {
            return .failed(Self.failure(error))
        } catch is CancellationError {
            return .cancelled
        } catch {
            return .failed(JobFailure(code: "image_unreadable", message: "Forge's image could not be stored: \(error)", placeholder: .error, retryable: false))
        }
    }

    /// Decodes and writes the image on NIO's blocking pool: a picture is megabytes, and the write syncs.
    private func save(_ base64: String) async throws -> String {
        let path = (parts.imagesDirectory as NSString).appendingPathComponent("\(job.id).png")
        return try await blocking {
            guard let bytes = Data(base64Encoded: base64), bytes.starts(with: [0x89, 0x50, 0x4E, 0x47]) else {
                throw ForgeError(kind: .malformed, message: "Forge returned an image that is not a base64 PNG")
            }
            try ImageFiles.writeAtomically(Array(bytes), to: path)
            return path
        }
    }

    /// The Forge request and the checkpoint title it needs (validated: Forge ignores unknown names).
    private func forgeRequest() async throws -> (json: JSONValue, checkpoint: String?) {
        guard let model = job.params["model"]?.stringValue ?? parts.configuration.defaultModel else {
            return (ImageRequest.forgeBody(prompt: job.prompt, params: job.params), nil)
        }
        switch await parts.catalog.lookup(model) {
        case .found(let title):
            return (ImageRequest.forgeBody(prompt: job.prompt, params: job.params), title)
        case .unknown:
            throw JobFailure(code: "unknown_model", message: "Forge has no checkpoint named '\(model)'.", placeholder: .error, retryable: false)
        case .unavailable:
            throw JobFailure(code: "forge_unavailable", message: "Forge did not answer.", placeholder: .maintenance, retryable: true)
        }
    }

    static func failure(_ error: ForgeError) -> JobFailure {
        switch error.kind {
        case .timedOut:
            return .deadline
        case .rejected:
            return JobFailure(code: "forge_rejected", message: "Forge refused this image: \(error.message)", placeholder: .error, retryable: false)
        case .unreachable, .server, .malformed:
            return JobFailure(code: "forge_error", message: "Forge could not make this image: \(error.message)", placeholder: .error, retryable: true)
        }
    }
}

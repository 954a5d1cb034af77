import Logging
import MamiCore

/// The one place that decides what the GPU holds (I10, I11): the LLM
/// (Ollama) or Forge with a checkpoint. Transitions run one at a time, each
/// once: a run of image jobs unloads the LLM before the first and never again.
/// The LLM is granted between image jobs, never during one.
///
/// An engine other than Ollama (the OpenAI protocol) cannot be told to leave the
/// GPU: its residency is "unmanaged", nothing waits on it, and only Forge's
/// checkpoints are switched.
actor GPUArbiter {
    enum Residency: Sendable, Equatable {
        case unknown
        case llm
        case image(checkpoint: String?)

        var name: String {
            switch self {
            case .unknown: return "unknown"
            case .llm: return "llm"
            case .image: return "image"
            }
        }
    }

    private(set) var residency = Residency.unknown
    private var imageJobRunning = false
    private var llmWaiters: [UInt64: CheckedContinuation<Void, any Error>] = [:]
    private var nextWaiter: UInt64 = 0
    private(set) var transitions = 0
    private var transitioning = false
    private var transitionQueue: [CheckedContinuation<Void, Never>] = []
    /// Nil when the LLM engine is not Ollama: the LLM's residency is unmanaged.
    private let ollama: OllamaResidency?
    private let forge: ForgeClient
    private let logger: Logger

    init(ollama: OllamaResidency?, forge: ForgeClient, logger: Logger) {
        self.ollama = ollama
        self.forge = forge
        self.logger = logger
    }

    var hasLLMWaiters: Bool { !llmWaiters.isEmpty }

    /// Called by the runner before a job: makes the GPU hold Forge with `checkpoint`
    /// (a title from sd-models, or nil for Forge's current one). Throws when Forge
    /// cannot switch; the job then fails or retries.
    func beginImageJob(checkpoint: String?) async throws {
        try await prepareForImages(checkpoint: checkpoint)
    }

    /// Called by the runner before it claims a job: from now until ``endImageJob()`` the LLM waits.
    func reserveForImageJob() {
        imageJobRunning = true
    }

    /// `gpu.acquire image` and the runner: the LLM out (once per run of image
    /// jobs), then the checkpoint if it differs. One transition at a time.
    func prepareForImages(checkpoint: String? = nil) async throws {
        await lockTransitions()
        defer { unlockTransitions() }
        if case .image = residency {} else {
            await unloadLLM()
            residency = .image(checkpoint: nil)
            transitions += 1
        }
        if let checkpoint, residency != .image(checkpoint: checkpoint) {
            try await switchCheckpoint(to: checkpoint)
            residency = .image(checkpoint: checkpoint)
            transitions += 1
        }
    }

    /// Called by the runner after a job: grants the LLM to whoever waits.
    func endImageJob() {
        imageJobRunning = false
        guard !llmWaiters.isEmpty else { return }
        residency = .llm
        for waiter in llmWaiters.values { waiter.resume() }
        llmWaiters.removeAll()
    }

    /// Waits until no image job runs, then records the LLM as resident (Ollama loads it on use).
    /// Cancelled (the caller's deadline) while waiting: throws `CancellationError`.
    func acquireLLM() async throws {
        guard ollama != nil else { return }  // unmanaged: waiting would gain the LLM nothing
        guard imageJobRunning else {
            residency = .llm
            return
        }
        let id = nextWaiter
        nextWaiter += 1
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                if Task.isCancelled { return continuation.resume(throwing: CancellationError()) }
                llmWaiters[id] = continuation
            }
        } onCancel: {
            Task { await self.cancelWaiter(id) }
        }
    }

    private func cancelWaiter(_ id: UInt64) {
        llmWaiters.removeValue(forKey: id)?.resume(throwing: CancellationError())
    }

    private func switchCheckpoint(to checkpoint: String) async throws {
        let current = try await forge.currentCheckpoint(timeout: .seconds(10))
        guard current != checkpoint else { return }
        try await forge.selectCheckpoint(checkpoint, timeout: .seconds(120))
        logger.info("checkpoint switched", metadata: ["from": "\(current ?? "none")", "to": "\(checkpoint)"])
    }

    private func lockTransitions() async {
        guard transitioning else {
            transitioning = true
            return
        }
        await withCheckedContinuation { transitionQueue.append($0) }
    }

    private func unlockTransitions() {
        if transitionQueue.isEmpty { transitioning = false } else { transitionQueue.removeFirst().resume() }
    }

    /// An unreachable Ollama holds no VRAM worth waiting for: the job goes on, with a warning.
    private func unloadLLM() async {
        guard let ollama else { return }
        do {
            let unloaded = try await ollama.unloadAll()
            logger.info("LLM made non-resident", metadata: ["models": "\(unloaded)"])
        } catch {
            logger.warning("could not confirm the LLM left the GPU", metadata: ["error": "\(error)"])
        }
    }

    var json: JSONValue {
        var members: [String: JSONValue] = ["resident": .string(ollama == nil ? "unmanaged" : residency.name), "transitions": .int(Int64(transitions)),
                                            "llm_waiters": .int(Int64(llmWaiters.count)), "image_job_running": .bool(imageJobRunning)]
        if case .image(let checkpoint) = residency { members["checkpoint"] = checkpoint.map(JSONValue.string) ?? .null }
        return .object(members)
    }
}

import Foundation
import MamiCore

/// Forge's generation state, as faithful as the worker needs: one generation at
/// a time under a FIFO lock (later txt2img calls wait, none is refused), a
/// global progress, interrupt returning partial images, lazily switched checkpoints.
actor ForgeSimulator {
    struct Checkpoint: Sendable {
        var name: String
        var hash: String { String(format: "%08x", UInt32(truncatingIfNeeded: name.utf8.reduce(5381) { ($0 &* 33) &+ Int($1) })) }
        var title: String { "\(name).safetensors [\(hash)]" }
    }

    /// What `/sdapi/v1/progress` reports.
    struct Progress: Sendable {
        var jobCount = 0
        var jobNo = 0
        var samplingStep = 0
        var samplingSteps = 0
        var interrupted = false
        var jobTimestamp = "0"
    }

    let checkpoints: [Checkpoint]
    private(set) var current: Checkpoint
    private(set) var loaded = true
    private var busy = false
    private var waiting: [CheckedContinuation<Void, Never>] = []
    private(set) var progress = Progress()
    private let control: SimControl

    init(checkpoints: [String], control: SimControl) {
        self.checkpoints = checkpoints.map(Checkpoint.init(name:))
        self.current = self.checkpoints[0]
        self.control = control
    }

    /// A checkpoint named by title, model name or file name.
    func checkpoint(named name: String) -> Checkpoint? {
        checkpoints.first { $0.title == name || $0.name == name || "\($0.name).safetensors" == name }
    }

    func select(_ checkpoint: Checkpoint) {
        current = checkpoint
    }

    func unload() { loaded = false }
    func reload() { loaded = true }

    func interrupt() {
        if busy { progress.interrupted = true }
    }

    /// Runs one txt2img under the FIFO lock: steps at the configured pace,
    /// stopping early when interrupted (the images are then partial).
    func txt2img(_ request: Txt2ImgRequest) async -> JSONValue {
        await lock()
        defer { unlock() }
        let checkpoint = request.checkpoint.flatMap(checkpoint(named:)) ?? current
        loaded = true
        progress = Progress(jobCount: 1, jobNo: 0, samplingStep: 0, samplingSteps: request.steps, jobTimestamp: Self.timestamp())
        for step in 1...request.steps where !progress.interrupted {
            try? await Task.sleep(for: control.stepDelay)
            if !progress.interrupted { progress.samplingStep = step }
        }
        let completed = Double(progress.samplingStep) / Double(request.steps)
        let images = (0..<request.batchSize).map { index in request.image(index: index, completed: completed) }
        return request.response(images: images, checkpoint: checkpoint)
    }

    private func lock() async {
        guard busy else {
            busy = true
            return
        }
        await withCheckedContinuation { waiting.append($0) }
    }

    private func unlock() {
        progress = Progress()
        if waiting.isEmpty { busy = false } else { waiting.removeFirst().resume() }
    }

    private static func timestamp() -> String {
        let formatter = DateFormatter()
        formatter.dateFormat = "yyyyMMddHHmmss"
        return formatter.string(from: Date())
    }

    /// `/sdapi/v1/progress` as Forge computes it.
    func progressJSON() -> JSONValue {
        let state = progress
        var fraction = 0.0
        if state.jobCount > 0 {
            let stepFraction = state.samplingSteps > 0 ? Double(state.samplingStep) / Double(state.samplingSteps) : 0
            fraction = min(1, 0.01 + Double(state.jobNo) / Double(state.jobCount) + stepFraction / Double(state.jobCount))
        }
        let remainingSteps = max(0, state.samplingSteps - state.samplingStep)
        let eta = state.jobCount == 0 ? 0 : Double(remainingSteps) * Double(control.stepDelay.components.attoseconds / 1_000_000_000_000_000) / 1000
        return [
            "progress": .double(fraction), "eta_relative": .double(eta),
            "state": [
                "skipped": false, "interrupted": .bool(state.interrupted), "stopping_generation": false,
                "job": state.jobCount > 0 ? "txt2img" : "", "job_count": .int(Int64(state.jobCount)),
                "job_timestamp": .string(state.jobTimestamp), "job_no": .int(Int64(state.jobNo)),
                "sampling_step": .int(Int64(state.samplingStep)), "sampling_steps": .int(Int64(state.samplingSteps)),
            ],
            "current_image": nil, "textinfo": nil,
        ]
    }
}

import MamiCore

/// Polls Forge's progress while a txt2img runs (about 1 Hz, I4): reports each
/// advance (a database write every 10 points, coalesced events), and ends the
/// attempt when progress has not advanced for the stall time or the job's
/// deadline passes, interrupting Forge. Returns nil only when cancelled.
struct ProgressWatch: Sendable {
    let parts: WorkerParts
    let job: Job
    let deadline: ContinuousClock.Instant
    static let writeStep = 10

    func run() async -> JobOutcome? {
        var lastAdvance = ContinuousClock.now
        var seen = ForgeProgress(fraction: 0, samplingStep: 0, jobCount: 0)
        var reported = job
        var stored = job.progress
        while !Task.isCancelled {
            try? await Task.sleep(for: parts.configuration.pollInterval)
            guard !Task.isCancelled else { return nil }
            if let progress = try? await parts.forge.progress(timeout: .seconds(2)), advanced(progress, since: seen) {
                seen = progress
                lastAdvance = .now
                reported = await report(progress, after: reported, stored: &stored)
            }
            if let failure = verdict(lastAdvance: lastAdvance) {
                await parts.forge.interrupt()
                return .failed(failure)
            }
        }
        return nil
    }

    /// Idle and "not started yet" look alike in Forge: only a running job's movement counts.
    private func advanced(_ progress: ForgeProgress, since seen: ForgeProgress) -> Bool {
        progress.jobCount > 0 && (progress.fraction > seen.fraction || progress.samplingStep > seen.samplingStep || seen.jobCount == 0)
    }

    private func verdict(lastAdvance: ContinuousClock.Instant) -> JobFailure? {
        let now = ContinuousClock.now
        if now >= deadline { return .deadline }
        if now - lastAdvance >= parts.configuration.stallTime { return .stalled(after: parts.configuration.stallTime) }
        return nil
    }

    /// Publishes the new percentage; stores it when it moved ``writeStep`` points past the stored one.
    private func report(_ progress: ForgeProgress, after reported: Job, stored: inout Int) async -> Job {
        let percent = min(99, max(0, Int(progress.fraction * 100)))
        guard percent > reported.progress else { return reported }
        var current = reported
        current.progress = percent
        if percent >= stored + Self.writeStep, let written = try? await parts.store.recordProgress(job.id, percent: percent) {
            current = written
            stored = percent
        }
        await parts.hub.progressed(current)
        return current
    }
}

import MamiCore
import MamiService
import MamiWire

/// The image worker's RPC methods (documented in docs/protocol.md).
struct ImageMethods: Sendable {
    var parts: WorkerParts
    var runner: JobRunner
    static let maxPage: Int64 = 100

    func register(into methods: inout RPCMethods) {
        methods.register("image.submit") { _, params in try await submit(try params.requireObject()) }
        methods.register("image.get") { _, params in try await get(try params.requireObject()) }
        methods.register("image.list") { _, params in try await list(try params.requireObject()) }
        methods.register("image.cancel") { _, params in try await cancel(try params.requireObject()) }
        methods.register("image.retry") { _, params in try await retry(try params.requireObject()) }
        methods.register("gpu.acquire") { _, params in try await acquire(try params.requireObject()) }
        methods.register("events.subscribe") { context, params in
            try await parts.hub.subscribe(context.connection, since: try params.requireObject().optionalInt("since", in: 0...Int64.max))
        }
    }

    /// `image.submit {owner, prompt, width?, height?, steps?, seed?, model?, …, conversation_id?, message_id?, idempotency_key?}`
    /// → the job with `queue_position`, `estimated_seconds` and `created` (false: the key was seen before).
    func submit(_ members: [String: JSONValue]) async throws -> JSONValue {
        let request = try ImageRequest.read(members)
        try await checkModel(request.params["model"]?.stringValue)
        let (job, created) = try await parts.store.submit(request)
        if created {
            parts.logger.info("job queued", metadata: ["job": "\(job.id)", "owner": "\(job.owner)"])
            await parts.hub.statusChanged(job)
            runner.wakeUp()
        }
        return try await view(job, ["created": .bool(created)])
    }

    /// Forge silently ignores unknown checkpoints, so they are refused here; unverifiable names wait for the run.
    private func checkModel(_ model: String?) async throws {
        guard let model, case .unknown(let available) = await parts.catalog.lookup(model) else { return }
        throw FieldError(field: "model", problem: "Forge has no checkpoint '\(model)' (available: \(available.joined(separator: ", ")))")
    }

    /// `image.get {id, owner?}` → the job; -32004 when absent or another owner's.
    func get(_ members: [String: JSONValue]) async throws -> JSONValue {
        try await view(try await owned(members), [:])
    }

    /// `image.list {owner, status?, cursor?, limit?}` → `{"items":[…],"next_cursor"}`, newest first.
    func list(_ members: [String: JSONValue]) async throws -> JSONValue {
        let owner = try members.identifier("owner", required: true)!
        let status = try members.optionalString("status").map { name in
            guard let status = JobStatus(rawValue: name) else {
                throw FieldError(field: "status", problem: "must be one of \(JobStatus.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            return status
        }
        let cursor = try members.optionalString("cursor").map { text in
            guard let value = Int64(text), value > 0 else { throw FieldError(field: "cursor", problem: "is not a cursor from this list") }
            return value
        }
        let limit = Int(try members.optionalInt("limit", in: 1...Self.maxPage) ?? 20)
        let jobs = try await parts.store.list(owner: owner, status: status, before: cursor, limit: limit)
        let next: JSONValue = jobs.count == limit ? .string(String(jobs.last!.seq)) : .null
        return ["items": .array(try await parts.store.views(jobs, defaultEstimate: parts.defaultEstimate)), "next_cursor": next]
    }

    /// `image.cancel {id, owner}` → the job once it has ended: queued ones at once, the running one after
    /// Forge is interrupted and its call abandoned. A job that already succeeded or failed is -32009.
    func cancel(_ members: [String: JSONValue]) async throws -> JSONValue {
        let job = try await owned(members)
        if job.status == .queued, let ended = try await parts.store.finish(job.id, as: .cancelled) {
            await parts.hub.statusChanged(ended)
            await parts.hub.queueMoved()
            return try await view(ended, [:])
        }
        let now = try await cancelRunning(job.id)
        guard now.status == .cancelled else {
            throw RPCError(.conflict, "job \(job.id) is \(now.status.rawValue) and can no longer be cancelled")
        }
        return try await view(now, [:])
    }

    /// Cancels the running job; a job claimed an instant ago may not have reached the runner yet, so
    /// this tries again for a short while. Returns the job as it ended (or as it stands).
    private func cancelRunning(_ id: String) async throws -> Job {
        for _ in 0..<100 {
            let cancelled = await runner.cancelRunning(id)
            guard let job = try await parts.store.job(id: id) else { throw RPCError(.notFound, "no job \(id)") }
            if cancelled || job.status != .running { return job }
            try await Task.sleep(for: .milliseconds(10))
        }
        guard let job = try await parts.store.job(id: id) else { throw RPCError(.notFound, "no job \(id)") }
        return job
    }

    /// `image.retry {id, owner}` → the job queued again (a failed or cancelled one); -32009 for any other.
    func retry(_ members: [String: JSONValue]) async throws -> JSONValue {
        let job = try await owned(members)
        guard let queued = try await parts.store.retry(job.id) else {
            throw RPCError(.conflict, "job \(job.id) is \(job.status.rawValue); only failed or cancelled jobs can be retried")
        }
        await parts.hub.statusChanged(queued)
        runner.wakeUp()
        return try await view(queued, [:])
    }

    /// `gpu.acquire {mode: "llm"|"image", timeout_ms?}` → `{"granted":true,"resident":…}` once the mode
    /// holds the GPU: the LLM between image jobs (never during one), images after the LLM left.
    /// Not granted within the deadline: -32000.
    func acquire(_ members: [String: JSONValue]) async throws -> JSONValue {
        switch try members.requireString("mode") {
        case "llm": try await parts.arbiter.acquireLLM()
        case "image": try await parts.arbiter.prepareForImages()
        default: throw FieldError(field: "mode", problem: "must be llm or image")
        }
        return ["granted": true, "resident": .string(await parts.arbiter.residency.name)]
    }

    private func owned(_ members: [String: JSONValue]) async throws -> Job {
        let id = try members.identifier("id", required: true)!
        let owner = try members.identifier("owner")
        guard let job = try await parts.store.job(id: id), owner == nil || job.owner == owner else {
            throw RPCError(.notFound, "no job \(id) for this owner")
        }
        return job
    }

    private func view(_ job: Job, _ extra: [String: JSONValue]) async throws -> JSONValue {
        let base = try await parts.store.view(job, defaultEstimate: parts.defaultEstimate)
        return .object((base.objectValue ?? [:]).merging(extra) { $1 })
    }
}

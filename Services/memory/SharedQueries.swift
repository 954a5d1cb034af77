import NIOConcurrencyHelpers
import NIOCore

/// An embedder that embeds a question once for the calls that ask for it together: a chat searches
/// memories and documents for the same question at once (and a retry asks again), and each search
/// would otherwise run the encoder (or call the engine) for it. Only single questions are shared; a
/// question's vector is kept for ``keepFor`` after it is ready, at most ``capacity`` of them.
struct SharedQueries: Embedder {
    let base: any Embedder
    static let capacity = 64
    static let keepFor = TimeAmount.seconds(5)

    private struct Entry {
        var task: Task<[Float], any Error>
        var ready: NIODeadline?
    }
    private let entries = NIOLockedValueBox<[String: Entry]>([:])

    init(_ base: any Embedder) { self.base = base }

    var identity: String { base.identity }
    var dimension: Int? { base.dimension }
    var nearDuplicateThreshold: Float { base.nearDuplicateThreshold }
    var relevanceThreshold: Float { base.relevanceThreshold }
    var passageRelevanceThreshold: Float { base.passageRelevanceThreshold }

    func embed(_ texts: [String], as role: EmbeddingRole, by deadline: NIODeadline) async throws -> [[Float]] {
        guard role == .query, texts.count == 1, let text = texts.first else { return try await base.embed(texts, as: role, by: deadline) }
        let task = entries.withLockedValue { entries in
            entries = entries.filter { $0.value.ready.map { $0 + Self.keepFor > .now() } ?? true }
            if let entry = entries[text] { return entry.task }
            let task = Task { try await base.embed([text], as: .query, by: deadline)[0] }
            if entries.count < Self.capacity { entries[text] = Entry(task: task) }
            return task
        }
        do {
            let vector = try await task.value
            entries.withLockedValue { entries in if entries[text]?.task == task { entries[text]?.ready = .now() } }
            return [vector]
        } catch {
            entries.withLockedValue { entries in if entries[text]?.task == task { entries[text] = nil } }  // the next call tries again
            throw error
        }
    }
}

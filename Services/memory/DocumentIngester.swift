import Logging
import MamiCore
import MamiService
import MamiWire
import NIOConcurrencyHelpers
import ServiceLifecycle

/// A wake-up for the ``DocumentIngester``: wakes that arrive while it works fold into one.
struct IngestSignal: Sendable {
    let stream: AsyncStream<Void>
    private let continuation: AsyncStream<Void>.Continuation

    init() {
        (stream, continuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    func wake() { continuation.yield() }
}

/// Embeds accepted documents in the background, oldest first, a few chunks per step on the sentence
/// encoder's passages thread (so memories added meanwhile take turns with a long document). Each step's
/// vectors are kept in `pending_chunks`; when all of a document's are there, one transaction makes it
/// searchable. A restart resumes where the last step ended; after a re-index switches embedders,
/// vectors of the old one are embedded again.
struct DocumentIngester: Service {
    let current: @Sendable () -> DocumentMethods
    let signal: IngestSignal
    let logger: Logger
    let lastError = NIOLockedValueBox<String?>(nil)
    static let batch = 8

    func run() async throws {
        do {
            try await cancelWhenGracefulShutdown { try await work() }
        } catch is CancellationError {
            return
        }
    }

    private func work() async throws {
        var wakes = signal.stream.makeAsyncIterator()
        var pause = Duration.seconds(1)
        while !Task.isCancelled {
            do {
                if try await step() {
                    pause = .seconds(1)
                } else if await wakes.next() == nil {
                    return
                }
            } catch is CancellationError {
                return
            } catch {
                lastError.withLockedValue { $0 = "\(error)" }
                logger.warning("document ingest: a step failed; retrying", metadata: ["error": "\(error)"])
                try await Task.sleep(for: pause)
                pause = min(pause * 2, .seconds(30))
            }
        }
    }

    /// A few chunks of the oldest pending document embedded, or that document made searchable; false when none waits.
    func step() async throws -> Bool {
        let methods = current()
        guard let next = try await methods.store.nextPending(limit: Self.batch) else { return false }
        guard !next.chunks.isEmpty else {
            _ = try await methods.store.complete(next.documentID)
            lastError.withLockedValue { $0 = nil }
            return true
        }
        let vectors = try await methods.embedder.embed(next.chunks.map(\.text), as: .passage)
        guard vectors.count == next.chunks.count, vectors.allSatisfy({ $0.count == methods.reader.dimension && $0.allSatisfy(\.isFinite) }) else {
            throw RPCError(.internalError, "the embedder \(methods.embedder.identity) returned vectors that are not \(methods.reader.dimension)-dimensional")
        }
        try await methods.store.stage(next.documentID, ordinals: next.chunks.map(\.ordinal), vectors: vectors)
        return true
    }

    /// `{"pending","error"}` for `sys.stats`: documents not yet searched, and the last step's failure.
    func progress(_ store: DocumentStore) async throws -> JSONValue {
        ["pending": .int(Int64(try await store.pendingCount())), "error": lastError.withLockedValue { $0 }.map(JSONValue.string) ?? .null]
    }
}

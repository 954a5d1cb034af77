import Foundation
import GRDB
import Logging
import MamiCore
import MamiService
import MamiWire
import NIOConcurrencyHelpers
import ServiceLifecycle

/// Moves memory.db to another embedder in the background: every memory and
/// chunk is embedded again from its stored text, in batches, into
/// `reindex_vectors`, while the vectors in use keep answering searches. When
/// all are done, one transaction copies them in and records the new embedder,
/// and `switchOver` starts serving with it. Each batch is its own transaction,
/// so a restart resumes where the last one ended.
struct Reindexer: Service {
    let database: ServiceDatabase
    let target: any Embedder
    let logger: Logger
    /// Called once, after the switch-over transaction, with the new dimension.
    let switchOver: @Sendable (Int) async throws -> Void
    let lastError = NIOLockedValueBox<String?>(nil)
    static let batch = 64

    enum Kind: String, CaseIterable, Sendable {
        case memory
        case chunk
        var table: String { self == .memory ? "memories" : "doc_chunks" }
    }

    struct Pending: Sendable {
        var kind: Kind
        var seq: Int64
        var text: String
    }

    /// Until the switch-over, then idle until the service stops (a companion that returns stops the service).
    func run() async throws {
        do {
            try await cancelWhenGracefulShutdown { try await reindex() }
            try await gracefulShutdown()
        } catch is CancellationError {
            return
        }
    }

    private func reindex() async throws {
        var pause = Duration.seconds(1)
        while !Task.isCancelled {
            do {
                if try await step() { return }
                pause = .seconds(1)
            } catch is CancellationError {
                return
            } catch {
                lastError.withLockedValue { $0 = "\(error)" }
                logger.warning("re-index: a batch failed; retrying", metadata: ["to": "\(target.identity)", "error": "\(error)"])
                try await Task.sleep(for: pause)
                pause = min(pause * 2, .seconds(30))
            }
        }
    }

    /// One batch embedded and stored, or the switch-over when none is left; true once switched.
    func step() async throws -> Bool {
        let pending = try await database.read { db in try Self.pending(db) }
        guard !pending.isEmpty else { return try await finish() }
        let vectors = try await target.embed(pending.map(\.text), as: .passage)
        guard vectors.count == pending.count, let dimension = vectors.first?.count, dimension > 0,
              vectors.allSatisfy({ $0.count == dimension && $0.allSatisfy(\.isFinite) }) else {
            throw RPCError(.internalError, "the embedder \(target.identity) returned vectors of mixed or no dimension")
        }
        try await database.write { db in
            for (item, vector) in zip(pending, vectors) {
                // A row deleted while it was embedded is not brought back.
                try db.cachedStatement(sql: """
                    INSERT OR REPLACE INTO reindex_vectors (kind, seq, embedding)
                    SELECT ?, ?, ? WHERE EXISTS (SELECT 1 FROM \(item.kind.table) WHERE seq = ?)
                    """).execute(arguments: [item.kind.rawValue, item.seq, Data(VectorMath.bytes(of: VectorMath.normalized(vector))), item.seq])
            }
        }
        lastError.withLockedValue { $0 = nil }
        return false
    }

    /// The next rows without a new vector: after the last one done, in order; then any left behind.
    static func pending(_ db: Database) throws -> [Pending] {
        for kind in Kind.allCases {
            let after = try Int64.fetchOne(db, sql: "SELECT coalesce(max(seq), 0) FROM reindex_vectors WHERE kind = ?", arguments: [kind.rawValue]) ?? 0
            let next = try rows(db, kind, where: "seq > ?", after)
            if !next.isEmpty { return next }
        }
        for kind in Kind.allCases {
            let missed = try rows(db, kind, where: "NOT EXISTS (SELECT 1 FROM reindex_vectors r WHERE r.kind = ? AND r.seq = t.seq)", kind.rawValue)
            if !missed.isEmpty { return missed }
        }
        return []
    }

    private static func rows(_ db: Database, _ kind: Kind, where condition: String, _ argument: any DatabaseValueConvertible) throws -> [Pending] {
        try Row.fetchAll(db, sql: "SELECT seq, text FROM \(kind.table) t WHERE \(condition) ORDER BY seq LIMIT \(batch)", arguments: [argument])
            .map { Pending(kind: kind, seq: $0["seq"], text: $0["text"]) }
    }

    /// Copies the new vectors in and records the new embedder, if nothing is left to embed.
    private func finish() async throws -> Bool {
        let identity = target.identity
        let dimension: Int? = try await database.write { db in
            guard try Self.pending(db).isEmpty else { return nil }
            let dimension = try Int.fetchOne(db, sql: "SELECT length(embedding) / 4 FROM reindex_vectors LIMIT 1")
            for kind in Kind.allCases {
                try db.execute(sql: """
                    UPDATE \(kind.table) SET embedding = (SELECT r.embedding FROM reindex_vectors r WHERE r.kind = ? AND r.seq = \(kind.table).seq)
                    """, arguments: [kind.rawValue])
            }
            let resolved = try dimension ?? target.dimension ?? EmbedderRecord.read(db).dimension ?? 0
            try EmbedderRecord.recordInUse(identity, dimension: resolved, db)
            return resolved
        }
        guard let dimension else { return false }
        try await switchOver(dimension)
        logger.info("re-index: done; the new embedder is in use", metadata: ["embedder": "\(identity)", "dimension": "\(dimension)"])
        return true
    }

    /// `{"to","done","total","error"}` for `sys.stats`.
    func progress() async throws -> JSONValue {
        let (done, total) = try await database.read { db in
            (try Int.fetchOne(db, sql: "SELECT count(*) FROM reindex_vectors") ?? 0,
             try Int.fetchOne(db, sql: "SELECT (SELECT count(*) FROM memories) + (SELECT count(*) FROM doc_chunks)") ?? 0)
        }
        return ["to": .string(target.identity), "done": .int(Int64(done)), "total": .int(Int64(total)),
                "error": lastError.withLockedValue { $0 }.map(JSONValue.string) ?? .null]
    }
}

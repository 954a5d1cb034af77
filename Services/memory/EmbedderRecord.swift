import GRDB
import MamiCore
import MamiService
import MamiWire

/// memory.db remembers which embedder made its vectors, their dimension, and
/// the embedder a re-index is moving them to; vectors of two embedders are
/// never mixed in one search.
enum EmbedderRecord {
    struct Recorded: Sendable, Equatable {
        /// The embedder of the vectors in use; nil before the first start.
        var identity: String?
        var dimension: Int?
        /// The embedder a re-index is computing vectors for.
        var target: String?
    }

    static func read(_ database: ServiceDatabase) async throws -> Recorded {
        try await database.read { db in try read(db) }
    }

    static func read(_ db: Database) throws -> Recorded {
        let values = try Row.fetchAll(db, sql: "SELECT key, value FROM service_meta WHERE key IN ('embedder', 'dimension', 'reindex_to')")
            .reduce(into: [String: String]()) { $0[$1["key"]] = $1["value"] }
        return Recorded(identity: values["embedder"], dimension: values["dimension"].flatMap { Int($0) }, target: values["reindex_to"])
    }

    /// The embedder whose vectors are in use, checked inside a write so that a
    /// vector made just before a switch-over is never stored after it.
    static func requireInUse(_ identity: String, _ db: Database) throws {
        let recorded = try String.fetchOne(db.cachedStatement(sql: "SELECT value FROM service_meta WHERE key = 'embedder'"))
        guard recorded == identity else {
            throw RPCError(.unavailable, "the embedder changed to \(recorded ?? "none") while this was embedded with \(identity); try again")
        }
    }

    /// Records `identity` and `dimension` as the vectors in use, and no re-index.
    static func recordInUse(_ identity: String, dimension: Int, _ db: Database) throws {
        try db.execute(sql: "INSERT OR REPLACE INTO service_meta (key, value) VALUES ('embedder', ?), ('dimension', ?)",
                       arguments: [identity, String(dimension)])
        try db.execute(sql: "DELETE FROM service_meta WHERE key = 'reindex_to'")
        try db.execute(sql: "DELETE FROM reindex_vectors")
    }

    /// Starts (or, for the same target, resumes) a re-index towards `target`;
    /// vectors computed for another target are dropped.
    static func beginReindex(to target: String, _ db: Database) throws {
        if try read(db).target != target { try db.execute(sql: "DELETE FROM reindex_vectors") }
        try db.execute(sql: "INSERT OR REPLACE INTO service_meta (key, value) VALUES ('reindex_to', ?)", arguments: [target])
    }
}

extension Optional {
    /// The wrapped value, or the result of `fallback` when nil.
    func asyncOr(_ fallback: () async throws -> Wrapped) async rethrows -> Wrapped {
        if let value = self { return value }
        return try await fallback()
    }
}

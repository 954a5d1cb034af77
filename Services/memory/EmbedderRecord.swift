import GRDB
import MamiCore
import MamiService

/// memory.db remembers which embedder made its vectors and their dimension;
/// vectors from two embedders are never mixed.
enum EmbedderRecord {
    /// Checks `embedder` against the record (writing it on first use) and
    /// returns the dimension every stored and incoming vector must have.
    /// Throws ``ConfigError`` naming `MAMI_EMBEDDER` on a mismatch.
    static func reconcile(_ embedder: any Embedder, database: ServiceDatabase) async throws -> Int {
        let recorded = try await database.read { db in
            (try String.fetchOne(db, sql: "SELECT value FROM service_meta WHERE key = 'embedder'"),
             try String.fetchOne(db, sql: "SELECT value FROM service_meta WHERE key = 'dimension'").flatMap { Int($0) })
        }
        if let identity = recorded.0, identity != embedder.identity {
            throw ConfigError(key: "MAMI_EMBEDDER", problem: """
                memory.db holds vectors made by '\(identity)' but this service is configured for '\(embedder.identity)'; \
                configure '\(identity)' again (MAMI_EMBEDDER, MAMI_EMBED_MODEL), or start with an empty state directory
                """)
        }
        if let dimension = recorded.1 { return dimension }
        let dimension = try await embedder.dimension.asyncOr { try await embedder.embed(["dimension probe"], as: .query)[0].count }
        try await database.write { db in
            try db.execute(sql: "INSERT OR REPLACE INTO service_meta (key, value) VALUES ('embedder', ?), ('dimension', ?)",
                           arguments: [embedder.identity, String(dimension)])
        }
        return dimension
    }
}

extension Optional {
    /// The wrapped value, or the result of `fallback` when nil.
    func asyncOr(_ fallback: () async throws -> Wrapped) async rethrows -> Wrapped {
        if let value = self { return value }
        return try await fallback()
    }
}

import Foundation
import GRDB

/// A service's own SQLite database: WAL mode, versioned migrations (G7).
public enum ServiceDatabase {
    /// Opens (creating if needed) the database at `path` and applies every
    /// migration not yet recorded in `grdb_migrations`, in order.
    public static func open(path: String, migrator: DatabaseMigrator) throws -> DatabasePool {
        var configuration = Configuration()
        configuration.busyMode = .timeout(5)
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
        }
        let pool = try DatabasePool(path: path, configuration: configuration)
        try migrator.migrate(pool)
        return pool
    }

    /// The migrations applied so far, in order.
    public static func appliedMigrations(_ pool: DatabasePool) async throws -> [String] {
        try await pool.read { db in try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations ORDER BY rowid") }
    }

    /// The size of the database file in bytes, from SQLite's own page counts.
    public static func sizeInBytes(_ pool: DatabasePool) async throws -> Int64 {
        try await pool.read { db in
            try Int64.fetchOne(db, sql: "SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()") ?? 0
        }
    }

    /// Answers only if both the writer and a reader answer: the database part of liveness.
    public static func probe(_ pool: DatabasePool) async throws {
        try await pool.writeWithoutTransaction { db in try db.execute(sql: "SELECT 1") }
        _ = try await pool.read { db in try Int.fetchOne(db, sql: "SELECT 1") }
    }
}

extension DatabaseMigrator {
    /// A migrator holding the first migration every Mami database shares:
    /// `service_meta` (key/value facts about the database, such as when it was created).
    /// Services register their own migrations after it.
    public static var mamiService: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("0001_service_meta") { db in
            try db.create(table: "service_meta") { table in
                table.primaryKey("key", .text)
                table.column("value", .text).notNull()
            }
            try db.execute(sql: "INSERT INTO service_meta (key, value) VALUES ('created_at', datetime('now'))")
        }
        return migrator
    }
}

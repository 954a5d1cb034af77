import Foundation
import GRDB
import MamiCore


/// A service's own SQLite database: WAL mode, versioned migrations (G7).
///
/// Access is asynchronous only: every read and write runs on GRDB's own queues
/// while the caller suspends, so no cooperative thread ever waits for SQLite.
/// A closure's result must be `Sendable` (map rows to values inside it); GRDB's
/// blocking overloads, which a non-`Sendable` result would select, are not
/// reachable through this type.
///
/// ```swift
/// let titles = try await database.read { db in try String.fetchAll(db, sql: "SELECT title FROM conversations") }
/// ```
public struct ServiceDatabase: Sendable {
    private let pool: DatabasePool

    /// The database file's path.
    public var path: String { pool.path }

    private init(pool: DatabasePool) {
        self.pool = pool
    }

    /// Opens (creating if needed) the database at `path` and applies every
    /// migration not yet recorded in `grdb_migrations`, in order. Opening and
    /// migrating block, so they run on NIO's blocking thread pool.
    public static func open(path: String, migrator: DatabaseMigrator) async throws -> ServiceDatabase {
        try await blocking {
            var configuration = Configuration()
            configuration.busyMode = .timeout(5)
            configuration.prepareDatabase { db in
                try db.execute(sql: "PRAGMA synchronous = NORMAL")
            }
            let pool = try DatabasePool(path: path, configuration: configuration)
            try migrator.migrate(pool)
            return ServiceDatabase(pool: pool)
        }
    }

    /// Runs `body` on one of the readers (a snapshot of the committed state).
    public func read<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await pool.read(body)
    }

    /// Runs `body` in a transaction on the single writer.
    public func write<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await pool.write(body)
    }

    /// Runs `body` on the single writer outside any transaction.
    public func writeWithoutTransaction<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await pool.writeWithoutTransaction(body)
    }

    /// The migrations applied so far, in order.
    public func appliedMigrations() async throws -> [String] {
        try await read { db in try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations ORDER BY rowid") }
    }

    /// The size of the database file in bytes, from SQLite's own page counts.
    public func sizeInBytes() async throws -> Int64 {
        try await read { db in
            try Int64.fetchOne(db, sql: "SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()") ?? 0
        }
    }

    /// Answers only if both the writer and a reader answer: the database part of liveness.
    public func probe() async throws {
        try await writeWithoutTransaction { db in try db.execute(sql: "SELECT 1") }
        _ = try await read { db in try Int.fetchOne(db, sql: "SELECT 1") }
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

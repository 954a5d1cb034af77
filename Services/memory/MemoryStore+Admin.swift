import Foundation
import GRDB
import MamiCore

/// Listing and erasing memories.
extension MemoryStore {
    /// A page of the owner's memories, newest first. The cursor is the `seq` of
    /// the last row of the previous page, so paging is an index range scan.
    func list(owner: String, scope: Scope?, after cursor: Int64?, limit: Int) async throws -> (rows: [IndexedRow], next: Int64?) {
        try await database.read { db in
            var sql = "SELECT seq, id, scope, conversation_id, text, created_at FROM memories WHERE owner = ?"
            var arguments: StatementArguments = [owner]
            if let cursor {
                sql += " AND seq < ?"
                arguments += [cursor]
            }
            if let scope {
                sql += " AND scope = ?"
                arguments += [scope.rawValue]
            }
            sql += " ORDER BY seq DESC LIMIT ?"
            arguments += [limit + 1]
            let rows = try Row.fetchAll(db, sql: sql, arguments: arguments).map(Self.indexedRow)
            let page = Array(rows.prefix(limit))
            return (page, rows.count > limit ? page.last?.seq : nil)
        }
    }

    static func indexedRow(_ row: Row) -> IndexedRow {
        IndexedRow(
            seq: row["seq"], id: row["id"], scope: Scope(rawValue: row["scope"]) ?? .user,
            conversationID: row["conversation_id"], text: row["text"], createdAt: row["created_at"])
    }

    /// Deletes one memory of the owner; false when the owner has no such memory.
    func delete(owner: String, id: String) async throws -> Bool {
        let deleted = try await database.write { db in
            try db.execute(sql: "DELETE FROM memories WHERE owner = ? AND id = ?", arguments: [owner, id])
            return db.changesCount > 0
        }
        if deleted { index.update(.memories(owner)) { $0.remove(ids: [id]) } }
        return deleted
    }

    /// Erases everything the owner has (memories, add receipts, documents); returns the memories removed.
    func forget(owner: String) async throws -> Int {
        defer {
            index.invalidate(.memories(owner))
            index.invalidate(.documents(owner))
        }
        return try await database.write { db in
            try db.execute(sql: "DELETE FROM memories WHERE owner = ?", arguments: [owner])
            let removed = db.changesCount
            try db.execute(sql: "DELETE FROM add_receipts WHERE owner = ?", arguments: [owner])
            try db.execute(sql: "DELETE FROM doc_chunks WHERE owner = ?", arguments: [owner])
            try db.execute(sql: "DELETE FROM documents WHERE owner = ?", arguments: [owner])
            return removed
        }
    }

    /// Row counts for `sys.stats`.
    func counts() async throws -> (memories: Int, owners: Int, documents: Int, chunks: Int) {
        try await database.read { db in
            let memories = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM memories") ?? 0
            let owners = try Int.fetchOne(db, sql: "SELECT COUNT(DISTINCT owner) FROM memories") ?? 0
            let documents = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM documents") ?? 0
            let chunks = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM doc_chunks") ?? 0
            return (memories, owners, documents, chunks)
        }
    }
}

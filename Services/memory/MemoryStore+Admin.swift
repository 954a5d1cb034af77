import Foundation
import GRDB
import MamiCore

/// Listing and erasing memories.
extension MemoryStore {
    /// A page of the owner's memories, newest first, each with its origin and history. The cursor is
    /// the `seq` of the last row of the previous page, so paging is an index range scan.
    func list(owner: String, scope: Scope?, after cursor: Int64?, limit: Int) async throws -> (rows: [ListedMemory], next: Int64?) {
        try await database.read { db in
            var sql = """
                SELECT seq, id, scope, conversation_id, text, created_at, updated_at, topic, source_id, origin_message_id,
                       origin_conversation_id FROM memories WHERE owner = ?
                """
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
            let rows = try Row.fetchAll(db, sql: sql, arguments: arguments).map(ListedMemory.init)
            var page = Array(rows.prefix(limit))
            let history = try Self.history(of: page.map(\.row.id), db)
            for position in page.indices { page[position].history = history[page[position].row.id] ?? [] }
            return (page, rows.count > limit ? page.last?.row.seq : nil)
        }
    }

    /// The earlier texts of the memories `ids`, newest first.
    static func history(of ids: [String], _ db: Database) throws -> [String: [MemoryHistoryEntry]] {
        guard !ids.isEmpty else { return [:] }
        let marks = Array(repeating: "?", count: ids.count).joined(separator: ", ")
        let rows = try Row.fetchAll(db, sql: """
            SELECT memory_id, text, source_id, origin_message_id, origin_conversation_id, said_at, replaced_at
            FROM memory_history WHERE memory_id IN (\(marks)) ORDER BY seq DESC
            """, arguments: StatementArguments(ids))
        return Dictionary(grouping: rows.map { (id: $0["memory_id"] as String, entry: MemoryHistoryEntry(row: $0)) }, by: \.id)
            .mapValues { $0.map(\.entry) }
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
            let deleted = db.changesCount > 0
            try db.execute(sql: "DELETE FROM memory_history WHERE owner = ? AND memory_id = ?", arguments: [owner, id])
            return deleted
        }
        if deleted { index.update(.memories(owner)) { $0.remove(ids: [id]) } }
        return deleted
    }

    /// Erases everything the owner has (memories and their history, add receipts, documents); returns the memories removed.
    func forget(owner: String) async throws -> Int {
        defer {
            index.invalidate(.memories(owner))
            index.invalidate(.documents(owner))
        }
        return try await database.write { db in
            try db.execute(sql: "DELETE FROM memories WHERE owner = ?", arguments: [owner])
            let removed = db.changesCount
            try db.execute(sql: "DELETE FROM memory_history WHERE owner = ?", arguments: [owner])
            try db.execute(sql: "DELETE FROM add_receipts WHERE owner = ?", arguments: [owner])
            try db.execute(sql: "DELETE FROM doc_chunks WHERE owner = ?", arguments: [owner])
            try db.execute(sql: "DELETE FROM pending_chunks WHERE document_id IN (SELECT id FROM documents WHERE owner = ?)", arguments: [owner])
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

/// A memory as `memory.list` shows it: what the index holds, where it was said, and what it said before.
struct ListedMemory: Sendable {
    var row: IndexedRow
    var updatedAt: Double
    var topic: String?
    var sourceID: String?
    var origin: MemoryOrigin
    var history: [MemoryHistoryEntry] = []

    init(row: Row) {
        self.row = MemoryStore.indexedRow(row)
        updatedAt = row["updated_at"]
        topic = row["topic"]
        sourceID = row["source_id"]
        origin = MemoryOrigin(messageID: row["origin_message_id"], conversationID: row["origin_conversation_id"])
    }

    var json: JSONValue {
        guard case .object(var members) = row.json else { return row.json }
        members["updated_at"] = .double(updatedAt)
        members["topic"] = topic.map { .string($0) } ?? .null
        members["source_id"] = sourceID.map { .string($0) } ?? .null
        members["origin"] = origin.json
        members["history"] = .array(history.map(\.json))
        return .object(members)
    }
}

/// A text a memory held before a newer one of its topic replaced it.
struct MemoryHistoryEntry: Sendable {
    var text: String
    var sourceID: String?
    var origin: MemoryOrigin
    var saidAt: Double
    var replacedAt: Double

    init(row: Row) {
        text = row["text"]
        sourceID = row["source_id"]
        origin = MemoryOrigin(messageID: row["origin_message_id"], conversationID: row["origin_conversation_id"])
        saidAt = row["said_at"]
        replacedAt = row["replaced_at"]
    }

    var json: JSONValue {
        ["text": .string(text), "source_id": sourceID.map { .string($0) } ?? .null, "origin": origin.json,
         "said_at": .double(saidAt), "replaced_at": .double(replacedAt)]
    }
}

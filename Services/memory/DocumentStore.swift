import Foundation
import GRDB
import MamiCore
import MamiService
import MamiWire
import NIOCore

/// A document to ingest, validated.
struct NewDocument: Sendable {
    var owner: String
    var title: String
    var text: String
    var scope: Scope
    var conversationID: String?
}

/// A chunk found by `doc.search`.
struct ChunkHit: Sendable {
    var documentID: String
    var title: String
    var ordinal: Int
    var text: String
    var score: Float

    var json: JSONValue {
        ["document_id": .string(documentID), "title": .string(title), "chunk_id": .string("\(documentID)#\(ordinal)"),
         "ordinal": .int(Int64(ordinal)), "text": .string(text), "score": .double(Double(score))]
    }
}

/// Documents and their chunks in memory.db, searched through the same index as memories.
struct DocumentStore: Sendable {
    let database: ServiceDatabase
    let index: VectorIndex
    let dimension: Int
    /// The embedder of the vectors this store writes; a write finds it still in use or fails.
    let embedderIdentity: String

    /// Stores the document and its embedded chunks in one transaction; returns the document id.
    func ingest(_ document: NewDocument, chunks: [String], embeddings: [[Float]]) async throws -> String {
        let id = UUID().uuidString.lowercased()
        let now = Date().timeIntervalSince1970
        do {
            try await database.write { db in
                try EmbedderRecord.requireInUse(embedderIdentity, db)
                try db.execute(
                    sql: "INSERT INTO documents (id, owner, scope, conversation_id, title, chunk_count, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    arguments: [id, document.owner, document.scope.rawValue, document.conversationID, document.title, chunks.count, now])
                for (ordinal, (text, embedding)) in zip(chunks, embeddings).enumerated() {
                    try insertChunk(document, documentID: id, ordinal: ordinal, text: text, embedding: embedding, now: now, db)
                }
            }
        } catch {
            index.invalidate(.documents(document.owner))
            throw error
        }
        return id
    }

    private func insertChunk(_ document: NewDocument, documentID: String, ordinal: Int, text: String, embedding: [Float],
                             now: Double, _ db: Database) throws {
        try db.cachedStatement(sql: """
            INSERT INTO doc_chunks (document_id, owner, scope, conversation_id, ordinal, text, embedding, created_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """)
            .execute(arguments: [documentID, document.owner, document.scope.rawValue, document.conversationID, ordinal, text,
                                 Data(VectorMath.bytes(of: embedding)), now])
        let row = IndexedRow(seq: db.lastInsertedRowID, id: documentID, scope: document.scope,
                             conversationID: document.conversationID, text: text, createdAt: now)
        index.update(.documents(document.owner)) { $0.append(row, vector: embedding) }
    }

    /// Exact top-k chunks of the owner's documents; the deadline bounds the scan.
    func search(owner: String, query: [Float], k: Int, filter: SearchFilter, deadline: NIODeadline) async throws -> [ChunkHit] {
        let vectors = try await index.vectors(for: .documents(owner)) { try await database.read { db in try self.load(owner, db) } }
        let hits: [SearchHit]
        do {
            hits = try vectors.search(query, k: k, filter: filter, deadline: deadline)
        } catch is SearchDeadlinePassed {
            throw RPCError(.deadlineExceeded, "the search's deadline passed while scanning document chunks")
        }
        return try await details(of: hits)
    }

    /// Titles and ordinals of the hit chunks (the index holds their text and document id).
    private func details(of hits: [SearchHit]) async throws -> [ChunkHit] {
        guard !hits.isEmpty else { return [] }
        return try await database.read { db in
            try hits.map { hit in
                let row = try Row.fetchOne(
                    db, sql: "SELECT c.ordinal, d.title FROM doc_chunks c JOIN documents d ON d.id = c.document_id WHERE c.seq = ?",
                    arguments: [hit.row.seq])
                return ChunkHit(documentID: hit.row.id, title: row?["title"] ?? "", ordinal: row?["ordinal"] ?? 0,
                                text: hit.row.text, score: hit.score)
            }
        }
    }

    private func load(_ owner: String, _ db: Database) throws -> OwnerVectors {
        var vectors = OwnerVectors(dimension: dimension)
        let rows = try Row.fetchCursor(
            db, sql: "SELECT seq, document_id, scope, conversation_id, text, created_at, embedding FROM doc_chunks WHERE owner = ? ORDER BY seq",
            arguments: [owner])
        while let row = try rows.next() {
            let indexed = IndexedRow(seq: row["seq"], id: row["document_id"], scope: Scope(rawValue: row["scope"]) ?? .user,
                                     conversationID: row["conversation_id"], text: row["text"], createdAt: row["created_at"])
            let blob: Data = row["embedding"]
            vectors.append(indexed, vector: VectorMath.vector(from: blob))
        }
        return vectors
    }

    /// A page of the owner's documents, newest first (cursor: the last `seq` seen).
    func list(owner: String, after cursor: Int64?, limit: Int) async throws -> (items: [JSONValue], next: Int64?) {
        try await database.read { db -> (items: [JSONValue], next: Int64?) in
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT seq, id, title, scope, conversation_id, chunk_count, created_at FROM documents
                    WHERE owner = ? AND seq < ? ORDER BY seq DESC LIMIT ?
                    """,
                arguments: [owner, cursor ?? Int64.max, limit + 1])
            let page = rows.prefix(limit)
            let items: [JSONValue] = page.map { row in
                ["id": .string(row["id"]), "title": .string(row["title"]), "scope": .string(row["scope"]),
                 "conversation_id": (row["conversation_id"] as String?).map { .string($0) } ?? .null,
                 "chunks": .int(row["chunk_count"]), "created_at": .double(row["created_at"])]
            }
            let next: Int64? = rows.count > limit ? page.last?["seq"] : nil
            return (items, next)
        }
    }

    /// Deletes a document of the owner with its chunks; false when there is none.
    func delete(owner: String, id: String) async throws -> Bool {
        let deleted = try await database.write { db in
            try db.execute(sql: "DELETE FROM doc_chunks WHERE owner = ? AND document_id = ?", arguments: [owner, id])
            try db.execute(sql: "DELETE FROM documents WHERE owner = ? AND id = ?", arguments: [owner, id])
            return db.changesCount > 0
        }
        if deleted { index.update(.documents(owner)) { $0.remove(ids: [id]) } }
        return deleted
    }
}

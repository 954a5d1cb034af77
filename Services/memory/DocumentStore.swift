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

    /// Stores the document and its chunks' texts, to be embedded by the ``DocumentIngester``, in one
    /// transaction; returns the document id. Its chunks are searched once all are embedded.
    func accept(_ document: NewDocument, chunks: [String]) async throws -> String {
        let id = UUID().uuidString.lowercased()
        try await database.write { db in
            try db.execute(sql: """
                INSERT INTO documents (id, owner, scope, conversation_id, title, chunk_count, created_at, status)
                VALUES (?, ?, ?, ?, ?, ?, ?, 'pending')
                """, arguments: [id, document.owner, document.scope.rawValue, document.conversationID, document.title, chunks.count,
                                 Date().timeIntervalSince1970])
            let statement = try db.cachedStatement(sql: "INSERT INTO pending_chunks (document_id, ordinal, text) VALUES (?, ?, ?)")
            for (ordinal, text) in chunks.enumerated() { try statement.execute(arguments: [id, ordinal, text]) }
        }
        return id
    }

    /// The oldest pending document and up to `limit` of its chunks without a vector of this store's embedder.
    func nextPending(limit: Int) async throws -> (documentID: String, chunks: [(ordinal: Int, text: String)])? {
        try await database.read { db -> (documentID: String, chunks: [(ordinal: Int, text: String)])? in
            guard let id = try String.fetchOne(db, sql: "SELECT id FROM documents WHERE status = 'pending' ORDER BY seq LIMIT 1") else {
                return nil
            }
            let rows = try Row.fetchAll(db, sql: """
                SELECT ordinal, text FROM pending_chunks WHERE document_id = ? AND (embedder IS NOT ? OR embedding IS NULL)
                ORDER BY ordinal LIMIT ?
                """, arguments: [id, embedderIdentity, limit])
            return (id, rows.map { (ordinal: $0["ordinal"], text: $0["text"]) })
        }
    }

    /// Keeps the vectors of a pending document's chunks until all are ready.
    func stage(_ documentID: String, ordinals: [Int], vectors: [[Float]]) async throws {
        try await database.write { db in
            let statement = try db.cachedStatement(sql: "UPDATE pending_chunks SET embedding = ?, embedder = ? WHERE document_id = ? AND ordinal = ?")
            for (ordinal, vector) in zip(ordinals, vectors) {
                try statement.execute(arguments: [Data(VectorMath.bytes(of: VectorMath.normalized(vector))), embedderIdentity, documentID, ordinal])
            }
        }
    }

    /// Moves a pending document's chunks, all embedded by the embedder in use, into the searched ones in one
    /// transaction, and marks it ready. False when some chunk still lacks such a vector.
    func complete(_ documentID: String) async throws -> Bool {
        let owner = try await database.read { db in try String.fetchOne(db, sql: "SELECT owner FROM documents WHERE id = ?", arguments: [documentID]) }
        guard let owner else { return true }  // deleted meanwhile
        do {
            return try await database.write { db in
                try EmbedderRecord.requireInUse(embedderIdentity, db)
                let missing = try Int.fetchOne(db, sql: """
                    SELECT count(*) FROM pending_chunks WHERE document_id = ? AND (embedder IS NOT ? OR embedding IS NULL)
                    """, arguments: [documentID, embedderIdentity]) ?? 0
                guard missing == 0, let document = try Row.fetchOne(
                    db, sql: "SELECT owner, scope, conversation_id FROM documents WHERE id = ? AND status = 'pending'", arguments: [documentID])
                else { return missing == 0 }
                let now = Date().timeIntervalSince1970
                let chunks = try Row.fetchAll(db, sql: "SELECT ordinal, text, embedding FROM pending_chunks WHERE document_id = ? ORDER BY ordinal",
                                              arguments: [documentID])
                for chunk in chunks {
                    try insertChunk(document, documentID: documentID, ordinal: chunk["ordinal"], text: chunk["text"],
                                    blob: chunk["embedding"], now: now, db)
                }
                try db.execute(sql: "DELETE FROM pending_chunks WHERE document_id = ?", arguments: [documentID])
                try db.execute(sql: "UPDATE documents SET status = 'ready' WHERE id = ?", arguments: [documentID])
                return true
            }
        } catch {
            index.invalidate(.documents(owner))  // the index may hold rows that were rolled back
            throw error
        }
    }

    func pendingCount() async throws -> Int {
        try await database.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM documents WHERE status = 'pending'") ?? 0 }
    }

    /// Until the document is ready; "deadline exceeded" (it stays queued) when `deadline` passes first.
    func waitUntilReady(_ documentID: String, by deadline: NIODeadline) async throws {
        while true {
            let status = try await database.read { db in try String.fetchOne(db, sql: "SELECT status FROM documents WHERE id = ?", arguments: [documentID]) }
            guard let status else { throw RPCError(.notFound, "document \(documentID) was deleted while it was embedded") }
            if status == "ready" { return }
            guard NIODeadline.now() + .milliseconds(50) < deadline else {
                throw RPCError(.deadlineExceeded, "document \(documentID) is still being embedded; it stays queued and is searched once ready")
            }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    private func insertChunk(_ document: Row, documentID: String, ordinal: Int, text: String, blob: Data, now: Double, _ db: Database) throws {
        let (owner, scope, conversationID): (String, String, String?) = (document["owner"], document["scope"], document["conversation_id"])
        try db.cachedStatement(sql: """
            INSERT INTO doc_chunks (document_id, owner, scope, conversation_id, ordinal, text, embedding, created_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """)
            .execute(arguments: [documentID, owner, scope, conversationID, ordinal, text, blob, now])
        let row = IndexedRow(seq: db.lastInsertedRowID, id: documentID, scope: Scope(rawValue: scope) ?? .user,
                             conversationID: conversationID, text: text, createdAt: now)
        index.update(.documents(owner)) { $0.append(row, vector: VectorMath.vector(from: blob)) }
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
                sql: "SELECT \(Self.columns) FROM documents d WHERE owner = ? AND seq < ? ORDER BY seq DESC LIMIT ?",
                arguments: [owner, cursor ?? Int64.max, limit + 1])
            let page = rows.prefix(limit)
            let next: Int64? = rows.count > limit ? page.last?["seq"] : nil
            return (page.map(Self.item), next)
        }
    }

    /// One document of the owner, nil when there is none.
    func get(owner: String, id: String) async throws -> JSONValue? {
        try await database.read { db in
            try Row.fetchOne(db, sql: "SELECT \(Self.columns) FROM documents d WHERE owner = ? AND id = ?", arguments: [owner, id]).map(Self.item)
        }
    }

    private static let columns = """
        seq, id, title, scope, conversation_id, chunk_count, created_at, status,
        CASE status WHEN 'ready' THEN chunk_count
             ELSE (SELECT count(*) FROM pending_chunks p WHERE p.document_id = d.id AND p.embedding IS NOT NULL) END AS embedded
        """

    /// `{"id","title","scope","conversation_id","chunks","created_at","status","embedded"}`: `status` is `pending`
    /// until every chunk is embedded (`embedded` of `chunks`), then `ready`.
    private static func item(_ row: Row) -> JSONValue {
        ["id": .string(row["id"]), "title": .string(row["title"]), "scope": .string(row["scope"]),
         "conversation_id": (row["conversation_id"] as String?).map { .string($0) } ?? .null,
         "chunks": .int(row["chunk_count"]), "created_at": .double(row["created_at"]), "status": .string(row["status"]),
         "embedded": .int(row["embedded"])]
    }

    /// Deletes a document of the owner with its chunks; false when there is none.
    func delete(owner: String, id: String) async throws -> Bool {
        let deleted = try await database.write { db in
            try db.execute(sql: "DELETE FROM doc_chunks WHERE owner = ? AND document_id = ?", arguments: [owner, id])
            try db.execute(sql: "DELETE FROM pending_chunks WHERE document_id = (SELECT id FROM documents WHERE owner = ? AND id = ?)",
                           arguments: [owner, id])
            try db.execute(sql: "DELETE FROM documents WHERE owner = ? AND id = ?", arguments: [owner, id])
            return db.changesCount > 0
        }
        if deleted { index.update(.documents(owner)) { $0.remove(ids: [id]) } }
        return deleted
    }
}

import Foundation
import GRDB
import MamiCore
import MamiService
import MamiWire
import NIOCore

/// memory.db and the index over it. Every write runs in one transaction on
/// SQLite's single writer, so adds are serialized: duplicate checks and the
/// insert cannot interleave with another add.
struct MemoryStore: Sendable {
    let database: ServiceDatabase
    let index: VectorIndex
    let dimension: Int
    /// The embedder of the vectors this store writes; a write finds it still in use or fails.
    let embedderIdentity: String
    let nearDuplicateThreshold: Float

    /// Adds each memory (with its embedding) in one transaction; see ``AddOutcome``.
    func add(_ items: [(memory: NewMemory, embedding: [Float])]) async throws -> [AddOutcome] {
        let owners = Set(items.map(\.memory.owner))
        // Work that needs no database is done before taking the single writer.
        let prepared = items.map { PreparedMemory(memory: $0.memory, embedding: $0.embedding) }
        do {
            return try await database.write { db in
                try EmbedderRecord.requireInUse(embedderIdentity, db)
                return try prepared.map { try addOne($0, db) }
            }
        } catch {
            for owner in owners { index.invalidate(.memories(owner)) }  // the index may hold rows that were rolled back
            throw error
        }
    }

    private func addOne(_ prepared: PreparedMemory, _ db: Database) throws -> AddOutcome {
        let memory = prepared.memory
        if let sourceID = memory.sourceID, let replay = try receipt(owner: memory.owner, sourceID: sourceID, db) {
            return replay
        }
        let outcome = try supersede(prepared, db) ?? deduplicate(prepared, db) ?? insert(prepared, db)
        if let sourceID = memory.sourceID {
            try db.cachedStatement(sql: "INSERT INTO add_receipts (owner, source_id, answer, created_at) VALUES (?, ?, ?, ?)")
                .execute(arguments: [memory.owner, sourceID, outcome.json.jsonText, Date().timeIntervalSince1970])
        }
        return outcome
    }

    private func receipt(owner: String, sourceID: String, _ db: Database) throws -> AddOutcome? {
        let statement = try db.cachedStatement(sql: "SELECT answer FROM add_receipts WHERE owner = ? AND source_id = ?")
        let answer = try String.fetchOne(statement, arguments: [owner, sourceID])
        return try answer.flatMap { AddOutcome(json: try JSONValue(parsing: $0)) }
    }

    /// With a topic that a memory of the owner (same scope and conversation) already has: the same text
    /// again is a duplicate; another replaces it, under the same id, its earlier text kept in `memory_history`.
    /// Nil without a topic or with a new one.
    private func supersede(_ prepared: PreparedMemory, _ db: Database) throws -> AddOutcome? {
        let memory = prepared.memory
        guard let topic = memory.topic else { return nil }
        let statement = try db.cachedStatement(sql: """
            SELECT seq, id, text, source_id, origin_message_id, origin_conversation_id, created_at FROM memories
            WHERE owner = ? AND topic = ? AND scope = ? AND conversation_id IS ? ORDER BY seq DESC LIMIT 1
            """)
        guard let current = try Row.fetchOne(statement, arguments: [memory.owner, topic, memory.scope.rawValue, memory.conversationID]) else {
            return nil
        }
        let id: String = current["id"]
        let previous: String = current["text"]
        if TextNormalizer.normalize(previous) == prepared.normalized {
            try db.cachedStatement(sql: "UPDATE memories SET updated_at = ? WHERE id = ?").execute(arguments: [Date().timeIntervalSince1970, id])
            return AddOutcome(id: id, status: .duplicate)
        }
        try db.cachedStatement(sql: """
            INSERT INTO memory_history (memory_id, owner, text, source_id, origin_message_id, origin_conversation_id, said_at, replaced_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """)
            .execute(arguments: [id, memory.owner, previous, current["source_id"], current["origin_message_id"],
                                 current["origin_conversation_id"], current["created_at"], Date().timeIntervalSince1970])
        // A new row (a new seq) under the same id: the newest in lists, and re-embedded by a re-index under way.
        try db.cachedStatement(sql: "DELETE FROM memories WHERE seq = ?").execute(arguments: [current["seq"]])
        index.update(.memories(memory.owner)) { $0.remove(ids: [id]) }
        var replacement = prepared
        replacement.id = id
        _ = try insert(replacement, db)
        return AddOutcome(id: id, status: .updated, previous: previous)
    }

    /// An exact duplicate (same normalized text) or a near one (cosine ≥ threshold)
    /// in the same owner, scope and conversation; nil when the memory is new.
    private func deduplicate(_ prepared: PreparedMemory, _ db: Database) throws -> AddOutcome? {
        let memory = prepared.memory
        let statement = try db.cachedStatement(
            sql: "SELECT id, text FROM memories WHERE owner = ? AND text_hash = ? AND scope = ? AND conversation_id IS ?")
        let sameHash = try Row.fetchAll(statement, arguments: [memory.owner, prepared.hash, memory.scope.rawValue, memory.conversationID])
        if let twin = sameHash.first(where: { TextNormalizer.normalize($0["text"]) == prepared.normalized }) {
            try db.cachedStatement(sql: "UPDATE memories SET topic = COALESCE(topic, ?) WHERE id = ?").execute(arguments: [memory.topic, twin["id"]])
            return AddOutcome(id: twin["id"], status: .duplicate)
        }
        // A memory with a topic says one thing about it: merged into a memory of another topic, it would be lost.
        guard memory.topic == nil else { return nil }
        let filter = SearchFilter(scope: memory.scope, conversationID: memory.conversationID)
        let nearest = try vectors(of: memory.owner, db).best(atLeast: nearDuplicateThreshold, to: prepared.embedding, filter: filter)
        guard let nearest else { return nil }
        try db.cachedStatement(sql: "UPDATE memories SET updated_at = ? WHERE id = ?")
            .execute(arguments: [Date().timeIntervalSince1970, nearest.row.id])
        return AddOutcome(id: nearest.row.id, status: .merged, duplicateOf: nearest.row.id)
    }

    private func insert(_ prepared: PreparedMemory, _ db: Database) throws -> AddOutcome {
        let (memory, id, hash, embedding) = (prepared.memory, prepared.id, prepared.hash, prepared.embedding)
        let now = Date().timeIntervalSince1970
        try db.cachedStatement(sql: """
            INSERT INTO memories (id, owner, scope, conversation_id, text, text_hash, embedding, source_id, created_at, updated_at,
                                  topic, origin_message_id, origin_conversation_id)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
            .execute(arguments: [id, memory.owner, memory.scope.rawValue, memory.conversationID, memory.text, hash,
                                 prepared.blob, memory.sourceID, now, now, memory.topic, memory.origin.messageID,
                                 memory.origin.conversationID])
        let row = IndexedRow(seq: db.lastInsertedRowID, id: id, scope: memory.scope, conversationID: memory.conversationID,
                             text: memory.text, createdAt: now)
        index.update(.memories(memory.owner)) { $0.append(row, vector: embedding) }
        return AddOutcome(id: id, status: .added)
    }

    /// The owner's vectors from the index, or loaded through `db` (and kept when the budget allows).
    func vectors(of owner: String, _ db: Database) throws -> OwnerVectors {
        let (cached, version) = index.lookup(.memories(owner))
        if let cached { return cached }
        let loaded = try load(owner, db)
        index.store(loaded, for: .memories(owner), ifVersion: version)
        return loaded
    }

    func load(_ owner: String, _ db: Database) throws -> OwnerVectors {
        var vectors = OwnerVectors(dimension: dimension)
        let rows = try Row.fetchCursor(
            db,
            sql: "SELECT seq, id, scope, conversation_id, text, created_at, embedding FROM memories WHERE owner = ? ORDER BY seq",
            arguments: [owner])
        while let row = try rows.next() {
            let blob: Data = row["embedding"]
            vectors.append(Self.indexedRow(row), vector: VectorMath.vector(from: blob))
        }
        return vectors
    }

    /// Exact top-k for the owner among rows the filter admits; stops with
    /// "deadline exceeded" when the deadline passes mid-scan.
    func search(owner: String, query: [Float], k: Int, filter: SearchFilter, deadline: NIODeadline) async throws -> [SearchHit] {
        let vectors = try await index.vectors(for: .memories(owner)) { try await database.read { db in try self.load(owner, db) } }
        do {
            return try vectors.search(query, k: k, filter: filter, deadline: deadline)
        } catch is SearchDeadlinePassed {
            throw RPCError(.deadlineExceeded, "the search's deadline passed after scanning part of \(vectors.rows.count) memories")
        }
    }
}


extension MemoryStore {
    /// The owner's current memory of `topic` that the filter admits, scored against `query`.
    func current(owner: String, topic: String, query: [Float], filter: SearchFilter) async throws -> SearchHit? {
        let found = try await database.read { db -> (row: IndexedRow, vector: [Float])? in
            let row = try Row.fetchOne(db, sql: """
                SELECT seq, id, scope, conversation_id, text, created_at, embedding FROM memories
                WHERE owner = ? AND topic = ? ORDER BY seq DESC LIMIT 1
                """, arguments: [owner, topic])
            return row.map { (Self.indexedRow($0), VectorMath.vector(from: $0["embedding"] as Data)) }
        }
        guard let found, filter.admits(found.row), found.vector.count == query.count else { return nil }
        let score = query.withUnsafeBufferPointer { a in found.vector.withUnsafeBufferPointer { b in VectorMath.dot(a, b) } }
        return SearchHit(row: found.row, score: score)
    }
}

/// A memory with everything computed that the writer does not need to compute.
struct PreparedMemory: Sendable {
    var memory: NewMemory
    var embedding: [Float]
    var normalized: String
    var hash: String
    var blob: Data
    var id: String

    init(memory: NewMemory, embedding: [Float]) {
        self.memory = memory
        self.embedding = embedding
        normalized = TextNormalizer.normalize(memory.text)
        hash = TextNormalizer.hash(ofNormalized: normalized)
        blob = Data(VectorMath.bytes(of: embedding))
        id = UUID().uuidString.lowercased()
    }
}

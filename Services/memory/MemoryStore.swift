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
        let outcome = try deduplicate(prepared, db) ?? insert(prepared, db)
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

    /// An exact duplicate (same normalized text) or a near one (cosine ≥ threshold)
    /// in the same owner, scope and conversation; nil when the memory is new.
    private func deduplicate(_ prepared: PreparedMemory, _ db: Database) throws -> AddOutcome? {
        let memory = prepared.memory
        let statement = try db.cachedStatement(
            sql: "SELECT id, text FROM memories WHERE owner = ? AND text_hash = ? AND scope = ? AND conversation_id IS ?")
        let sameHash = try Row.fetchAll(statement, arguments: [memory.owner, prepared.hash, memory.scope.rawValue, memory.conversationID])
        if let twin = sameHash.first(where: { TextNormalizer.normalize($0["text"]) == prepared.normalized }) {
            return AddOutcome(id: twin["id"], status: .duplicate)
        }
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
            INSERT INTO memories (id, owner, scope, conversation_id, text, text_hash, embedding, source_id, created_at, updated_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
            .execute(arguments: [id, memory.owner, memory.scope.rawValue, memory.conversationID, memory.text, hash,
                                 prepared.blob, memory.sourceID, now, now])
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

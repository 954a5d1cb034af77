import Foundation
import GRDB
import MamiCore
import MamiService

/// A conversation row.
struct Conversation: Sendable {
    var seq: Int64
    var id: String
    var userID: String
    var title: String
    /// The model its chats use; nil: the gateway's default.
    var model: String?
    var createdAt: Double
    var updatedAt: Double

    init(row: Row) {
        seq = row["seq"]
        id = row["id"]
        userID = row["user_id"]
        title = row["title"]
        model = row["model"]
        createdAt = row["created_at"]
        updatedAt = row["updated_at"]
    }

    var json: JSONValue {
        ["id": .string(id), "title": .string(title), "model": model.map(JSONValue.string) ?? .null,
         "created_at": iso(createdAt), "updated_at": iso(updatedAt)]
    }
}

/// A message row: text from a person or the assistant, or an image message tied to a job (I1).
struct Message: Sendable {
    var seq: Int64
    var id: String
    var conversationID: String
    var role: String
    var content: String
    var kind: String
    var jobID: String?
    var status: String
    var error: String?
    var createdAt: Double
    /// The document passages an answer was given with.
    var sources: [Source]

    init(row: Row) {
        seq = row["seq"]
        id = row["id"]
        conversationID = row["conversation_id"]
        role = row["role"]
        content = row["content"]
        kind = row["kind"]
        jobID = row["job_id"]
        status = row["status"]
        error = row["error"]
        createdAt = row["created_at"]
        let stored: String? = row["sources"]
        sources = stored.flatMap { try? JSONValue(parsing: $0) }?.arrayValue?.compactMap(Source.init(stored:)) ?? []
    }

    var json: JSONValue {
        [
            "id": .string(id), "conversation_id": .string(conversationID), "role": .string(role), "content": .string(content),
            "kind": .string(kind), "job_id": jobID.map(JSONValue.string) ?? .null, "status": .string(status),
            "error": error.map(JSONValue.string) ?? .null, "created_at": iso(createdAt), "sources": .array(sources.map(\.json)),
        ]
    }
}

func iso(_ seconds: Double) -> JSONValue {
    .string(Date(timeIntervalSince1970: seconds).formatted(.iso8601))
}

/// gateway.db's conversations and messages. Every list is a cursor over an index (G8): no OFFSET.
struct ConversationStore: Sendable {
    let database: ServiceDatabase

    static func now() -> Double { Date().timeIntervalSince1970 }

    func create(userID: String, title: String, model: String? = nil) async throws -> Conversation {
        try await database.write { db in try Self.insertConversation(db, userID: userID, title: title, model: model) }
    }

    private static func insertConversation(_ db: Database, userID: String, title: String, model: String? = nil) throws -> Conversation {
        let id = UUID().uuidString.lowercased()
        let now = Self.now()
        try db.execute(sql: "INSERT INTO conversations (id, user_id, title, model, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)",
                       arguments: [id, userID, title, model, now, now])
        return try Self.conversation(db, id: id)!
    }

    static func conversation(_ db: Database, id: String) throws -> Conversation? {
        try Row.fetchOne(db, sql: "SELECT * FROM conversations WHERE id = ?", arguments: [id]).map(Conversation.init(row:))
    }

    /// The conversation if `userID` owns it (another user's reads as absent).
    func conversation(id: String, userID: String) async throws -> Conversation? {
        try await database.read { db in try Self.conversation(db, id: id) }.flatMap { $0.userID == userID ? $0 : nil }
    }

    /// Where a person's message goes: a conversation of theirs by id, or theirs with a
    /// title, created when missing (the OpenAI surface's one conversation).
    enum Destination: Sendable {
        case id(String)
        case titled(String)
    }

    /// Stores the person's message in one write: the conversation is looked up (or
    /// created) on the writer, so concurrent first messages share one conversation.
    /// Nil when the id names no conversation of `userID`'s.
    func addUserMessage(_ content: String, userID: String, to destination: Destination) async throws -> (Conversation, Message)? {
        try await database.write { db -> (Conversation, Message)? in
            guard let conversation = try Self.conversation(db, userID: userID, destination) else { return nil }
            let message = try Self.insertMessage(db, id: UUID().uuidString.lowercased(), conversationID: conversation.id, role: "user",
                                                 content: content, kind: "text", jobID: nil, status: "complete", error: nil)
            return (conversation, message)
        }
    }

    private static func conversation(_ db: Database, userID: String, _ destination: Destination) throws -> Conversation? {
        switch destination {
        case .id(let id):
            let statement = try db.cachedStatement(sql: "SELECT * FROM conversations WHERE id = ? AND user_id = ?")
            return try Row.fetchOne(statement, arguments: [id, userID]).map(Conversation.init(row:))
        case .titled(let title):
            let statement = try db.cachedStatement(sql: "SELECT * FROM conversations WHERE user_id = ? AND title = ? ORDER BY seq LIMIT 1")
            return try Row.fetchOne(statement, arguments: [userID, title]).map(Conversation.init(row:))
                ?? Self.insertConversation(db, userID: userID, title: title)
        }
    }

    func list(userID: String, before cursor: Int64?, limit: Int) async throws -> [Conversation] {
        try await database.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM conversations WHERE user_id = ? AND seq < ? ORDER BY seq DESC LIMIT ?",
                             arguments: [userID, cursor ?? Int64.max, limit]).map(Conversation.init(row:))
        }
    }

    /// Changes the title and/or the model (`.some(nil)`: back to the default); nil when not the user's.
    func update(id: String, userID: String, title: String?, model: String??) async throws -> Conversation? {
        try await database.write { db in
            guard var conversation = try Self.conversation(db, id: id), conversation.userID == userID else { return nil }
            if let title { conversation.title = title }
            if let model { conversation.model = model }
            try db.execute(sql: "UPDATE conversations SET title = ?, model = ?, updated_at = ? WHERE id = ?",
                           arguments: [conversation.title, conversation.model, Self.now(), id])
            return try Self.conversation(db, id: id)
        }
    }

    func delete(id: String, userID: String) async throws -> Bool {
        try await database.write { db in
            try db.execute(sql: "DELETE FROM messages WHERE conversation_id = (SELECT id FROM conversations WHERE id = ? AND user_id = ?)", arguments: [id, userID])
            try db.execute(sql: "DELETE FROM conversations WHERE id = ? AND user_id = ?", arguments: [id, userID])
            return db.changesCount == 1
        }
    }

    /// Newest first, before `cursor` (a message's seq).
    func messages(conversationID: String, before cursor: Int64?, limit: Int) async throws -> [Message] {
        try await database.read { db in
            let statement = try db.cachedStatement(sql: "SELECT * FROM messages WHERE conversation_id = ? AND seq < ? ORDER BY seq DESC LIMIT ?")
            return try Row.fetchAll(statement, arguments: [conversationID, cursor ?? Int64.max, limit]).map(Message.init(row:))
        }
    }

    func addMessage(id: String = UUID().uuidString.lowercased(), conversationID: String, role: String, content: String,
                    kind: String = "text", jobID: String? = nil, status: String = "complete", error: String? = nil,
                    sources: [Source] = []) async throws -> Message {
        try await database.write { db in
            try Self.insertMessage(db, id: id, conversationID: conversationID, role: role, content: content, kind: kind, jobID: jobID,
                                   status: status, error: error, sources: sources)
        }
    }

    /// Stores an image message (queued) unless the user already has `maxOpen` queued or drawing; nil then.
    /// Counted and inserted in one write, so concurrent requests cannot pass the limit together.
    func addImageMessage(id: String, conversationID: String, prompt: String, userID: String, maxOpen: Int) async throws -> Message? {
        try await database.write { db in
            guard try Self.openImageJobs(db, userID: userID) < maxOpen else { return nil }
            return try Self.insertMessage(db, id: id, conversationID: conversationID, role: "assistant", content: prompt, kind: "image",
                                          jobID: nil, status: "queued", error: nil)
        }
    }

    func openImageJobs(userID: String) async throws -> Int {
        try await database.read { db in try Self.openImageJobs(db, userID: userID) }
    }

    private static func openImageJobs(_ db: Database, userID: String) throws -> Int {
        try Int.fetchOne(db, sql: """
            SELECT count(*) FROM messages m JOIN conversations c ON c.id = m.conversation_id
            WHERE m.kind = 'image' AND m.status IN ('queued', 'running') AND c.user_id = ?
            """, arguments: [userID]) ?? 0
    }

    private static func insertMessage(_ db: Database, id: String, conversationID: String, role: String, content: String, kind: String,
                                      jobID: String?, status: String, error: String?, sources: [Source] = []) throws -> Message {
        let now = Self.now()
        let storedSources = sources.isEmpty ? nil : JSONValue.array(sources.map(\.json)).jsonText
        try db.cachedStatement(sql: """
            INSERT INTO messages (id, conversation_id, role, content, kind, job_id, status, error, created_at, sources)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """).execute(arguments: [id, conversationID, role, content, kind, jobID, status, error, now, storedSources])
        try db.cachedStatement(sql: "UPDATE conversations SET updated_at = ? WHERE id = ?").execute(arguments: [now, conversationID])
        return try Self.message(db, id: id)!
    }

    static func message(_ db: Database, id: String) throws -> Message? {
        try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM messages WHERE id = ?"), arguments: [id]).map(Message.init(row:))
    }

    /// The message and its conversation's owner.
    func message(id: String) async throws -> (Message, ownerID: String)? {
        try await database.read { db in
            guard let message = try Self.message(db, id: id),
                  let owner = try String.fetchOne(db, sql: "SELECT user_id FROM conversations WHERE id = ?", arguments: [message.conversationID]) else { return nil }
            return (message, owner)
        }
    }

    /// Image messages: records the job's state (idempotent; terminal states are final).
    func recordJob(messageID: String, jobID: String, status: String, error: String?) async throws -> Message? {
        try await database.write { db in
            try db.execute(sql: """
                UPDATE messages SET job_id = ?, status = ?, error = ? WHERE id = ? AND status NOT IN ('succeeded', 'failed', 'cancelled')
                """, arguments: [jobID, status, error, messageID])
            return try Self.message(db, id: messageID)
        }
    }

    /// Image messages whose jobs were not terminal when last seen (reconciled at start-up).
    func openImageMessages() async throws -> [Message] {
        try await database.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM messages WHERE kind = 'image' AND status IN ('queued', 'running')").map(Message.init(row:))
        }
    }

    /// The conversation's newest `limit` completed text turns before `newest`, oldest first, for a prompt:
    /// only the two columns a prompt needs, so a long history costs little per chat.
    func history(conversationID: String, before newest: Message, limit: Int) async throws -> [ChatLine] {
        try await database.read { db in
            let statement = try db.cachedStatement(sql: """
                SELECT role, content FROM messages
                WHERE conversation_id = ? AND seq < ? AND kind = 'text' AND status = 'complete' ORDER BY seq DESC LIMIT ?
                """)
            return try Row.fetchAll(statement, arguments: [conversationID, newest.seq, limit]).reversed().map { row in
                ChatLine(role: row["role"], content: row["content"])
            }
        }
    }
}

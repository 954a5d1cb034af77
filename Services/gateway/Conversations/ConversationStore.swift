import Foundation
import GRDB
import MamiCore
import MamiService

/// gateway.db's conversations and messages. Every list is a cursor over an index (G8): no OFFSET.
struct ConversationStore: Sendable {
    let database: ServiceDatabase

    static func now() -> Double { Date().timeIntervalSince1970 }

    static let untitled = "New conversation"

    /// A conversation with `settings`; untitled, the chat model may name it after the first exchange.
    func create(userID: String, settings: ConversationSettings = ConversationSettings()) async throws -> Conversation {
        try await database.write { db in try Self.insertConversation(db, userID: userID, settings: settings) }
    }

    private static func insertConversation(_ db: Database, userID: String, settings: ConversationSettings) throws -> Conversation {
        let id = UUID().uuidString.lowercased()
        let now = Self.now()
        try db.execute(sql: """
            INSERT INTO conversations (id, user_id, title, title_source, model, system_prompt, temperature, created_at, updated_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [id, userID, settings.title ?? untitled, settings.title == nil ? "default" : "person", settings.model ?? nil,
                             settings.systemPrompt ?? nil, settings.temperature ?? nil, now, now])
        return try Self.conversation(db, id: id)!
    }

    /// The chat model's title, unless someone named the conversation meanwhile; nil then.
    func proposeTitle(_ title: String, conversationID: String) async throws -> Conversation? {
        try await database.write { db in
            try db.execute(sql: "UPDATE conversations SET title = ?, title_source = 'model' WHERE id = ? AND title_source = 'default'",
                           arguments: [title, conversationID])
            return db.changesCount == 1 ? try Self.conversation(db, id: conversationID) : nil
        }
    }

    static func conversation(_ db: Database, id: String) throws -> Conversation? {
        try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM conversations WHERE id = ?"), arguments: [id]).map(Conversation.init(row:))
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

    /// What is stored with the person's message, in the same write: its answer's row, so no other message can
    /// come between them.
    enum PendingAnswer: Sendable {
        /// A text answer, empty and `streaming`, filled as it streams.
        case text(id: String)
        /// An image message, `queued`, unless the user has `maxOpen` images open (then ``ImageQueueFull``: nothing is stored).
        case image(id: String, prompt: String, maxOpen: Int)
    }

    /// Stores the person's message in one write: the conversation is looked up (or created) on the writer,
    /// so concurrent first messages share one conversation. It follows the branch shown, or with `replacing`
    /// becomes an alternative to that message (an edit). Nil when the id names no conversation of `userID`'s.
    func addUserMessage(_ content: String, userID: String, to destination: Destination, replacing edited: Message? = nil,
                        answer: PendingAnswer) async throws -> (Conversation, Message, Message)? {
        try await database.write { db -> (Conversation, Message, Message)? in
            guard let conversation = try Self.conversation(db, userID: userID, destination) else { return nil }
            let parent = edited.map(\.parentID) ?? conversation.currentID
            let message = try Self.insertMessage(db, id: UUID().uuidString.lowercased(), conversationID: conversation.id, parentID: parent,
                                                 role: "user", content: content, kind: "text", status: "complete")
            let stored: Message
            switch answer {
            case .text(let id):
                stored = try Self.insertMessage(db, id: id, conversationID: conversation.id, parentID: message.id, role: "assistant",
                                                content: "", kind: "text", status: "streaming")
            case .image(let id, let prompt, let maxOpen):
                stored = try Self.insertImageMessage(db, id: id, conversationID: conversation.id, parentID: message.id, prompt: prompt,
                                                     userID: userID, maxOpen: maxOpen)
            }
            return (conversation, message, stored)  // as it was read: what the answer needs of it did not change
        }
    }

    /// A new answer to `question` (a regenerate): an alternative to its other answers, empty and `streaming`, now shown.
    func addAnswer(id: String, to question: Message) async throws -> Message {
        try await database.write { db in
            try Self.insertMessage(db, id: id, conversationID: question.conversationID, parentID: question.id, role: "assistant",
                                   content: "", kind: "text", status: "streaming")
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
                ?? Self.insertConversation(db, userID: userID, settings: ConversationSettings(title: title))
        }
    }

    /// Which conversations a list shows: archived ones only with `archived`; with `pinned`, the pinned ones only.
    struct ListFilter: Sendable {
        var archived = false
        var pinned: Bool?
    }

    func list(userID: String, filter: ListFilter = ListFilter(), before cursor: Int64?, limit: Int) async throws -> [Conversation] {
        try await database.read { db in
            var sql = "SELECT * FROM conversations WHERE user_id = ? AND seq < ? AND archived_at IS \(filter.archived ? "NOT NULL" : "NULL")"
            if let pinned = filter.pinned { sql += " AND pinned_at IS \(pinned ? "NOT NULL" : "NULL")" }
            return try Row.fetchAll(db, sql: sql + " ORDER BY seq DESC LIMIT ?", arguments: [userID, cursor ?? Int64.max, limit]).map(Conversation.init(row:))
        }
    }

    /// Applies `settings`; nil when the conversation is not the user's.
    func update(id: String, userID: String, settings: ConversationSettings) async throws -> Conversation? {
        try await database.write { db in
            guard var conversation = try Self.conversation(db, id: id), conversation.userID == userID else { return nil }
            settings.apply(to: &conversation)
            try db.execute(sql: """
                UPDATE conversations SET title = ?, title_source = ?, model = ?, system_prompt = ?, temperature = ?, archived_at = ?, pinned_at = ?,
                    updated_at = ? WHERE id = ?
                """, arguments: [conversation.title, conversation.titleSource, conversation.model, conversation.systemPrompt,
                                 conversation.temperature, conversation.archivedAt, conversation.pinnedAt, Self.now(), id])
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

    /// Stores the answer as it ended (once, G4).
    func finishAnswer(id: String, content: String, status: String, error: String?, sources: [Source]) async throws -> Message {
        try await database.write { db in
            let storedSources = sources.isEmpty ? nil : JSONValue.array(sources.map(\.json)).jsonText
            try db.cachedStatement(sql: "UPDATE messages SET content = ?, status = ?, error = ?, sources = ? WHERE id = ?")
                .execute(arguments: [content, status, error, storedSources, id])
            try db.cachedStatement(sql: "UPDATE conversations SET updated_at = ? WHERE id = (SELECT conversation_id FROM messages WHERE id = ?)")
                .execute(arguments: [Self.now(), id])
            return try Self.message(db, id: id)!
        }
    }

    /// The text of an answer so far, while it streams: what survives a crash of the gateway.
    func flushAnswer(id: String, content: String) async throws {
        try await database.write { db in
            try db.cachedStatement(sql: "UPDATE messages SET content = ? WHERE id = ? AND status = 'streaming'").execute(arguments: [content, id])
        }
    }

    /// Answers left `streaming` by a gateway that stopped: failed, with the text last flushed. At start-up.
    func failInterruptedAnswers() async throws -> Int {
        try await database.write { db in
            try db.execute(sql: "UPDATE messages SET status = 'failed', error = ? WHERE status = 'streaming'",
                           arguments: [Self.interrupted])
            return db.changesCount
        }
    }

    static let interrupted = "The gateway stopped before the answer was complete."

    /// Where a new message goes in the tree.
    enum Placement: Sendable {
        /// After the last message of the branch shown.
        case end
        /// Among the answers of that message (nil: among the first messages): an alternative to them.
        case under(String?)
    }

    /// Stores an image message (queued) at `placement` unless the user
    /// already has `maxOpen` queued or drawing (``ImageQueueFull``). Counted and inserted in one write, so
    /// concurrent requests cannot pass the limit together.
    func addImageMessage(id: String, conversationID: String, at placement: Placement, prompt: String, userID: String, maxOpen: Int) async throws -> Message {
        try await database.write { db in
            let parent: String?
            switch placement {
            case .end: parent = try Self.conversation(db, id: conversationID)?.currentID
            case .under(let id): parent = id
            }
            return try Self.insertImageMessage(db, id: id, conversationID: conversationID, parentID: parent, prompt: prompt,
                                               userID: userID, maxOpen: maxOpen)
        }
    }

    /// A queued image message, unless `userID` already has `maxOpen` open (``ImageQueueFull``).
    private static func insertImageMessage(_ db: Database, id: String, conversationID: String, parentID: String?, prompt: String,
                                           userID: String, maxOpen: Int) throws -> Message {
        guard try openImageJobs(db, userID: userID) < maxOpen else { throw ImageQueueFull(maxOpen: maxOpen) }
        return try insertMessage(db, id: id, conversationID: conversationID, parentID: parentID, role: "assistant", content: prompt,
                                 kind: "image", status: "queued")
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

    /// Inserts a message, which becomes the last of the branch shown.
    private static func insertMessage(_ db: Database, id: String, conversationID: String, parentID: String?, role: String, content: String,
                                      kind: String, status: String) throws -> Message {
        let now = Self.now()
        try db.cachedStatement(sql: """
            INSERT INTO messages (id, conversation_id, parent_id, parent_seq, role, content, kind, status, created_at)
            VALUES (?, ?, ?, (SELECT seq FROM messages WHERE id = ?), ?, ?, ?, ?, ?)
            """).execute(arguments: [id, conversationID, parentID, parentID, role, content, kind, status, now])
        try db.cachedStatement(sql: "UPDATE conversations SET current_id = ?, updated_at = ? WHERE id = ?").execute(arguments: [id, now, conversationID])
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

    /// Image messages: the prompt their job is given.
    func setImagePrompt(_ prompt: ImagePrompt, messageID: String) async throws {
        try await database.write { db in
            try db.execute(sql: "UPDATE messages SET image_prompt = ? WHERE id = ?", arguments: [prompt.json.jsonText, messageID])
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
}

/// A user's image queue is at its limit (`MAMI_IMAGE_JOBS_PER_USER`).
struct ImageQueueFull: Error, Sendable {
    var maxOpen: Int
}

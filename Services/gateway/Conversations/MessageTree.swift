import GRDB
import MamiCore

/// The tree of a conversation's messages: the branch shown (the path up from `current_id`), each
/// message's alternatives, switching branches, and the turns of one branch for a prompt.
extension ConversationStore {
    /// The branch shown, newest first, before `cursor` (a message's seq, from the previous page), each with its siblings.
    func branch(conversationID: String, before cursor: Int64?, limit: Int) async throws -> [Message] {
        try await database.read { db in
            let start: String?
            if let cursor {
                start = try String.fetchOne(db, sql: "SELECT parent_id FROM messages WHERE seq = ? AND conversation_id = ?",
                                            arguments: [cursor, conversationID])
            } else {
                start = try Self.conversation(db, id: conversationID)?.currentID
            }
            var messages = try Self.ancestors(db, of: start, limit: limit)
            for index in messages.indices { messages[index].siblings = try Self.siblings(db, of: messages[index]) }
            return messages
        }
    }

    /// `path(id, depth)`: the message of the first argument and its ancestors, fewer than the second argument.
    static let pathUp = """
        WITH RECURSIVE path(id, depth) AS (
            SELECT ?, 0
            UNION ALL
            SELECT m.parent_id, path.depth + 1 FROM path JOIN messages m ON m.id = path.id
            WHERE m.parent_id IS NOT NULL AND path.depth + 1 < ?
        )

        """

    /// `id` and its ancestors, nearest first, at most `limit`.
    static func ancestors(_ db: Database, of id: String?, limit: Int) throws -> [Message] {
        guard let id else { return [] }
        let statement = try db.cachedStatement(sql: pathUp + "SELECT messages.* FROM path JOIN messages ON messages.id = path.id ORDER BY path.depth")
        return try Row.fetchAll(statement, arguments: [id, limit]).map(Message.init(row:))
    }

    /// The ids of the messages with `message`'s parent, oldest first.
    static func siblings(_ db: Database, of message: Message) throws -> [String] {
        if let parent = message.parentID {
            return try String.fetchAll(db.cachedStatement(sql: "SELECT id FROM messages WHERE parent_id = ? ORDER BY seq"), arguments: [parent])
        }
        return try String.fetchAll(db.cachedStatement(sql: "SELECT id FROM messages WHERE conversation_id = ? AND parent_id IS NULL ORDER BY seq"),
                                   arguments: [message.conversationID])
    }

    /// Shows the branch through `messageID`: down from it by the newest answer at each step. Nil when the
    /// message is not in a conversation of `userID`'s.
    func showBranch(through messageID: String, conversationID: String, userID: String) async throws -> Conversation? {
        try await database.write { db in
            guard let conversation = try Self.conversation(db, id: conversationID), conversation.userID == userID,
                  try Self.message(db, id: messageID)?.conversationID == conversationID else { return nil }
            let leaf = try String.fetchOne(db, sql: """
                WITH RECURSIVE down(id, depth) AS (
                    SELECT ?, 0
                    UNION ALL
                    SELECT (SELECT c.id FROM messages c WHERE c.parent_id = down.id ORDER BY c.seq DESC LIMIT 1), down.depth + 1
                    FROM down WHERE down.id IS NOT NULL
                )
                SELECT id FROM down WHERE id IS NOT NULL ORDER BY depth DESC LIMIT 1
                """, arguments: [messageID])
            try db.execute(sql: "UPDATE conversations SET current_id = ? WHERE id = ?", arguments: [leaf, conversationID])
            return try Self.conversation(db, id: conversationID)
        }
    }

    /// The newest `limit` finished text turns of `newest`'s branch before it, oldest first, for a prompt: only the
    /// two columns a prompt needs, and a bounded walk, so a long history costs little per chat.
    func history(before newest: Message, limit: Int) async throws -> [ChatLine] {
        try await database.read { db in
            guard let parent = newest.parentID else { return [] }
            let statement = try db.cachedStatement(sql: Self.pathUp + """
                SELECT role, content FROM path JOIN messages ON messages.id = path.id
                WHERE kind = 'text' AND status IN ('complete', 'stopped') AND content != '' ORDER BY path.depth LIMIT ?
                """)
            return try Row.fetchAll(statement, arguments: [parent, limit * 4, limit]).reversed().map { row in
                ChatLine(role: row["role"], content: row["content"])
            }
        }
    }
}

import GRDB
import MamiCore

/// The tree of a conversation's messages: the branch shown (the path up from `current_id`), each
/// message's alternatives, switching branches, and the turns of one branch for a prompt. Walked by
/// row number (`parent_seq`): a branch's rows are neighbours.
extension ConversationStore {
    /// The branch shown, newest first, before `cursor` (a message's seq, from the previous page), each with its siblings.
    func branch(conversationID: String, before cursor: Int64?, limit: Int) async throws -> [Message] {
        try await database.read { db in
            let start: Int64?
            if let cursor {
                start = try Int64.fetchOne(db.cachedStatement(sql: "SELECT parent_seq FROM messages WHERE seq = ? AND conversation_id = ?"),
                                           arguments: [cursor, conversationID])
            } else {
                start = try Int64.fetchOne(db.cachedStatement(sql: """
                    SELECT m.seq FROM conversations c JOIN messages m ON m.id = c.current_id WHERE c.id = ?
                    """), arguments: [conversationID])
            }
            var messages = try Self.ancestors(db, of: start, limit: limit)
            let siblings = try Self.siblings(db, of: messages)
            for index in messages.indices { messages[index].siblings = siblings[messages[index].parentSeq ?? 0] ?? [messages[index].id] }
            return messages
        }
    }

    /// `path(seq, depth)`: the message of the first argument and its ancestors, fewer than the second argument.
    static let pathUp = """
        WITH RECURSIVE path(seq, depth) AS (
            SELECT ?, 0
            UNION ALL
            SELECT m.parent_seq, path.depth + 1 FROM path JOIN messages m ON m.seq = path.seq
            WHERE m.parent_seq IS NOT NULL AND path.depth + 1 < ?
        )

        """

    /// The message of row `seq` and its ancestors, nearest first, at most `limit`.
    static func ancestors(_ db: Database, of seq: Int64?, limit: Int) throws -> [Message] {
        guard let seq else { return [] }
        let statement = try db.cachedStatement(sql: pathUp + "SELECT messages.* FROM path JOIN messages ON messages.seq = path.seq ORDER BY path.depth")
        return try Row.fetchAll(statement, arguments: [seq, limit]).map(Message.init(row:))
    }

    /// The ids of the alternatives of each of `messages`, oldest first, by parent row (0: the first messages).
    static func siblings(_ db: Database, of messages: [Message]) throws -> [Int64: [String]] {
        var siblings: [Int64: [String]] = [:]
        let parents = Array(Set(messages.compactMap(\.parentSeq)))
        if !parents.isEmpty {
            let marks = Array(repeating: "?", count: parents.count).joined(separator: ", ")
            for row in try Row.fetchAll(db, sql: "SELECT parent_seq, id FROM messages WHERE parent_seq IN (\(marks)) ORDER BY seq",
                                        arguments: StatementArguments(parents)) {
                siblings[row["parent_seq"], default: []].append(row["id"])
            }
        }
        if let root = messages.first(where: { $0.parentSeq == nil }) {
            siblings[0] = try String.fetchAll(db.cachedStatement(sql: "SELECT id FROM messages WHERE conversation_id = ? AND parent_seq IS NULL ORDER BY seq"),
                                              arguments: [root.conversationID])
        }
        return siblings
    }

    /// Shows the branch through `messageID`: down from it by the newest answer at each step. Nil when the
    /// message is not in a conversation of `userID`'s.
    func showBranch(through messageID: String, conversationID: String, userID: String) async throws -> Conversation? {
        try await database.write { db in
            guard let conversation = try Self.conversation(db, id: conversationID), conversation.userID == userID,
                  let message = try Self.message(db, id: messageID), message.conversationID == conversationID else { return nil }
            let leaf = try String.fetchOne(db, sql: """
                WITH RECURSIVE down(seq, depth) AS (
                    SELECT ?, 0
                    UNION ALL
                    SELECT (SELECT c.seq FROM messages c WHERE c.parent_seq = down.seq ORDER BY c.seq DESC LIMIT 1), down.depth + 1
                    FROM down WHERE down.seq IS NOT NULL
                )
                SELECT messages.id FROM down JOIN messages ON messages.seq = down.seq ORDER BY depth DESC LIMIT 1
                """, arguments: [message.seq])
            try db.execute(sql: "UPDATE conversations SET current_id = ? WHERE id = ?", arguments: [leaf, conversationID])
            return try Self.conversation(db, id: conversationID)
        }
    }

    /// The newest `limit` finished text turns of `newest`'s branch before it, oldest first, for a prompt: only the
    /// two columns a prompt needs, and a bounded walk, so a long history costs little per chat.
    func history(before newest: Message, limit: Int) async throws -> [ChatLine] {
        try await database.read { db in
            guard let parent = newest.parentSeq else { return [] }
            let statement = try db.cachedStatement(sql: Self.pathUp + """
                SELECT role, content FROM path JOIN messages ON messages.seq = path.seq
                WHERE kind = 'text' AND status IN ('complete', 'stopped') AND content != '' ORDER BY path.depth LIMIT ?
                """)
            return try Row.fetchAll(statement, arguments: [parent, limit * 2, limit]).reversed().map { row in
                ChatLine(role: row["role"], content: row["content"])
            }
        }
    }
}

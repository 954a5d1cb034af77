import Foundation
import GRDB
import MamiCore

/// A conversation in Mami's export JSON, read and checked whole before anything is stored: every
/// problem is a 400 naming the field. Ids are the file's own: the store gives new ones.
struct ConversationImport: Sendable {
    struct Line: Sendable {
        var id: String
        var parentID: String?
        var role: String
        var content: String
        var kind: String
        var status: String
        var error: String?
        var createdAt: Double
        var sources: JSONValue?
        var imagePrompt: JSONValue?
    }

    var title: String
    var titleSource: String
    var systemPrompt: String?
    var temperature: Double?
    var createdAt: Double
    var messages: [Line]
    var currentID: String?

    static let maxMessages = 20_000
    static let maxContentCharacters = 200_000
    static let roles: Set<String> = ["system", "user", "assistant"]
    /// A message still streaming or an image still queued on the server it came from ended there.
    static let statuses: [String: String] = ["complete": "complete", "stopped": "stopped", "failed": "failed", "streaming": "failed",
                                             "succeeded": "succeeded", "cancelled": "cancelled", "queued": "failed", "running": "failed"]

    init(_ body: [String: JSONValue]) throws {
        guard body["format"]?.stringValue == ConversationExport.format else {
            throw FieldError(field: "format", problem: "must be \"\(ConversationExport.format)\" (a conversation Mami exported)")
        }
        guard body["version"]?.intValue == ConversationExport.version else { throw FieldError(field: "version", problem: "must be \(ConversationExport.version)") }
        guard let conversation = body["conversation"]?.objectValue else { throw FieldError(field: "conversation", problem: "must be an object") }
        title = try ConversationSettings.title(conversation) ?? "Imported conversation"
        titleSource = conversation["title_source"]?.stringValue == "model" ? "model" : "person"
        systemPrompt = try ConversationSettings.systemPrompt(conversation) ?? nil
        temperature = try ConversationSettings.temperature(conversation) ?? nil
        createdAt = Self.date(conversation["created_at"]) ?? Date().timeIntervalSince1970
        guard let lines = body["messages"]?.arrayValue, (1...Self.maxMessages).contains(lines.count) else {
            throw FieldError(field: "messages", problem: "must be an array of 1 to \(Self.maxMessages) messages")
        }
        var seen = Set<String>()
        messages = try lines.enumerated().map { index, value in
            let line = try Self.line(value, at: "messages[\(index)]", after: seen)
            seen.insert(line.id)
            return line
        }
        let current = conversation["current_message_id"]?.stringValue
        currentID = current.flatMap { seen.contains($0) ? $0 : nil } ?? messages.last?.id
    }

    /// One message; its parent must come before it, so the tree has no cycles.
    private static func line(_ value: JSONValue, at path: String, after earlier: Set<String>) throws -> Line {
        guard let members = value.objectValue else { throw FieldError(field: path, problem: "must be an object") }
        guard let id = members["id"]?.stringValue, !id.isEmpty, id.utf8.count <= 200, !earlier.contains(id) else {
            throw FieldError(field: "\(path).id", problem: "must be a string naming no earlier message")
        }
        let parent = members["parent_id"]?.stringValue
        if let parent, !earlier.contains(parent) { throw FieldError(field: "\(path).parent_id", problem: "must name an earlier message, or be null") }
        guard let role = members["role"]?.stringValue, roles.contains(role) else {
            throw FieldError(field: "\(path).role", problem: "must be user, assistant or system")
        }
        guard let content = members["content"]?.stringValue, content.count <= maxContentCharacters else {
            throw FieldError(field: "\(path).content", problem: "must be a string of at most \(maxContentCharacters) characters")
        }
        let kind = members["kind"]?.stringValue ?? "text"
        guard kind == "text" || kind == "image" else { throw FieldError(field: "\(path).kind", problem: "must be text or image") }
        guard let status = statuses[members["status"]?.stringValue ?? "complete"] else {
            throw FieldError(field: "\(path).status", problem: "must be one of \(statuses.keys.sorted().joined(separator: ", "))")
        }
        let sources = members["sources"]?.arrayValue.map { JSONValue.array($0.filter { Source(stored: $0) != nil }) }
        return Line(id: id, parentID: parent, role: role, content: content, kind: kind, status: status,
                    error: members["error"]?.stringValue, createdAt: date(members["created_at"]) ?? Date().timeIntervalSince1970,
                    sources: sources?.arrayValue?.isEmpty == false ? sources : nil,
                    imagePrompt: members["image_prompt"].flatMap(ImagePrompt.init(stored:))?.json)
    }

    static func date(_ value: JSONValue?) -> Double? {
        value?.stringValue.flatMap { try? Date($0, strategy: .iso8601) }?.timeIntervalSince1970
    }
}

extension ConversationStore {
    /// Every message of the conversation, oldest first: the whole tree.
    func allMessages(conversationID: String) async throws -> [Message] {
        try await database.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM messages WHERE conversation_id = ? ORDER BY seq", arguments: [conversationID]).map(Message.init(row:))
        }
    }

    /// Stores an imported conversation with new ids, in one write: all of it or nothing.
    func store(_ imported: ConversationImport, userID: String) async throws -> Conversation {
        try await database.write { db in
            let conversationID = UUID().uuidString.lowercased()
            try db.execute(sql: """
                INSERT INTO conversations (id, user_id, title, title_source, system_prompt, temperature, created_at, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [conversationID, userID, imported.title, imported.titleSource, imported.systemPrompt, imported.temperature,
                                 imported.createdAt, Self.now()])
            var ids: [String: String] = [:]
            let insert = try db.makeStatement(sql: """
                INSERT INTO messages (id, conversation_id, parent_id, parent_seq, role, content, kind, status, error, created_at, sources, image_prompt)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
            var seqs: [String: Int64] = [:]
            for line in imported.messages {
                let id = UUID().uuidString.lowercased()
                ids[line.id] = id
                try insert.execute(arguments: [id, conversationID, line.parentID.flatMap { ids[$0] }, line.parentID.flatMap { seqs[$0] }, line.role,
                                               line.content, line.kind, line.status, line.error, line.createdAt, line.sources?.jsonText,
                                               line.imagePrompt?.jsonText])
                seqs[line.id] = db.lastInsertedRowID
            }
            try db.execute(sql: "UPDATE conversations SET current_id = ? WHERE id = ?", arguments: [imported.currentID.flatMap { ids[$0] }, conversationID])
            return try Self.conversation(db, id: conversationID)!
        }
    }
}

import Foundation
import GRDB
import MamiCore

/// A conversation row.
struct Conversation: Sendable {
    var seq: Int64
    var id: String
    var userID: String
    var title: String
    /// Who named it: `person`, `model`, or `default` (nobody yet: the chat model may, after the first exchange).
    var titleSource: String
    /// The model its chats use; nil: the gateway's default.
    var model: String?
    /// Its own system prompt (nil: `MAMI_SYSTEM_PROMPT`) and temperature (nil: the model's).
    var systemPrompt: String?
    var temperature: Double?
    /// When the person archived (hidden from the list but for `?archived=true`) or pinned it.
    var archivedAt: Double?
    var pinnedAt: Double?
    /// The last message of the branch shown (nil: no messages yet).
    var currentID: String?
    var createdAt: Double
    var updatedAt: Double

    init(row: Row) {
        seq = row["seq"]
        id = row["id"]
        userID = row["user_id"]
        title = row["title"]
        titleSource = row["title_source"]
        model = row["model"]
        currentID = row["current_id"]
        systemPrompt = row["system_prompt"]
        temperature = row["temperature"]
        archivedAt = row["archived_at"]
        pinnedAt = row["pinned_at"]
        createdAt = row["created_at"]
        updatedAt = row["updated_at"]
    }

    var json: JSONValue {
        ["id": .string(id), "title": .string(title), "title_source": .string(titleSource), "model": model.map(JSONValue.string) ?? .null,
         "system_prompt": systemPrompt.map(JSONValue.string) ?? .null, "temperature": temperature.map(JSONValue.double) ?? .null,
         "archived": .bool(archivedAt != nil), "pinned": .bool(pinnedAt != nil),
         "current_message_id": currentID.map(JSONValue.string) ?? .null, "created_at": iso(createdAt), "updated_at": iso(updatedAt)]
    }
}

/// A message row: text from a person or the assistant, or an image message tied to a job (I1).
/// Messages form a tree: each follows its parent; messages with the same parent are alternatives.
struct Message: Sendable {
    var seq: Int64
    var id: String
    var conversationID: String
    var parentID: String?
    /// The parent's row number: what the tree is walked by.
    var parentSeq: Int64?
    var role: String
    var content: String
    var kind: String
    var jobID: String?
    var status: String
    var error: String?
    var createdAt: Double
    /// The document passages an answer was given with.
    var sources: [Source]
    /// An image message's prompt as its job got it.
    var imagePrompt: ImagePrompt?
    /// The ids of the alternatives at its place in the tree, itself included, oldest first; known in listings.
    var siblings: [String]?

    init(row: Row) {
        seq = row["seq"]
        id = row["id"]
        conversationID = row["conversation_id"]
        parentID = row["parent_id"]
        parentSeq = row["parent_seq"]
        role = row["role"]
        content = row["content"]
        kind = row["kind"]
        jobID = row["job_id"]
        status = row["status"]
        error = row["error"]
        createdAt = row["created_at"]
        let stored: String? = row["sources"]
        sources = stored.flatMap { try? JSONValue(parsing: $0) }?.arrayValue?.compactMap(Source.init(stored:)) ?? []
        let prompt: String? = row["image_prompt"]
        imagePrompt = prompt.flatMap { try? JSONValue(parsing: $0) }.flatMap(ImagePrompt.init(stored:))
    }

    var json: JSONValue {
        var members: [String: JSONValue] = [
            "id": .string(id), "conversation_id": .string(conversationID), "parent_id": parentID.map(JSONValue.string) ?? .null,
            "role": .string(role), "content": .string(content), "kind": .string(kind), "job_id": jobID.map(JSONValue.string) ?? .null,
            "status": .string(status), "error": error.map(JSONValue.string) ?? .null, "created_at": iso(createdAt),
            "sources": .array(sources.map(\.json)),
        ]
        if kind == "image" { members["image_prompt"] = imagePrompt?.json ?? .null }
        if let siblings {
            members["siblings"] = ["count": .int(Int64(siblings.count)), "position": .int(Int64((siblings.firstIndex(of: id) ?? 0) + 1)),
                                   "ids": .array(siblings.map(JSONValue.string))]
        }
        return .object(members)
    }

    /// A text answer still being written.
    var isStreaming: Bool { status == "streaming" }
}

func iso(_ seconds: Double) -> JSONValue {
    .string(Date(timeIntervalSince1970: seconds).formatted(.iso8601))
}

import Foundation
import MamiCore

/// A conversation written out: Mami's JSON (the whole tree, what ``ConversationImport`` reads back),
/// Markdown (the branch shown, images referenced), or the shape of ChatGPT's `conversations.json` entries.
enum ConversationExport {
    static let format = "mami.conversation"
    static let version: Int64 = 1

    static func json(_ conversation: Conversation, _ messages: [Message]) -> JSONValue {
        [
            "format": .string(format), "version": .int(version), "exported_at": iso(Date().timeIntervalSince1970),
            "conversation": [
                "title": .string(conversation.title), "title_source": .string(conversation.titleSource),
                "system_prompt": conversation.systemPrompt.map(JSONValue.string) ?? .null,
                "temperature": conversation.temperature.map(JSONValue.double) ?? .null,
                "created_at": iso(conversation.createdAt), "current_message_id": conversation.currentID.map(JSONValue.string) ?? .null,
            ],
            "messages": .array(messages.map { message in
                var members = message.json.objectValue ?? [:]
                for field in ["conversation_id", "job_id", "siblings"] { members[field] = nil }
                return .object(members)
            }),
        ]
    }

    /// The branch shown, oldest first, as Markdown; an image is referenced by its URL on this server.
    static func markdown(_ conversation: Conversation, branch: [Message]) -> String {
        var text = "# \(conversation.title)\n"
        for message in branch {
            let who = message.role == "user" ? "You" : message.role == "assistant" ? "Mami" : "System"
            let when = Date(timeIntervalSince1970: message.createdAt).formatted(.iso8601)
            text += "\n## \(who) · \(when)\n\n"
            if message.kind == "image" {
                let prompt = message.imagePrompt?.prompt ?? message.content
                text += message.jobID.map { "![\(prompt)](/api/v1/images/\($0))" } ?? "(an image of \(prompt), not drawn)"
                text += "\n"
            } else {
                text += message.content + "\n"
                if message.status == "stopped" { text += "\n*(stopped)*\n" }
                if message.status == "failed" { text += "\n*(failed: \(message.error ?? "no answer"))*\n" }
            }
        }
        return text
    }

    /// The shape of an entry of ChatGPT's `conversations.json`: a `mapping` of nodes with parent and children.
    static func openAI(_ conversation: Conversation, _ messages: [Message]) -> JSONValue {
        var children: [String: [String]] = [:]
        for message in messages { children[message.parentID ?? "", default: []].append(message.id) }
        var mapping: [String: JSONValue] = [:]
        for message in messages {
            mapping[message.id] = [
                "id": .string(message.id), "parent": message.parentID.map(JSONValue.string) ?? .null,
                "children": .array((children[message.id] ?? []).map(JSONValue.string)),
                "message": [
                    "id": .string(message.id), "author": ["role": .string(message.role)], "create_time": .double(message.createdAt),
                    "content": ["content_type": "text", "parts": [.string(message.imagePrompt?.prompt ?? message.content)]],
                    "status": .string(message.status == "complete" ? "finished_successfully" : message.status),
                ],
            ]
        }
        return [
            "id": .string(conversation.id), "title": .string(conversation.title), "create_time": .double(conversation.createdAt),
            "update_time": .double(conversation.updatedAt), "mapping": .object(mapping),
            "current_node": conversation.currentID.map(JSONValue.string) ?? .null,
        ]
    }
}

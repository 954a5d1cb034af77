import Foundation
import MamiCore

/// What a person sets on a conversation (`POST`/`PATCH /conversations`): its title, model, system prompt,
/// temperature, and whether it is archived or pinned. Each nil when not given; `.some(nil)` puts it back to the gateway's default.
struct ConversationSettings: Sendable {
    var title: String?
    var model: String??
    var systemPrompt: String??
    var temperature: Double??
    var archived: Bool?
    var pinned: Bool?

    static let maxSystemPromptCharacters = 8_000
    static let temperatures = 0.0...2.0

    var isEmpty: Bool { title == nil && model == nil && systemPrompt == nil && temperature == nil && archived == nil && pinned == nil }

    /// The settings of a request body, validated; a model is resolved to the engine's name for it.
    static func parse(_ body: [String: JSONValue], models: EngineModels) async throws -> ConversationSettings {
        ConversationSettings(title: try title(body), model: try await model(body, models), systemPrompt: try systemPrompt(body),
                             temperature: try temperature(body), archived: try body.optionalBool("archived"), pinned: try body.optionalBool("pinned"))
    }

    func apply(to conversation: inout Conversation) {
        if let title { (conversation.title, conversation.titleSource) = (title, "person") }
        if let model { conversation.model = model }
        if let systemPrompt { conversation.systemPrompt = systemPrompt }
        if let temperature { conversation.temperature = temperature }
        let now = Date().timeIntervalSince1970
        if let archived { conversation.archivedAt = archived ? conversation.archivedAt ?? now : nil }
        if let pinned { conversation.pinnedAt = pinned ? conversation.pinnedAt ?? now : nil }
    }

    static func title(_ body: [String: JSONValue]) throws -> String? {
        guard let title = try body.optionalString("title") else { return nil }
        let trimmed = title.trimmingCharacters(in: .whitespacesAndNewlines)
        guard (1...200).contains(trimmed.count) else { throw FieldError(field: "title", problem: "must be 1 to 200 characters") }
        return trimmed
    }

    /// `model`: absent → nil; null → the default; a name → the engine's name for it. A name the engine does not
    /// serve is refused, naming the field and what it serves.
    static func model(_ body: [String: JSONValue], _ models: EngineModels) async throws -> String?? {
        guard let value = body["model"] else { return nil }
        if value == .null { return .some(nil) }
        guard let name = value.stringValue, !name.isEmpty else { throw FieldError(field: "model", problem: "must be a model name or null") }
        let match: String?
        do {
            match = try await models.resolve(name)
        } catch {
            throw APIError(.serviceUnavailable, LLMError.Kind.unreachable.rawValue, "the language model cannot be asked which models it has")
        }
        guard let match else {
            let served = (try? await models.names()) ?? []
            throw FieldError(field: "model", problem: "is not a model the engine serves (\(served.joined(separator: ", ")))")
        }
        return .some(match)
    }

    static func systemPrompt(_ body: [String: JSONValue]) throws -> String?? {
        guard let value = body["system_prompt"] else { return nil }
        if value == .null { return .some(nil) }
        guard let text = value.stringValue?.trimmingCharacters(in: .whitespacesAndNewlines), !text.isEmpty,
              text.count <= maxSystemPromptCharacters else {
            throw FieldError(field: "system_prompt", problem: "must be 1 to \(maxSystemPromptCharacters) characters, or null for the default")
        }
        return .some(text)
    }

    static func temperature(_ body: [String: JSONValue]) throws -> Double?? {
        guard let value = body["temperature"] else { return nil }
        if value == .null { return .some(nil) }
        guard let number = value.doubleValue, temperatures.contains(number) else {
            throw FieldError(field: "temperature", problem: "must be a number from 0 to 2, or null for the model's own")
        }
        return .some(number)
    }
}

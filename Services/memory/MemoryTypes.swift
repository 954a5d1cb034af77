import MamiCore

/// Where a memory applies: to the person, to one conversation, or everywhere for the owner.
enum Scope: String, Sendable, CaseIterable {
    case user
    case conversation
    case global
}

/// One stored memory as the index holds it (the text stays in the database).
struct IndexedRow: Sendable {
    var seq: Int64
    var id: String
    var scope: Scope
    var conversationID: String?
    var text: String
    var createdAt: Double

    var json: JSONValue {
        [
            "id": .string(id), "text": .string(text), "scope": .string(scope.rawValue),
            "conversation_id": conversationID.map { .string($0) } ?? .null, "created_at": .double(createdAt),
        ]
    }
}

/// A memory to add, validated.
struct NewMemory: Sendable {
    var owner: String
    var text: String
    var scope: Scope
    var conversationID: String?
    var sourceID: String?
    var embedding: [Float]?
    /// What the memory is about ("self/home"): a newer memory of the same topic replaces it.
    var topic: String?
    var origin = MemoryOrigin()
}

/// The message a memory was taken from, and its conversation.
struct MemoryOrigin: Sendable, Equatable {
    var messageID: String?
    var conversationID: String?

    var json: JSONValue {
        ["message_id": messageID.map { .string($0) } ?? .null, "conversation_id": conversationID.map { .string($0) } ?? .null]
    }
}

/// What an add did.
struct AddOutcome: Sendable {
    /// `updated`: the memory of the same topic now says this, its earlier text is in its history.
    enum Status: String, Sendable {
        case added, duplicate, merged, updated
    }

    var id: String
    var status: Status
    var duplicateOf: String?
    /// The text an update replaced.
    var previous: String?

    var json: JSONValue {
        var members: [String: JSONValue] = ["id": .string(id), "status": .string(status.rawValue)]
        if let duplicateOf { members["duplicate_of"] = .string(duplicateOf) }
        if let previous { members["previous"] = .string(previous) }
        return .object(members)
    }

    init(id: String, status: Status, duplicateOf: String? = nil, previous: String? = nil) {
        self.id = id
        self.status = status
        self.duplicateOf = duplicateOf
        self.previous = previous
    }

    init?(json: JSONValue) {
        guard let id = json["id"]?.stringValue, let status = json["status"]?.stringValue.flatMap(Status.init) else { return nil }
        self.init(id: id, status: status, duplicateOf: json["duplicate_of"]?.stringValue, previous: json["previous"]?.stringValue)
    }
}

/// The rows a search may return.
struct SearchFilter: Sendable {
    var scope: Scope?
    var conversationID: String?

    func admits(_ row: IndexedRow) -> Bool {
        (scope.map { $0 == row.scope } ?? true) && (conversationID.map { $0 == row.conversationID } ?? true)
    }
}

/// One search hit.
struct SearchHit: Sendable {
    var row: IndexedRow
    var score: Float
}

import Foundation
import MamiCore

/// Reads and validates request fields; every failure is a ``FieldError`` naming the field,
/// which the wire answers as -32602 before anything is written.
struct MemoryRequestReader: Sendable {
    var dimension: Int
    var maxTextBytes: Int
    static let maxK: Int64 = 100
    static let maxIdentifierBytes = 200

    func owner(_ members: [String: JSONValue]) throws -> String {
        try identifier("owner", members, required: true)!
    }

    func identifier(_ field: String, _ members: [String: JSONValue], required: Bool = false) throws -> String? {
        try members.identifier(field, required: required, maxBytes: Self.maxIdentifierBytes)
    }

    func text(_ field: String, _ members: [String: JSONValue]) throws -> String {
        let text = try members.requireString(field)
        guard text.contains(where: { !$0.isWhitespace }) else { throw FieldError(field: field, problem: "must not be empty or whitespace") }
        guard text.utf8.count <= maxTextBytes else { throw FieldError(field: field, problem: "must be at most \(maxTextBytes) bytes") }
        return text
    }

    func scope(_ members: [String: JSONValue]) throws -> Scope? {
        guard let name = try members.optionalString("scope") else { return nil }
        guard let scope = Scope(rawValue: name) else {
            throw FieldError(field: "scope", problem: "must be one of \(Scope.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return scope
    }

    /// A caller's own embedding, as `embedding` (an array of numbers) or `embedding_b64`
    /// (base64 of little-endian float32 values, compact for bulk imports): the recorded
    /// dimension, finite values, not all zero; returned L2-normalized.
    func embedding(_ members: [String: JSONValue]) throws -> [Float]? {
        if let encoded = try members.optionalString("embedding_b64") { return try checkedVector(decode(encoded), field: "embedding_b64") }
        guard let value = members["embedding"], value != .null else { return nil }
        guard case .array(let elements) = value else { throw FieldError(field: "embedding", problem: "must be an array of numbers") }
        let vector = try elements.map { element -> Float in
            guard let number = element.doubleValue else { throw FieldError(field: "embedding", problem: "must hold only numbers") }
            return Float(number)
        }
        return try checkedVector(vector, field: "embedding")
    }

    private func decode(_ encoded: String) throws -> [Float] {
        guard let data = Data(base64Encoded: encoded), data.count % 4 == 0 else {
            throw FieldError(field: "embedding_b64", problem: "must be base64 of little-endian float32 values")
        }
        return VectorMath.vector(from: data)
    }

    private func checkedVector(_ vector: [Float], field: String) throws -> [Float] {
        guard vector.count == dimension else { throw FieldError(field: field, problem: "must have \(dimension) values, not \(vector.count)") }
        guard vector.allSatisfy(\.isFinite) else { throw FieldError(field: field, problem: "must hold only finite numbers") }
        guard vector.contains(where: { $0 != 0 }) else { throw FieldError(field: field, problem: "must not be all zeros") }
        return VectorMath.normalized(vector)
    }

    /// A page request: `cursor` (from a previous page's `next_cursor`) and `limit` (1–200, default 50).
    func page(_ members: [String: JSONValue]) throws -> (cursor: Int64?, limit: Int) {
        let cursor = try members.optionalString("cursor").map { text -> Int64 in
            guard let value = Int64(text), value > 0 else { throw FieldError(field: "cursor", problem: "is not a cursor from a previous page") }
            return value
        }
        return (cursor, Int(try members.optionalInt("limit", in: 1...200) ?? 50))
    }

    func k(_ members: [String: JSONValue]) throws -> Int {
        Int(try members.optionalInt("k", in: 1...Self.maxK) ?? 5)
    }

    func memory(_ members: [String: JSONValue], defaultOwner: String? = nil) throws -> NewMemory {
        let owner = try identifier("owner", members) ?? defaultOwner
        guard let owner else { throw FieldError(field: "owner", problem: "is required") }
        let scope = try scope(members) ?? .user
        let conversationID = try identifier("conversation_id", members)
        if scope == .conversation, conversationID == nil {
            throw FieldError(field: "conversation_id", problem: "is required when scope is conversation")
        }
        return NewMemory(
            owner: owner, text: try text("text", members), scope: scope, conversationID: conversationID,
            sourceID: try identifier("source_id", members), embedding: try embedding(members),
            topic: try identifier("topic", members), origin: try origin(members))
    }

    /// `origin {message_id?, conversation_id?}`: where the memory was said.
    func origin(_ members: [String: JSONValue]) throws -> MemoryOrigin {
        guard let value = members["origin"], value != .null else { return MemoryOrigin() }
        guard let origin = value.objectValue else { throw FieldError(field: "origin", problem: "must be an object") }
        do {
            return MemoryOrigin(messageID: try identifier("message_id", origin), conversationID: try identifier("conversation_id", origin))
        } catch let error as FieldError {
            throw FieldError(field: "origin.\(error.field)", problem: error.problem)
        }
    }
}

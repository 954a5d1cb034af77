import Foundation

extension JSONValue {
    /// The JSON form of any `Encodable` value (through Foundation's encoder).
    public init(encoding value: some Encodable) throws {
        let data = try JSONEncoder().encode(value)
        try self.init(parsing: data)
    }

    /// Decodes this value as `type` (through Foundation's decoder). A mismatch
    /// becomes a ``FieldError`` naming the path of the offending field.
    public func decode<T: Decodable>(as type: T.Type, field: String = "params") throws -> T {
        do {
            return try JSONDecoder().decode(type, from: Data(serialized()))
        } catch let error as DecodingError {
            throw FieldError(decodingError: error, root: field)
        }
    }
}

extension FieldError {
    init(decodingError: DecodingError, root: String) {
        func path(_ context: DecodingError.Context, extra: (any CodingKey)? = nil) -> String {
            let keys = context.codingPath + (extra.map { [$0] } ?? [])
            let names = keys.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }
            return names.isEmpty ? root : names.joined(separator: ".")
        }
        switch decodingError {
        case .keyNotFound(let key, let context):
            self.init(field: path(context, extra: key), problem: "is required")
        case .typeMismatch(let type, let context):
            self.init(field: path(context), problem: "must be \(type)")
        case .valueNotFound(let type, let context):
            self.init(field: path(context), problem: "must be \(type), not null")
        case .dataCorrupted(let context):
            self.init(field: path(context), problem: context.debugDescription)
        @unknown default:
            self.init(field: root, problem: "is invalid")
        }
    }
}

/// A request field that is missing or has the wrong type or value.
///
/// The wire layer turns it into JSON-RPC "invalid params" (-32602) with the
/// field named in the message and in `data.field`.
public struct FieldError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The field's name as the caller spelled it (`owner`, `params`, `k`).
    public var field: String
    /// What is wrong with it, in words for a person.
    public var problem: String

    public init(field: String, problem: String) {
        self.field = field
        self.problem = problem
    }

    public var description: String { "\(field): \(problem)" }
}

extension Optional where Wrapped == JSONValue {
    /// The object these params hold; an absent params value counts as `{}`.
    public func requireObject(_ field: String = "params") throws -> [String: JSONValue] {
        switch self {
        case .none, .some(.null): return [:]
        case .some(.object(let members)): return members
        case .some: throw FieldError(field: field, problem: "must be an object")
        }
    }
}

extension Dictionary where Key == String, Value == JSONValue {
    /// A required string member.
    public func requireString(_ field: String) throws -> String {
        guard let value = self[field] else { throw FieldError(field: field, problem: "is required") }
        guard let string = value.stringValue else { throw FieldError(field: field, problem: "must be a string") }
        return string
    }

    /// An optional string member; present but not a string is an error.
    public func optionalString(_ field: String) throws -> String? {
        guard let value = self[field], value != .null else { return nil }
        guard let string = value.stringValue else { throw FieldError(field: field, problem: "must be a string") }
        return string
    }

    /// An optional boolean member; present but not a boolean is an error.
    public func optionalBool(_ field: String) throws -> Bool? {
        guard let value = self[field], value != .null else { return nil }
        guard let flag = value.boolValue else { throw FieldError(field: field, problem: "must be true or false") }
        return flag
    }

    /// An optional integer member within `range`; present but ill-typed or out of range is an error.
    public func optionalInt(_ field: String, in range: ClosedRange<Int64>) throws -> Int64? {
        guard let value = self[field], value != .null else { return nil }
        guard let number = value.intValue else { throw FieldError(field: field, problem: "must be an integer") }
        guard range.contains(number) else {
            throw FieldError(field: field, problem: "must be between \(range.lowerBound) and \(range.upperBound)")
        }
        return number
    }
}

extension Dictionary where Key == String, Value == JSONValue {
    /// An optional number member within `range`; integers count as numbers.
    public func optionalDouble(_ field: String, in range: ClosedRange<Double>) throws -> Double? {
        guard let value = self[field], value != .null else { return nil }
        guard let number = value.doubleValue, number.isFinite else { throw FieldError(field: field, problem: "must be a number") }
        guard range.contains(number) else {
            throw FieldError(field: field, problem: "must be between \(range.lowerBound) and \(range.upperBound)")
        }
        return number
    }
}

extension Dictionary where Key == String, Value == JSONValue {
    /// An identifier member (owner, ids): a non-blank string of at most `maxBytes` bytes.
    public func identifier(_ field: String, required: Bool = false, maxBytes: Int = 200) throws -> String? {
        guard let value = try optionalString(field) else {
            if required { throw FieldError(field: field, problem: "is required") }
            return nil
        }
        guard value.contains(where: { !$0.isWhitespace }) else { throw FieldError(field: field, problem: "must not be empty") }
        guard value.utf8.count <= maxBytes else { throw FieldError(field: field, problem: "must be at most \(maxBytes) bytes") }
        return value
    }
}

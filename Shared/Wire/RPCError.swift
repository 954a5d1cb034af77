import MamiCore

/// A JSON-RPC error code. Standard codes are JSON-RPC 2.0's; the -320xx codes are Mami's.
public struct RPCErrorCode: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }

    /// The frame held no valid JSON.
    public static let parseError = RPCErrorCode(rawValue: -32700)
    /// Valid JSON that is not a JSON-RPC request, or a frame the server refuses.
    public static let invalidRequest = RPCErrorCode(rawValue: -32600)
    public static let methodNotFound = RPCErrorCode(rawValue: -32601)
    public static let invalidParams = RPCErrorCode(rawValue: -32602)
    public static let internalError = RPCErrorCode(rawValue: -32603)
    /// The request's deadline passed before an answer.
    public static let deadlineExceeded = RPCErrorCode(rawValue: -32000)
    /// The peer is down or shutting down; retry later.
    public static let unavailable = RPCErrorCode(rawValue: -32001)
    /// Too much work in flight; retry later.
    public static let overloaded = RPCErrorCode(rawValue: -32002)
    public static let forbidden = RPCErrorCode(rawValue: -32003)
    public static let notFound = RPCErrorCode(rawValue: -32004)
    public static let conflict = RPCErrorCode(rawValue: -32009)

    public var description: String {
        switch self {
        case .parseError: return "parse error"
        case .invalidRequest: return "invalid request"
        case .methodNotFound: return "method not found"
        case .invalidParams: return "invalid params"
        case .internalError: return "internal error"
        case .deadlineExceeded: return "deadline exceeded"
        case .unavailable: return "unavailable"
        case .overloaded: return "overloaded"
        case .forbidden: return "forbidden"
        case .notFound: return "not found"
        case .conflict: return "conflict"
        default: return "error \(rawValue)"
        }
    }
}

/// An error as it travels on the wire: a code, a message for a person, optional data.
///
/// Handlers throw it to answer with a specific code; anything else they throw
/// becomes ``RPCErrorCode/internalError`` (or invalid params for a ``FieldError``).
public struct RPCError: Error, Sendable, Hashable, CustomStringConvertible {
    public var code: RPCErrorCode
    public var message: String
    public var data: JSONValue?

    public init(_ code: RPCErrorCode, _ message: String, data: JSONValue? = nil) {
        self.code = code
        self.message = message
        self.data = data
    }

    public var description: String { "\(code) (\(code.rawValue)): \(message)" }

    /// The error as a JSON-RPC error object.
    public var json: JSONValue {
        var members: [String: JSONValue] = ["code": .int(Int64(code.rawValue)), "message": .string(message)]
        if let data { members["data"] = data }
        return .object(members)
    }

    /// Reads a JSON-RPC error object; nil when `json` is not one.
    public init?(json: JSONValue) {
        guard let code = json["code"]?.intValue else { return nil }
        self.init(RPCErrorCode(rawValue: Int(code)), json["message"]?.stringValue ?? "", data: json["data"])
    }

    /// Maps anything a handler threw to the error the caller receives.
    public init(from error: any Error) {
        switch error {
        case let error as RPCError:
            self = error
        case let error as FieldError:
            self.init(.invalidParams, "\(error.field) \(error.problem)", data: ["field": .string(error.field)])
        case is CancellationError:
            self.init(.unavailable, "the request was cancelled")
        default:
            self.init(.internalError, String(describing: error))
        }
    }
}

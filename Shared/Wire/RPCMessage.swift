import MamiCore

/// A request id: JSON-RPC allows integers and strings.
public enum RPCID: Sendable, Hashable, CustomStringConvertible {
    case int(Int64)
    case string(String)

    init?(json: JSONValue) {
        switch json {
        case .int(let value): self = .int(value)
        case .string(let value): self = .string(value)
        default: return nil
        }
    }

    var json: JSONValue {
        switch self {
        case .int(let value): return .int(value)
        case .string(let value): return .string(value)
        }
    }

    public var description: String {
        switch self {
        case .int(let value): return String(value)
        case .string(let value): return value
        }
    }
}

/// A call that expects an answer.
public struct RPCRequest: Sendable {
    public var id: RPCID
    public var method: String
    public var params: JSONValue?
    /// The caller's remaining budget when it sent the request (`timeout_ms`, envelope or params).
    public var timeoutMilliseconds: Int64?
}

/// A message that expects no answer: events the server pushes, or fire-and-forget calls.
public struct RPCNotification: Sendable {
    public var method: String
    public var params: JSONValue?

    public init(method: String, params: JSONValue?) {
        self.method = method
        self.params = params
    }
}

/// The answer to a request: a result or an error.
public struct RPCResponse: Sendable {
    public var id: RPCID?
    public var outcome: Result<JSONValue, RPCError>

    public init(id: RPCID?, outcome: Result<JSONValue, RPCError>) {
        self.id = id
        self.outcome = outcome
    }
}

/// One frame's worth of JSON-RPC.
public enum RPCMessage: Sendable {
    case request(RPCRequest)
    case notification(RPCNotification)
    case response(RPCResponse)
}

extension RPCMessage {
    /// Parses a frame body. Invalid JSON is ``RPCErrorCode/parseError``; JSON
    /// that is not a JSON-RPC message is ``RPCErrorCode/invalidRequest``, with the
    /// id attached when one could be read.
    public static func parse(_ bytes: UnsafeBufferPointer<UInt8>) throws(RPCFrameError) -> RPCMessage {
        let parsed: [(String, JSONValue)]?
        do {
            parsed = try JSONValue.parseObjectMembers(bytes)
        } catch {
            throw RPCFrameError(id: nil, error: RPCError(.parseError, String(describing: error)))
        }
        guard let parsed else {
            throw RPCFrameError(id: nil, error: RPCError(.invalidRequest, "a message must be a JSON object"))
        }
        return try classify(Envelope(parsed))
    }

    /// Parses a frame body held in any byte collection.
    public static func parse(_ bytes: some Collection<UInt8>) throws(RPCFrameError) -> RPCMessage {
        try Array(bytes).withUnsafeBufferPointer { buffer throws(RPCFrameError) in try parse(buffer) }
    }

    static func classify(_ members: Envelope) throws(RPCFrameError) -> RPCMessage {
        let idValue = members["id"]
        let id = idValue.flatMap(RPCID.init(json:))
        if let idValue, idValue != .null, id == nil {
            throw RPCFrameError(id: nil, error: RPCError(.invalidRequest, "id must be an integer or a string"))
        }
        if let method = members["method"] {
            return try classifyCall(members, method: method, id: id)
        }
        if members["result"] != nil || members["error"] != nil {
            return .response(try response(members, id: id))
        }
        throw RPCFrameError(id: id, error: RPCError(.invalidRequest, "a message needs a method, a result or an error"))
    }

    static func classifyCall(_ members: Envelope, method: JSONValue, id: RPCID?) throws(RPCFrameError) -> RPCMessage {
        guard let name = method.stringValue, !name.isEmpty else {
            throw RPCFrameError(id: id, error: RPCError(.invalidRequest, "method must be a non-empty string"))
        }
        let params = members["params"]
        switch params {
        case .none, .null?, .object?, .array?: break
        default: throw RPCFrameError(id: id, error: RPCError(.invalidParams, "params must be an object or an array"))
        }
        guard let id else { return .notification(RPCNotification(method: name, params: params)) }
        let timeout = members["timeout_ms"]?.intValue ?? params?["timeout_ms"]?.intValue
        return .request(RPCRequest(id: id, method: name, params: params, timeoutMilliseconds: timeout))
    }

    static func response(_ members: Envelope, id: RPCID?) throws(RPCFrameError) -> RPCResponse {
        if let errorValue = members["error"], errorValue != .null {
            guard let error = RPCError(json: errorValue) else {
                throw RPCFrameError(id: id, error: RPCError(.invalidRequest, "error must hold an integer code"))
            }
            return RPCResponse(id: id, outcome: .failure(error))
        }
        return RPCResponse(id: id, outcome: .success(members["result"] ?? .null))
    }

    /// The message as compact JSON text, ready to be framed.
    public func serialized() -> [UInt8] {
        guard case .response(let response) = self else { return json.serialized() }
        // Answers are the hot path: write the envelope directly instead of building a dictionary.
        var output: [UInt8] = []
        output.reserveCapacity(256)
        output.append(contentsOf: #"{"jsonrpc":"2.0","id":"#.utf8)
        (response.id?.json ?? .null).serialize(into: &output)
        switch response.outcome {
        case .success(let result):
            output.append(contentsOf: #","result":"#.utf8)
            result.serialize(into: &output)
        case .failure(let error):
            output.append(contentsOf: #","error":"#.utf8)
            error.json.serialize(into: &output)
        }
        output.append(UInt8(ascii: "}"))
        return output
    }

    /// The message as JSON, ready to be framed.
    public var json: JSONValue {
        switch self {
        case .request(let request):
            var members: [String: JSONValue] = ["jsonrpc": "2.0", "id": request.id.json, "method": .string(request.method)]
            if let params = request.params { members["params"] = params }
            if let timeout = request.timeoutMilliseconds { members["timeout_ms"] = .int(timeout) }
            return .object(members)
        case .notification(let notification):
            var members: [String: JSONValue] = ["jsonrpc": "2.0", "method": .string(notification.method)]
            if let params = notification.params { members["params"] = params }
            return .object(members)
        case .response(let response):
            var members: [String: JSONValue] = ["jsonrpc": "2.0", "id": response.id?.json ?? .null]
            switch response.outcome {
            case .success(let result): members["result"] = result
            case .failure(let error): members["error"] = error.json
            }
            return .object(members)
        }
    }
}

/// The top-level members of a message, looked up by a linear scan: an envelope
/// has a handful of members, so this is cheaper than hashing them into a dictionary.
struct Envelope {
    var members: [(String, JSONValue)]

    init(_ members: [(String, JSONValue)]) {
        self.members = members
    }

    subscript(key: String) -> JSONValue? {
        members.last(where: { $0.0 == key })?.1
    }
}

/// A frame whose body could not be turned into a message, with the id to answer to when known.
public struct RPCFrameError: Error, Sendable {
    public var id: RPCID?
    public var error: RPCError
}

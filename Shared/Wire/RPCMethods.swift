import Logging
import MamiCore
import NIOCore

/// What a method handler knows about the call it serves.
public struct RPCContext: Sendable {
    /// When the caller stops waiting. Handlers stop work when it passes; the
    /// server answers "deadline exceeded" at this instant whatever the handler does.
    public var deadline: NIODeadline
    /// The connected process, as the kernel reports it.
    public var peer: PeerCredentials
    public var requestID: RPCID
    public var logger: Logger

    /// The budget left, never negative.
    public var remaining: Duration {
        let nanoseconds = (deadline - .now()).nanoseconds
        return .nanoseconds(max(0, nanoseconds))
    }
}

/// The methods a server answers, by name.
///
/// ```swift
/// var methods = RPCMethods()
/// methods.register("sys.health") { context, params in try await health.report() }
/// ```
public struct RPCMethods: Sendable {
    /// Serves one call. Throw ``RPCError`` for a specific code, ``FieldError`` for invalid params.
    public typealias Handler = @Sendable (RPCContext, JSONValue?) async throws -> JSONValue

    private var handlers: [String: Handler] = [:]

    public init() {}

    /// Adds (or replaces) the handler of `method`.
    public mutating func register(_ method: String, _ handler: @escaping Handler) {
        handlers[method] = handler
    }

    /// The names of every registered method, sorted.
    public var names: [String] { handlers.keys.sorted() }

    /// Runs the handler of `request.method` and turns whatever it throws into the wire's error shape.
    func respond(to request: RPCRequest, context: RPCContext) async -> Result<JSONValue, RPCError> {
        guard let handler = handlers[request.method] else {
            return .failure(RPCError(.methodNotFound, "no method '\(request.method)'"))
        }
        do {
            return .success(try await handler(context, request.params))
        } catch {
            return .failure(RPCError(from: error))
        }
    }
}

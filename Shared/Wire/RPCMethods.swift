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
    /// The connection the call arrived on (for pushing notifications to its peer).
    public var connection: RPCConnection

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

    /// Answers at once from memory, on the event loop; must never block or wait.
    public typealias ImmediateHandler = @Sendable (JSONValue?) throws -> JSONValue

    enum Entry {
        case immediate(ImmediateHandler)
        case async(Handler)
    }

    private var handlers: [String: Entry] = [:]

    public init() {}

    /// Adds (or replaces) the handler of `method`; it runs as its own task, bounded by the request's deadline.
    public mutating func register(_ method: String, _ handler: @escaping Handler) {
        handlers[method] = .async(handler)
    }

    /// Adds (or replaces) a handler that answers from memory without waiting
    /// (a lock-protected snapshot, a constant). It runs inline on the event loop,
    /// with no task: use it only for work that cannot block.
    public mutating func registerImmediate(_ method: String, _ handler: @escaping ImmediateHandler) {
        handlers[method] = .immediate(handler)
    }

    func entry(for method: String) -> Entry? {
        handlers[method]
    }

    /// Runs an immediate handler, turning whatever it throws into the wire's error shape.
    static func respond(_ handler: ImmediateHandler, params: JSONValue?) -> Result<JSONValue, RPCError> {
        do {
            return .success(try handler(params))
        } catch {
            return .failure(RPCError(from: error))
        }
    }

    /// Runs a task handler, turning whatever it throws into the wire's error shape.
    static func respond(_ handler: Handler, params: JSONValue?, context: RPCContext) async -> Result<JSONValue, RPCError> {
        do {
            return .success(try await handler(context, params))
        } catch {
            return .failure(RPCError(from: error))
        }
    }
}

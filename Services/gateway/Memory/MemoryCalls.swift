import Hummingbird
import MamiCore
import MamiWire

/// Calls to the memory service on behalf of the authenticated caller, who is always the
/// owner of what is read or written. Bounded calls; a memory service that does not answer
/// is a 503, never a hang.
struct MemoryCalls: Sendable {
    var memory: RPCClient
    var authenticator: Authenticator
    var bodyLimit: Int
    static let timeout: Duration = .seconds(3)

    /// Calls `method` with the caller as owner and the allowed body fields (or the page query).
    func forward(_ method: String, _ request: Request, fields: [String] = [], query: Bool = false,
                 status: HTTPResponse.Status = .ok, limit: Int? = nil, timeout: Duration = Self.timeout) async throws -> Response {
        let user = try await authenticator.principal(request).user
        var params: [String: JSONValue] = ["owner": .string(user.id)]
        if query {
            let page = try Page(request, maxLimit: 200)
            params["limit"] = .int(Int64(page.limit))
            if let cursor = request.uri.queryParameters["cursor"] { params["cursor"] = .string(String(cursor)) }
        } else {
            let body = try await JSONResponse.object(request, limit: limit ?? bodyLimit)
            for field in fields { if let value = body[field] { params[field] = value } }
        }
        return JSONResponse.make(try await memory.call(method, params: .object(params), timeout: timeout), status: status)
    }

    /// Calls `method` with `{owner, id}` from the path; 204 once done.
    func delete(_ method: String, _ request: Request, _ context: GatewayContext) async throws -> Response {
        let user = try await authenticator.principal(request).user
        _ = try await memory.call(method, params: ["owner": .string(user.id), "id": .string(try context.parameters.require("id"))], timeout: Self.timeout)
        return Response(status: .noContent)
    }
}

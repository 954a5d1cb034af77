import Hummingbird
import MamiCore
import MamiWire

/// `/api/v1/memories…` and `/api/v1/documents…`: the memory service's methods for the
/// caller's own data (the owner is always the authenticated user). Bounded calls; a
/// memory service that does not answer is a 503, never a hang.
struct MemoryRoutes: Sendable {
    var memory: RPCClient
    var authenticator: Authenticator
    var bodyLimit: Int
    static let timeout: Duration = .seconds(3)
    /// A document's chunks are embedded one after another by the memory service's sentence encoder
    /// (about 0.15 s per 800-character chunk on one core; a 1 MiB document is minutes).
    static let ingestTimeout: Duration = .seconds(600)
    static let documentBodyLimit = 1 << 20

    func add(to group: RouterGroup<GatewayContext>) {
        group.get("/memories") { request, _ in try await forward("memory.list", request, query: true) }
        group.post("/memories") { request, _ in try await forward("memory.add", request, fields: ["text", "scope", "conversation_id", "topic"], status: .created) }
        group.post("/memories/search") { request, _ in try await forward("memory.search", request, fields: ["query", "k", "scope", "conversation_id"]) }
        group.delete("/memories/:id") { request, context in try await delete("memory.delete", request, context) }
        group.get("/documents") { request, _ in try await forward("doc.list", request, query: true) }
        group.post("/documents") { request, _ in
            try await forward("doc.ingest", request, fields: ["title", "text", "scope", "conversation_id"], status: .created,
                              limit: Self.documentBodyLimit, timeout: Self.ingestTimeout)
        }
        group.post("/documents/search") { request, _ in try await forward("doc.search", request, fields: ["query", "k", "scope", "conversation_id"]) }
        group.delete("/documents/:id") { request, context in try await delete("doc.delete", request, context) }
    }

    /// Calls `method` with the caller as owner and the allowed body fields (or the page query).
    private func forward(_ method: String, _ request: Request, fields: [String] = [], query: Bool = false,
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

    private func delete(_ method: String, _ request: Request, _ context: GatewayContext) async throws -> Response {
        let user = try await authenticator.principal(request).user
        _ = try await memory.call(method, params: ["owner": .string(user.id), "id": .string(try context.parameters.require("id"))], timeout: Self.timeout)
        return Response(status: .noContent)
    }
}

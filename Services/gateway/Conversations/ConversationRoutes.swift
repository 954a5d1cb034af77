import Hummingbird
import MamiCore

/// `/api/v1/conversations…`: create, list (cursor), read one, rename, delete; the branch shown, newest first (cursor),
/// each message with its alternatives; `PUT …/path` shows another branch.
/// Another user's conversation answers 404, as an absent one does.
struct ConversationRoutes: Sendable {
    var store: ConversationStore
    var models: EngineModels
    var authenticator: Authenticator
    var bodyLimit: Int

    func add(to group: RouterGroup<GatewayContext>) {
        group.post("/conversations") { request, _ in
            let user = try await authenticator.principal(request).user
            let body = try await JSONResponse.object(request, limit: bodyLimit)
            let conversation = try await store.create(userID: user.id, settings: try await ConversationSettings.parse(body, models: models))
            return JSONResponse.make(conversation.json, status: .created)
        }
        group.get("/conversations") { request, _ in
            let user = try await authenticator.principal(request).user
            let page = try Page(request)
            let query = request.uri.queryParameters
            let filter = ConversationStore.ListFilter(archived: try Self.flag(query["archived"], "archived") ?? false,
                                                      pinned: try Self.flag(query["pinned"], "pinned"))
            let items = try await store.list(userID: user.id, filter: filter, before: page.cursor, limit: page.limit)
            return JSONResponse.make(page.json(items.map(\.json), last: items.last?.seq, count: items.count))
        }
        group.get("/conversations/:id") { request, context in
            let user = try await authenticator.principal(request).user
            guard let conversation = try await store.conversation(id: try Self.id(context), userID: user.id) else { throw APIError.notFound("conversation") }
            return JSONResponse.make(conversation.json)
        }
        group.patch("/conversations/:id") { request, context in
            let user = try await authenticator.principal(request).user
            let body = try await JSONResponse.object(request, limit: bodyLimit)
            let settings = try await ConversationSettings.parse(body, models: models)
            guard !settings.isEmpty else { throw FieldError(field: "title", problem: "or model, system_prompt or temperature is required") }
            guard let updated = try await store.update(id: try Self.id(context), userID: user.id, settings: settings) else {
                throw APIError.notFound("conversation")
            }
            return JSONResponse.make(updated.json)
        }
        group.delete("/conversations/:id") { request, context in
            let user = try await authenticator.principal(request).user
            guard try await store.delete(id: try Self.id(context), userID: user.id) else { throw APIError.notFound("conversation") }
            return Response(status: .noContent)
        }
        group.get("/conversations/:id/messages") { request, context in
            let user = try await authenticator.principal(request).user
            guard let conversation = try await store.conversation(id: try Self.id(context), userID: user.id) else { throw APIError.notFound("conversation") }
            let page = try Page(request)
            let items = try await store.branch(conversationID: conversation.id, before: page.cursor, limit: page.limit)
            return JSONResponse.make(page.json(items.map(\.json), last: items.last?.seq, count: items.count))
        }
        group.put("/conversations/:id/path") { request, context in
            let user = try await authenticator.principal(request).user
            let messageID = try await JSONResponse.object(request, limit: bodyLimit).requireString("message_id")
            guard let shown = try await store.showBranch(through: messageID, conversationID: try Self.id(context), userID: user.id) else {
                throw APIError.notFound("message in this conversation")
            }
            return JSONResponse.make(shown.json)
        }
    }

    /// `?name=true|false`; nil when absent.
    static func flag(_ value: Substring?, _ name: String) throws -> Bool? {
        guard let value else { return nil }
        guard let flag = ["true": true, "false": false][String(value)] else { throw FieldError(field: name, problem: "must be true or false") }
        return flag
    }

    static func id(_ context: GatewayContext) throws -> String {
        try context.parameters.require("id")
    }
}

/// `?cursor=…&limit=…` of a list endpoint; the cursor is the last item's row number, opaque to clients.
struct Page: Sendable {
    var cursor: Int64?
    var limit: Int

    init(_ request: Request, defaultLimit: Int = 50, maxLimit: Int = 200) throws {
        let query = request.uri.queryParameters
        if let text = query["cursor"].map(String.init) {
            guard let value = Int64(text), value > 0 else { throw FieldError(field: "cursor", problem: "is not a cursor from this list") }
            cursor = value
        }
        limit = try Self.limit(request, defaultLimit: defaultLimit, maxLimit: maxLimit)
    }

    /// `?limit=`, 1 to `maxLimit`.
    static func limit(_ request: Request, defaultLimit: Int, maxLimit: Int) throws -> Int {
        guard let text = request.uri.queryParameters["limit"].map(String.init) else { return defaultLimit }
        guard let value = Int(text), (1...maxLimit).contains(value) else { throw FieldError(field: "limit", problem: "must be 1 to \(maxLimit)") }
        return value
    }

    func json(_ items: [JSONValue], last: Int64?, count: Int) -> JSONValue {
        ["items": .array(items), "next_cursor": count == limit ? last.map { .string(String($0)) } ?? .null : .null]
    }
}

import Hummingbird
import MamiCore

/// `/api/v1/conversations…`: create, list (cursor), rename, delete; the branch shown, newest first (cursor),
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
            let model = try await self.model(body) ?? nil
            let conversation = try await store.create(userID: user.id, title: try Self.title(body), model: model)
            return JSONResponse.make(conversation.json, status: .created)
        }
        group.get("/conversations") { request, _ in
            let user = try await authenticator.principal(request).user
            let page = try Page(request)
            let items = try await store.list(userID: user.id, before: page.cursor, limit: page.limit)
            return JSONResponse.make(page.json(items.map(\.json), last: items.last?.seq, count: items.count))
        }
        group.patch("/conversations/:id") { request, context in
            let user = try await authenticator.principal(request).user
            let body = try await JSONResponse.object(request, limit: bodyLimit)
            let (title, model) = (try Self.title(body), try await self.model(body))
            guard title != nil || model != nil else { throw FieldError(field: "title", problem: "or model is required") }
            guard let updated = try await store.update(id: try Self.id(context), userID: user.id, title: title, model: model) else {
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

    /// `model` of a body: absent → nil; null → the default (`.some(nil)`); a name → the engine's name for it.
    /// A name the engine does not serve is refused, naming the field and what it serves.
    func model(_ body: [String: JSONValue]) async throws -> String?? {
        guard let value = body["model"] else { return nil }
        if value == .null { return .some(nil) }
        guard let name = value.stringValue, !name.isEmpty else { throw FieldError(field: "model", problem: "must be a model name or null") }
        let match: String?
        do {
            match = try await models.resolve(name)
        } catch {
            throw APIError(.serviceUnavailable, LLMError.Kind.unreachable.rawValue, "the language model cannot be asked which models it has")
        }
        guard let match else {
            let served = (try? await models.names()) ?? []
            throw FieldError(field: "model", problem: "is not a model the engine serves (\(served.joined(separator: ", ")))")
        }
        return .some(match)
    }

    static func title(_ body: [String: JSONValue]) throws -> String? {
        guard let title = try body.optionalString("title") else { return nil }
        let trimmed = title.trimmingCharacters(in: .whitespacesAndNewlines)
        guard (1...200).contains(trimmed.count) else { throw FieldError(field: "title", problem: "must be 1 to 200 characters") }
        return trimmed
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

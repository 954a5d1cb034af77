import Hummingbird
import MamiCore

/// `GET /api/v1/search?q=…&cursor=…&limit=…`: the person's messages and conversation titles that match,
/// best first, each with its snippet and the message (and conversation) to jump to. Owner-only.
struct SearchRoutes: Sendable {
    var store: ConversationStore
    var authenticator: Authenticator

    func add(to group: RouterGroup<GatewayContext>) {
        group.get("/search") { request, _ in
            let user = try await authenticator.principal(request).user
            let query = request.uri.queryParameters
            guard let text = query["q"].map(String.init) else { throw FieldError(field: "q", problem: "is required") }
            var cursor = SearchCursor.first
            if let given = query["cursor"].map(String.init) {
                guard let parsed = SearchCursor(given) else { throw FieldError(field: "cursor", problem: "is not a cursor from this search") }
                cursor = parsed
            }
            let limit = try Page.limit(request, defaultLimit: 20, maxLimit: 100)
            let hits = try await store.search(userID: user.id, query: text, after: cursor, limit: limit)
            return JSONResponse.make(["items": .array(hits.map(\.json)),
                                      "next_cursor": hits.count == limit ? hits.last.map { .string($0.cursor.text) } ?? .null : .null])
        }
    }
}

import Hummingbird

/// `/api/v1/memories…`: the memory service's methods for the caller's own memories
/// (the owner is always the authenticated user).
struct MemoryRoutes: Sendable {
    var calls: MemoryCalls

    func add(to group: RouterGroup<GatewayContext>) {
        group.get("/memories") { request, _ in try await calls.forward("memory.list", request, query: true) }
        group.post("/memories") { request, _ in
            try await calls.forward("memory.add", request, fields: ["text", "scope", "conversation_id", "topic"], status: .created)
        }
        group.post("/memories/search") { request, _ in
            try await calls.forward("memory.search", request, fields: ["query", "k", "scope", "conversation_id"])
        }
        group.delete("/memories/:id") { request, context in try await calls.delete("memory.delete", request, context) }
        // Forget everything: every memory and document of the caller (`{"memories": N}` removed).
        group.delete("/memories") { request, _ in
            let user = try await calls.authenticator.principal(request).user
            return JSONResponse.make(try await calls.memory.call("memory.forget_owner", params: ["owner": .string(user.id)], timeout: .seconds(30)))
        }
    }
}

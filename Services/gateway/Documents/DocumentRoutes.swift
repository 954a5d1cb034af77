import Hummingbird
import MamiCore
import MamiWire

/// `/api/v1/documents…`: the caller's documents for retrieval (RAG), kept by the memory
/// service (the owner is always the authenticated user).
struct DocumentRoutes: Sendable {
    var calls: MemoryCalls
    /// A document's chunks are embedded one after another by the memory service's sentence encoder
    /// (about 0.15 s per 800-character chunk on one core; a 512 KiB document is minutes).
    static let ingestTimeout: Duration = .seconds(600)
    static let jsonBodyLimit = 1 << 20

    func add(to group: RouterGroup<GatewayContext>) {
        group.get("/documents") { request, _ in try await calls.forward("doc.list", request, query: true) }
        group.post("/documents") { request, _ in
            try await calls.forward("doc.ingest", request, fields: ["title", "text", "scope", "conversation_id"], status: .created,
                                    limit: Self.jsonBodyLimit, timeout: Self.ingestTimeout)
        }
        group.post("/documents/search") { request, _ in
            try await calls.forward("doc.search", request, fields: ["query", "k", "scope", "conversation_id"])
        }
        group.delete("/documents/:id") { request, context in try await calls.delete("doc.delete", request, context) }
    }
}

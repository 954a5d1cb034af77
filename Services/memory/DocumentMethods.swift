import MamiCore
import MamiWire

/// `doc.*`: documents for retrieval (RAG), documented in docs/protocol.md.
struct DocumentMethods: Sendable {
    var store: DocumentStore
    var embedder: any Embedder
    var reader: MemoryRequestReader
    /// The score below which a hit is dropped from a search asked for `relevant` hits.
    var relevanceThreshold: Float
    /// Wakes the ``DocumentIngester`` when a document is accepted.
    var ingestion: IngestSignal
    var chunker = Chunker()
    static let maxDocumentBytes = 512 * 1024

    /// Each call is answered by the methods `current` returns then (a re-index replaces them).
    static func register(into methods: inout RPCMethods, current: @escaping @Sendable () -> DocumentMethods) {
        methods.register("doc.ingest") { context, params in try await current().ingest(params, context: context) }
        methods.register("doc.get") { _, params in try await current().get(params) }
        methods.register("doc.search") { context, params in try await current().search(params, context: context) }
        methods.register("doc.list") { _, params in try await current().list(params) }
        methods.register("doc.delete") { _, params in try await current().delete(params) }
    }

    /// `doc.ingest {owner, title, text, scope?, conversation_id?, wait?}` → `{"id","chunks","status"}`: the document
    /// and its chunks are stored at once (`pending`) and embedded in the background; with `wait: true` the answer
    /// comes once they are searched (`ready`), or "deadline exceeded" when the call's deadline passes first.
    func ingest(_ params: JSONValue?, context: RPCContext) async throws -> JSONValue {
        let members = try params.requireObject()
        let document = try readDocument(members)
        let wait = try members.optionalBool("wait") ?? false
        let chunks = chunker.chunks(of: document.text)
        let id = try await store.accept(document, chunks: chunks)
        ingestion.wake()
        if wait { try await store.waitUntilReady(id, by: context.deadline) }
        return ["id": .string(id), "chunks": .int(Int64(chunks.count)), "status": wait ? "ready" : "pending"]
    }

    /// `doc.get {owner, id}` → the document as `doc.list` shows it; -32004 when the owner has no such document.
    func get(_ params: JSONValue?) async throws -> JSONValue {
        let members = try params.requireObject()
        let id = try members.requireString("id")
        guard let document = try await store.get(owner: try reader.owner(members), id: id) else {
            throw RPCError(.notFound, "no document \(id) for this owner")
        }
        return document
    }

    func readDocument(_ members: [String: JSONValue]) throws -> NewDocument {
        let title = try members.requireString("title").trimmingCharacters(in: .whitespacesAndNewlines)
        guard !title.isEmpty, title.utf8.count <= 500 else { throw FieldError(field: "title", problem: "must hold 1 to 500 bytes") }
        let text = try members.requireString("text")
        guard text.contains(where: { !$0.isWhitespace }) else { throw FieldError(field: "text", problem: "must not be empty or whitespace") }
        guard text.utf8.count <= Self.maxDocumentBytes else {
            throw FieldError(field: "text", problem: "must be at most \(Self.maxDocumentBytes) bytes")
        }
        let scope = try reader.scope(members) ?? .user
        let conversationID = try reader.identifier("conversation_id", members)
        if scope == .conversation, conversationID == nil {
            throw FieldError(field: "conversation_id", problem: "is required when scope is conversation")
        }
        return NewDocument(owner: try reader.owner(members), title: title, text: text, scope: scope, conversationID: conversationID)
    }

    /// `doc.search {owner, query | embedding, k?, scope?, conversation_id?, relevant?}` →
    /// `{"results":[{"document_id","title","chunk_id","ordinal","text","score"}]}`; with `relevant: true`, only hits
    /// scoring at least the relevance threshold.
    func search(_ params: JSONValue?, context: RPCContext) async throws -> JSONValue {
        let members = try params.requireObject()
        let owner = try reader.owner(members)
        let filter = SearchFilter(scope: try reader.scope(members), conversationID: try reader.identifier("conversation_id", members))
        let k = try reader.k(members)
        let query: [Float]
        if let embedding = try reader.embedding(members) {
            query = embedding
        } else {
            query = try await embedder.embed([try reader.text("query", members)], as: .query, by: context.deadline)[0]
        }
        let relevantOnly = try members.optionalBool("relevant") ?? false
        let hits = try await store.search(owner: owner, query: query, k: k, filter: filter, deadline: context.deadline)
            .filter { !relevantOnly || $0.score >= relevanceThreshold }
        return ["results": .array(hits.map(\.json))]
    }

    /// `doc.list {owner, cursor?, limit?}` → `{"items":[…],"next_cursor"}`, newest first.
    func list(_ params: JSONValue?) async throws -> JSONValue {
        let members = try params.requireObject()
        let request = try reader.page(members)
        let page = try await store.list(owner: try reader.owner(members), after: request.cursor, limit: request.limit)
        return ["items": .array(page.items), "next_cursor": page.next.map { .string(String($0)) } ?? .null]
    }

    /// `doc.delete {owner, id}` → `{"deleted":true}`; -32004 when the owner has no such document.
    func delete(_ params: JSONValue?) async throws -> JSONValue {
        let members = try params.requireObject()
        let id = try members.requireString("id")
        guard try await store.delete(owner: try reader.owner(members), id: id) else {
            throw RPCError(.notFound, "no document \(id) for this owner")
        }
        return ["deleted": true]
    }
}

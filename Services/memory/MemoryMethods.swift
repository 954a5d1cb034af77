import MamiCore
import MamiService
import MamiWire
import NIOCore

/// The memory service's RPC methods (documented in docs/protocol.md).
struct MemoryMethods: Sendable {
    var store: MemoryStore
    var embedder: any Embedder
    var reader: MemoryRequestReader
    /// The score below which a hit is dropped from a search asked for `relevant` hits.
    var relevanceThreshold: Float
    static let maxBatch = 1000

    /// Each call is answered by the methods `current` returns then (a re-index replaces them).
    static func register(into methods: inout RPCMethods, current: @escaping @Sendable () -> MemoryMethods) {
        methods.register("memory.add") { _, params in try await current().add(params) }
        methods.register("memory.add_many") { _, params in try await current().addMany(params) }
        methods.register("memory.search") { context, params in try await current().search(params, context: context) }
        methods.register("memory.list") { _, params in try await current().list(params) }
        methods.register("memory.delete") { _, params in try await current().delete(params) }
        methods.register("memory.forget_owner") { _, params in try await current().forgetOwner(params) }
    }

    /// `memory.add {owner, text, scope?, conversation_id?, source_id?, embedding?}` → `{"id","status","duplicate_of"?}`.
    func add(_ params: JSONValue?) async throws -> JSONValue {
        let memory = try reader.memory(try params.requireObject())
        return try await store.add([(memory, try await embedding(for: memory))])[0].json
    }

    /// `memory.add_many {owner?, items:[…]}` → `{"results":[…]}`, one transaction; at most 1000 items.
    func addMany(_ params: JSONValue?) async throws -> JSONValue {
        let members = try params.requireObject()
        let defaultOwner = try reader.identifier("owner", members)
        guard case .array(let items)? = members["items"] else { throw FieldError(field: "items", problem: "must be an array") }
        guard (1...Self.maxBatch).contains(items.count) else {
            throw FieldError(field: "items", problem: "must hold 1 to \(Self.maxBatch) memories")
        }
        let memories = try items.enumerated().map { position, item in
            guard let object = item.objectValue else { throw FieldError(field: "items[\(position)]", problem: "must be an object") }
            do {
                return try reader.memory(object, defaultOwner: defaultOwner)
            } catch let error as FieldError {
                throw FieldError(field: "items[\(position)].\(error.field)", problem: error.problem)
            }
        }
        let embedded = try await embeddings(for: memories)
        let outcomes = try await store.add(Array(zip(memories, embedded)))
        return ["results": .array(outcomes.map(\.json))]
    }

    /// `memory.search {owner, query | embedding, k?, scope?, conversation_id?, relevant?, topic?}` → `{"results":[{…,"score"}]}`;
    /// with `relevant: true`, only hits scoring at least the embedder's relevance threshold; with `topic`, the
    /// owner's current memory of that topic first, whatever its score (the question asks for it).
    func search(_ params: JSONValue?, context: RPCContext) async throws -> JSONValue {
        let members = try params.requireObject()
        let owner = try reader.owner(members)
        let filter = SearchFilter(scope: try reader.scope(members), conversationID: try reader.identifier("conversation_id", members))
        let k = try reader.k(members)
        let topic = try reader.identifier("topic", members)
        let query = try await queryVector(members, by: context.deadline)
        let relevantOnly = try members.optionalBool("relevant") ?? false
        var hits = try await store.search(owner: owner, query: query, k: k, filter: filter, deadline: context.deadline)
            .filter { !relevantOnly || $0.score >= relevanceThreshold }
        if let topic, let current = try await store.current(owner: owner, topic: topic, query: query, filter: filter) {
            hits = Array(([current] + hits.filter { $0.row.id != current.row.id }).prefix(k))
        }
        return ["results": .array(hits.map { hit in
            var json = hit.row.json
            if case .object(var members) = json {
                members["score"] = .double(Double(hit.score))
                json = .object(members)
            }
            return json
        })]
    }

    /// `memory.list {owner, scope?, cursor?, limit?}` → `{"items":[…],"next_cursor"}`, newest first.
    func list(_ params: JSONValue?) async throws -> JSONValue {
        let members = try params.requireObject()
        let request = try reader.page(members)
        let page = try await store.list(
            owner: try reader.owner(members), scope: try reader.scope(members), after: request.cursor, limit: request.limit)
        return ["items": .array(page.rows.map(\.json)), "next_cursor": page.next.map { .string(String($0)) } ?? .null]
    }

    /// `memory.delete {owner, id}` → `{"deleted":true}`; -32004 when the owner has no such memory.
    func delete(_ params: JSONValue?) async throws -> JSONValue {
        let members = try params.requireObject()
        let id = try members.requireString("id")
        guard try await store.delete(owner: try reader.owner(members), id: id) else {
            throw RPCError(.notFound, "no memory \(id) for this owner")
        }
        return ["deleted": true]
    }

    /// `memory.forget_owner {owner}` → `{"memories":N}`: erases everything the owner has.
    func forgetOwner(_ params: JSONValue?) async throws -> JSONValue {
        let removed = try await store.forget(owner: try reader.owner(try params.requireObject()))
        return ["memories": .int(Int64(removed))]
    }

    private func queryVector(_ members: [String: JSONValue], by deadline: NIODeadline) async throws -> [Float] {
        if let embedding = try reader.embedding(members) { return embedding }
        guard members["query"] != nil else { throw FieldError(field: "query", problem: "is required (or pass embedding)") }
        return try await checked(embedder.embed([try reader.text("query", members)], as: .query, by: deadline))[0]
    }

    private func embedding(for memory: NewMemory) async throws -> [Float] {
        try await embeddings(for: [memory])[0]
    }

    private func embeddings(for memories: [NewMemory]) async throws -> [[Float]] {
        let missing = memories.enumerated().filter { $0.element.embedding == nil }
        var vectors = memories.map { $0.embedding ?? [] }
        if !missing.isEmpty {
            let computed = try checked(await embedder.embed(missing.map(\.element.text), as: .passage))
            for (slot, vector) in zip(missing.map(\.offset), computed) { vectors[slot] = vector }
        }
        return vectors
    }

    /// Refuses vectors from the embedder that do not match the recorded dimension.
    private func checked(_ vectors: [[Float]]) throws -> [[Float]] {
        guard vectors.allSatisfy({ $0.count == reader.dimension && $0.allSatisfy(\.isFinite) }) else {
            throw RPCError(.internalError, "the embedder \(embedder.identity) returned vectors that are not \(reader.dimension)-dimensional")
        }
        return vectors
    }
}

import GRDB
import Logging
import MamiCore
import MamiService
import MamiWire
import NIOConcurrencyHelpers
import NIOCore
import ServiceLifecycle

/// The memory service as the host runs it.
enum MemoryService {
    static var definition: ServiceDefinition {
        let serving = NIOLockedValueBox<Serving?>(nil)
        let reindexer = NIOLockedValueBox<Reindexer?>(nil)
        let ingestion = IngestSignal()
        let ingester = NIOLockedValueBox<DocumentIngester?>(nil)
        return ServiceDefinition(
            name: .memory,
            migrator: MemoryMigrations.migrator,
            methods: { environment, methods in
                let configuration = try MemoryConfiguration(source: environment.source)
                let plan = try await startingPoint(configuration, environment, ingestion: ingestion)
                serving.withLockedValue { $0 = plan.serving }
                let current: @Sendable () -> Serving = { serving.withLockedValue { $0! } }
                MemoryMethods.register(into: &methods) { current().memories }
                DocumentMethods.register(into: &methods) { current().documents }
                methods.register("cache.clear") { _, _ in ["cleared_bytes": .int(Int64(current().index.clear()))] }
                if let target = plan.reindexTo {
                    reindexer.withLockedValue {
                        $0 = Reindexer(database: environment.database, target: target, logger: environment.logger) { dimension in
                            let next = Serving(embedder: target, dimension: dimension, configuration: configuration, database: environment.database,
                                               ingestion: ingestion)
                            serving.withLockedValue { $0 = next }
                        }
                    }
                }
                ingester.withLockedValue { $0 = DocumentIngester(current: { current().documents }, signal: ingestion, logger: environment.logger) }
                environment.logger.info("memory ready", metadata: [
                    "embedder": "\(plan.serving.embedder.identity)", "dimension": "\(plan.serving.dimension)",
                    "reindex_to": "\(plan.reindexTo?.identity ?? "none")",
                ])
            },
            companions: { _ in
                let ingesting: [any Service] = ingester.withLockedValue { $0 }.map { [$0] } ?? []
                return ingesting + (reindexer.withLockedValue { $0 }.map { [$0] } ?? [])
            },
            stats: { _ in
                guard let current = serving.withLockedValue({ $0 }) else { return [:] }
                let running = reindexer.withLockedValue { $0 }.flatMap { $0.target.identity == current.embedder.identity ? nil : $0 }
                let ingest = try await ingester.withLockedValue { $0 }.asyncMap { try await $0.progress(current.documents.store) }
                return try await statistics(current, reindex: try await running.asyncMap { try await $0.progress() }, ingest: ingest)
            }
        )
    }

    /// What to serve with at start-up, and the embedder to re-index to when memory.db's vectors are another's.
    struct StartingPoint {
        var serving: Serving
        var reindexTo: (any Embedder)?
    }

    static func startingPoint(_ configuration: MemoryConfiguration, _ environment: ServiceEnvironment,
                              ingestion: IngestSignal) async throws -> StartingPoint {
        let configured = try makeEmbedder(configuration, logger: environment.logger)
        let database = environment.database
        let recorded = try await EmbedderRecord.read(database)
        let stored = try await database.read { db in try Int.fetchOne(db, sql: "SELECT (SELECT count(*) FROM memories) + (SELECT count(*) FROM doc_chunks)") ?? 0 }
        if let identity = recorded.identity, let dimension = recorded.dimension, identity != configured.identity, stored > 0 {
            let inUse = embedder(identity: identity, configuration, logger: environment.logger)
            try await database.write { db in try EmbedderRecord.beginReindex(to: configured.identity, db) }
            environment.logger.notice("re-index: memory.db's vectors are another embedder's; they answer until the new ones are ready",
                                      metadata: ["from": "\(identity)", "to": "\(configured.identity)", "rows": "\(stored)"])
            return StartingPoint(serving: Serving(embedder: inUse, dimension: dimension, configuration: configuration, database: database,
                                                  ingestion: ingestion),
                                 reindexTo: configured)
        }
        let dimension = try await (recorded.identity == configured.identity ? recorded.dimension : nil).asyncOr {
            try await configured.dimension.asyncOr { try await configured.embed(["dimension probe"], as: .query)[0].count }
        }
        try await database.write { db in try EmbedderRecord.recordInUse(configured.identity, dimension: dimension, db) }
        return StartingPoint(serving: Serving(embedder: configured, dimension: dimension, configuration: configuration, database: database,
                                              ingestion: ingestion))
    }

    static func makeEmbedder(_ configuration: MemoryConfiguration, logger: Logger) throws -> any Embedder {
        switch configuration.embedder {
        case .hashing:
            return HashingEmbedder()
        case .engine:
            return RemoteEmbedder(api: configuration.embedAPI, model: configuration.embedModel ?? "", baseURL: configuration.embedURL,
                                  apiKey: configuration.embedAPIKey)
        case .e5Small:
            do {
                return try SentenceEncoder(path: configuration.embedModelPath)
            } catch let error as ConfigError where configuration.fallsBackToHashing {
                logger.warning("the sentence encoder is unavailable; using the hashing embedder (MAMI_EMBED_FALLBACK=hashing)",
                               metadata: ["problem": "\(error)"])
                return HashingEmbedder()
            }
        }
    }

    /// The embedder memory.db records as `identity`, rebuilt from the configuration, to keep answering
    /// while a re-index runs; one that cannot be rebuilt refuses to embed, naming why.
    static func embedder(identity: String, _ configuration: MemoryConfiguration, logger: Logger) -> any Embedder {
        if identity == HashingEmbedder().identity { return HashingEmbedder() }
        if identity == SentenceEncoder.identityName {
            do { return try SentenceEncoder(path: configuration.embedModelPath) } catch {
                return UnavailableEmbedder(identity: identity, problem: "\(error)")
            }
        }
        for api in LLMSettings.API.allCases where identity.hasPrefix("\(api.rawValue):") {
            return RemoteEmbedder(api: api, model: String(identity.dropFirst(api.rawValue.count + 1)), baseURL: configuration.embedURL,
                                  apiKey: configuration.embedAPIKey)
        }
        return UnavailableEmbedder(identity: identity, problem: "this version of mami-memory does not know it")
    }

    static func statistics(_ serving: Serving, reindex: JSONValue?, ingest: JSONValue?) async throws -> JSONValue {
        let counts = try await serving.memories.store.counts()
        let index = serving.index.statistics
        let lookups = index.hits + index.misses
        return [
            "memories": .int(Int64(counts.memories)),
            "owners": .int(Int64(counts.owners)),
            "documents": .int(Int64(counts.documents)),
            "chunks": .int(Int64(counts.chunks)),
            "embedder": .string(serving.embedder.identity),
            "dimension": .int(Int64(serving.dimension)),
            "reindex": reindex ?? .null,
            "ingest": ingest ?? .null,
            "index": [
                "bytes": .int(Int64(index.bytes)),
                "budget_bytes": .int(Int64(serving.index.budgetBytes)),
                "owners_cached": .int(Int64(index.owners)),
                "hit_rate": lookups == 0 ? .null : .double(Double(index.hits) / Double(lookups)),
                "evictions": .int(Int64(index.evictions)),
            ],
        ]
    }
}

/// Everything that answers with one embedder: its stores over one index, and the methods over them.
/// Replaced whole when a re-index switches embedders.
struct Serving: Sendable {
    var embedder: any Embedder
    var dimension: Int
    var index: VectorIndex
    var memories: MemoryMethods
    var documents: DocumentMethods

    init(embedder base: any Embedder, dimension: Int, configuration: MemoryConfiguration, database: ServiceDatabase, ingestion: IngestSignal) {
        let embedder = SharedQueries(base)
        let index = VectorIndex(budgetBytes: configuration.indexBudgetBytes)
        let reader = MemoryRequestReader(dimension: dimension, maxTextBytes: configuration.maxTextBytes)
        let store = MemoryStore(database: database, index: index, dimension: dimension, embedderIdentity: embedder.identity,
                                nearDuplicateThreshold: configuration.nearDuplicateThreshold ?? embedder.nearDuplicateThreshold)
        let documents = DocumentStore(database: database, index: index, dimension: dimension, embedderIdentity: embedder.identity)
        (self.embedder, self.dimension, self.index) = (embedder, dimension, index)
        memories = MemoryMethods(store: store, embedder: embedder, reader: reader,
                                 relevanceThreshold: configuration.relevanceThreshold ?? embedder.relevanceThreshold)
        self.documents = DocumentMethods(store: documents, embedder: embedder, reader: reader,
                                         relevanceThreshold: configuration.passageRelevanceThreshold ?? embedder.passageRelevanceThreshold,
                                         ingestion: ingestion)
    }
}

/// An embedder that cannot run here (its model or engine is gone): every call fails, naming why.
struct UnavailableEmbedder: Embedder {
    let identity: String
    let problem: String
    var dimension: Int? { nil }
    var nearDuplicateThreshold: Float { 1 }
    var relevanceThreshold: Float { -1 }

    func embed(_ texts: [String], as role: EmbeddingRole, by deadline: NIODeadline) async throws -> [[Float]] {
        throw RPCError(.unavailable, "the embedder of memory.db's vectors, \(identity), is unavailable (\(problem)); a re-index is replacing it")
    }
}

extension Optional {
    func asyncMap<T>(_ transform: (Wrapped) async throws -> T) async rethrows -> T? {
        guard let value = self else { return nil }
        return try await transform(value)
    }
}

import GRDB
import Logging
import MamiCore
import MamiService
import MamiWire
import NIOConcurrencyHelpers

/// The memory service as the host runs it.
enum MemoryService {
    static var definition: ServiceDefinition {
        let store = NIOLockedValueBox<MemoryStore?>(nil)
        let embedderIdentity = NIOLockedValueBox<String>("")
        return ServiceDefinition(
            name: .memory,
            migrator: MemoryMigrations.migrator,
            methods: { environment, methods in
                let configuration = try MemoryConfiguration(source: environment.source)
                let embedder = try makeEmbedder(configuration, logger: environment.logger)
                let dimension = try await EmbedderRecord.reconcile(embedder, database: environment.database)
                let memoryStore = MemoryStore(
                    database: environment.database, index: VectorIndex(budgetBytes: configuration.indexBudgetBytes),
                    dimension: dimension, nearDuplicateThreshold: configuration.nearDuplicateThreshold ?? embedder.nearDuplicateThreshold)
                store.withLockedValue { $0 = memoryStore }
                embedderIdentity.withLockedValue { $0 = embedder.identity }
                let reader = MemoryRequestReader(dimension: dimension, maxTextBytes: configuration.maxTextBytes)
                MemoryMethods(store: memoryStore, embedder: embedder, reader: reader).register(into: &methods)
                let documents = DocumentStore(database: environment.database, index: memoryStore.index, dimension: dimension)
                DocumentMethods(store: documents, embedder: embedder, reader: reader).register(into: &methods)
                environment.logger.info("memory ready", metadata: ["embedder": "\(embedder.identity)", "dimension": "\(dimension)"])
            },
            stats: { _ in
                guard let memoryStore = store.withLockedValue({ $0 }) else { return [:] }
                return try await statistics(memoryStore, embedder: embedderIdentity.withLockedValue { $0 })
            }
        )
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

    static func statistics(_ store: MemoryStore, embedder: String) async throws -> JSONValue {
        let counts = try await store.counts()
        let index = store.index.statistics
        let lookups = index.hits + index.misses
        return [
            "memories": .int(Int64(counts.memories)),
            "owners": .int(Int64(counts.owners)),
            "documents": .int(Int64(counts.documents)),
            "chunks": .int(Int64(counts.chunks)),
            "embedder": .string(embedder),
            "dimension": .int(Int64(store.dimension)),
            "index": [
                "bytes": .int(Int64(index.bytes)),
                "budget_bytes": .int(Int64(store.index.budgetBytes)),
                "owners_cached": .int(Int64(index.owners)),
                "hit_rate": lookups == 0 ? .null : .double(Double(index.hits) / Double(lookups)),
                "evictions": .int(Int64(index.evictions)),
            ],
        ]
    }
}

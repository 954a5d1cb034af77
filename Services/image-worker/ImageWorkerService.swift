import Foundation
import GRDB
import MamiCore
import MamiHTTP
import MamiService
import NIOConcurrencyHelpers

/// The image worker as the host runs it.
enum ImageWorkerService {
    static var definition: ServiceDefinition {
        let built = NIOLockedValueBox<(parts: WorkerParts, runner: JobRunner)?>(nil)
        return ServiceDefinition(
            name: .imageWorker,
            migrator: ImageMigrations.migrator,
            methods: { environment, methods in
                let parts = try await makeParts(environment)
                let runner = JobRunner(parts: parts)
                built.withLockedValue { $0 = (parts, runner) }
                ImageMethods(parts: parts, runner: runner).register(into: &methods)
                environment.logger.info("image worker ready", metadata: ["forge": "\(parts.forge.baseURL)", "images": "\(parts.imagesDirectory)"])
            },
            companions: { _ in built.withLockedValue { $0 }.map { [$0.runner] } ?? [] },
            stats: { _ in
                guard let parts = built.withLockedValue({ $0 })?.parts else { return [:] }
                return try await statistics(parts)
            }
        )
    }

    static func makeParts(_ environment: ServiceEnvironment) async throws -> WorkerParts {
        let configuration = try ImageConfiguration(source: environment.source)
        if configuration.ollamaURL == nil {
            environment.logger.notice("the LLM engine is not Ollama: it cannot be asked to leave the GPU, so its residency is unmanaged")
        }
        let images = (environment.configuration.stateDirectory as NSString).appendingPathComponent("images")
        let placeholders = try await blocking {
            try FileManager.default.createDirectory(atPath: images, withIntermediateDirectories: true)
            ImageFiles.removeLeftovers(in: images)
            return try Placeholders(imagesDirectory: images)
        }
        let store = JobStore(database: environment.database)
        // txt2img holds a thread for its whole run; progress polls, interrupts and Ollama calls must never wait behind it.
        let http = HTTPClient(pool: HTTPClient.dedicatedPool(threads: 8))
        let forge = ForgeClient(baseURL: configuration.forgeURL, auth: configuration.forgeAuth, http: http)
        return WorkerParts(
            configuration: configuration, store: store,
            hub: EventHub(store: store, defaultEstimate: configuration.defaultEstimate.seconds),
            arbiter: GPUArbiter(ollama: configuration.ollamaURL.map { OllamaResidency(baseURL: $0, http: http) }, forge: forge, logger: environment.logger),
            forge: forge, catalog: ModelCatalog(forge: forge),
            breaker: CircuitBreaker(threshold: configuration.breakerFailures, openTime: configuration.breakerOpenTime),
            placeholders: placeholders, imagesDirectory: images, logger: environment.logger)
    }

    static func statistics(_ parts: WorkerParts) async throws -> JSONValue {
        var stats = try await parts.store.statistics(defaultEstimate: parts.defaultEstimate).objectValue ?? [:]
        stats["circuit"] = parts.breaker.json
        stats["gpu"] = await parts.arbiter.json
        stats["subscribers"] = .int(Int64(await parts.hub.subscriberCount))
        stats["events_published"] = .int(Int64(await parts.hub.published))
        return .object(stats)
    }
}

import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdWebSocket
import Logging
import MamiCore
import MamiHTTP
import MamiService
import MamiWire
import Metrics
import NIOCore
import NIOConcurrencyHelpers
import Prometheus
import ServiceLifecycle

/// The gateway as the host runs it: the probe socket, the public HTTP server
/// (API, OpenAI surface, WebSocket, health, metrics) and the follower of the
/// image worker's events.
enum GatewayService {
    static var definition: ServiceDefinition {
        let built = NIOLockedValueBox<GatewayParts?>(nil)
        return ServiceDefinition(
            name: .gateway, migrator: GatewayMigrations.migrator,
            companions: { environment in
                let parts = try await GatewayParts.make(environment, try GatewayConfiguration(source: environment.source))
                built.withLockedValue { $0 = parts }
                return companions(parts)
            },
            stats: { _ in
                guard let parts = built.withLockedValue({ $0 }) else { return [:] }
                return ["mode": .string(parts.mode.name), "websockets": .int(Int64(parts.fanout.socketCount)),
                        "chat_model": .string(parts.configuration.chatModel)]
            })
    }

    static func companions(_ parts: GatewayParts) -> [any Service] {
        let configuration = parts.configuration
        let environment = parts.environment
        let router = Router(context: GatewayContext.self)
        router.add(middleware: SecurityHeaders())
        router.add(middleware: ErrorMiddleware())
        parts.addRoutes(to: router)
        let session = WebSocketSession(authenticator: parts.authenticator, fanout: parts.fanout, logger: environment.logger,
                                       heartbeat: configuration.webSocketHeartbeat)
        let health = parts.healthEndpoint
        let application = Application(
            router: router,
            server: HTTPServerBuilder { responder in
                ClosingOnBadRequests(inner: HTTP1WebSocketUpgradeChannel(
                    responder: responder, configuration: WebSocketServerConfiguration(),
                    additionalChannelHandlers: { [HealthResponder(endpoint: health)] }
                ) { request, _, _ in
                    guard request.path == "/api/v1/ws" else { return .dontUpgrade }
                    return .upgrade([:]) { inbound, outbound, _ in try await session.run(inbound, outbound) }
                })
            },
            configuration: .init(address: .hostname(configuration.httpHost, port: configuration.httpPort), serverName: "mami-gateway"),
            // A starved cooperative pool must not stop new connections reaching HealthResponder.
            onServerRunning: { listener in
                KeepAccepting.install(on: listener).whenFailure { environment.logger.warning("listener left with back-pressure", metadata: ["error": "\($0)"]) }
            },
            eventLoopGroupProvider: .shared(environment.eventLoopGroup),
            logger: environment.logger
        )
        return [application, parts.workerEvents]
    }
}

/// The gateway's pieces, built once at start-up.
struct GatewayParts: Sendable {
    var configuration: GatewayConfiguration
    var environment: ServiceEnvironment
    var accounts: AccountStore
    var conversations: ConversationStore
    var authenticator: Authenticator
    var pipeline: ChatPipeline
    var images: ImageRequester
    var memory: RPCClient
    var worker: RPCClient
    var fanout: EventFanout
    var mode: OperatingMode
    var registry: PrometheusCollectorRegistry
    var workerEvents: WorkerEvents
    var web: WebRoutes

    static func make(_ environment: ServiceEnvironment, _ configuration: GatewayConfiguration) async throws -> GatewayParts {
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        let accounts = AccountStore(database: environment.database)
        let conversations = ConversationStore(database: environment.database)
        let tokens = try await AccessTokens.load(stateDirectory: environment.configuration.stateDirectory, lifetime: TimeInterval(configuration.accessTokenLifetime))
        let memory = environment.client(of: .memory)
        let worker = environment.client(of: .imageWorker)
        let mode = OperatingMode()
        let fanout = EventFanout()
        let llm = configuration.llm.engine(stall: configuration.llmStall, maxTokens: configuration.llmMaxTokens,
                                           http: HTTPClient(pool: HTTPClient.dedicatedPool(threads: configuration.llmMaxStreams)))
        let pipeline = ChatPipeline(
            store: conversations, recall: MemoryRecall(client: memory, budget: configuration.memoryBudget, logger: environment.logger),
            facts: FactExtractor(engine: llm, timeout: configuration.factsTimeout, logger: environment.logger),
            builder: PromptBuilder(budgetTokens: configuration.promptTokens), llm: llm,
            models: EngineModels(engine: llm, defaultModel: configuration.chatModel), worker: worker, mode: mode,
            configuration: configuration,
            limits: ChatLimits(perUser: configuration.chatPerMinute, perAddress: configuration.chatPerMinutePerAddress),
            generations: Generations(), events: fanout,
            titles: TitleWriter(llm: llm, store: conversations, events: fanout, timeout: configuration.titleTimeout, logger: environment.logger),
            logger: environment.logger)
        let web = WebRoutes(assets: await loadWebClient(configuration.webDirectory, logger: environment.logger),
                            missingDirectory: configuration.webDirectory)
        let interrupted = try await conversations.failInterruptedAnswers()
        if interrupted > 0 { environment.logger.notice("answers interrupted by the last stop marked failed", metadata: ["count": "\(interrupted)"]) }
        return GatewayParts(
            configuration: configuration, environment: environment, accounts: accounts, conversations: conversations,
            authenticator: Authenticator(tokens: tokens, accounts: accounts), pipeline: pipeline,
            images: ImageRequester(store: conversations, worker: worker, mode: mode, maxOpenJobs: configuration.imageJobsPerUser,
                                   logger: environment.logger),
            memory: memory, worker: worker, fanout: fanout, mode: mode, registry: registry,
            workerEvents: WorkerEvents(client: environment.client(of: .imageWorker), store: conversations, fanout: fanout, logger: environment.logger),
            web: web)
    }

    /// The web client's files (read and compressed off the cooperative pool); without them the API still
    /// serves and `/` says what is missing.
    static func loadWebClient(_ directory: String, logger: Logger) async -> WebAssets? {
        do {
            let assets = try await blocking { try WebAssets(directory: directory) }
            guard assets["index.html"] != nil else { throw CocoaError(.fileReadNoSuchFile) }
            let shipped = assets.scriptAndStyleBytes
            logger.info("web client loaded", metadata: ["directory": "\(directory)", "script_and_style_bytes": "\(shipped.plain)",
                                                        "gzipped": "\(shipped.gzipped)"])
            return assets
        } catch {
            logger.warning("no web client: its files are not at the directory (MAMI_WEB_DIR)",
                           metadata: ["directory": "\(directory)", "error": "\(error)"])
            return nil
        }
    }

    var healthEndpoint: HealthEndpoint {
        HealthEndpoint(own: environment.health,
                       dependencies: DependencyHealth(environment: environment, deadline: .milliseconds(configuration.healthProbeMilliseconds)),
                       group: environment.eventLoopGroup)
    }

    func addRoutes(to router: Router<GatewayContext>) {
        let limit = configuration.maxBodyBytes
        let health = healthEndpoint
        router.get("/health") { _, _ in await health.respond() }
        web.add(to: router)
        let admin = AdminRoutes(authenticator: authenticator, mode: mode, memory: memory, worker: worker, fanout: fanout, registry: registry, bodyLimit: limit)
        admin.addMetrics(to: router)
        let api = router.group("/api/v1")
        api.get("/health") { _, _ in await health.respond() }
        api.get("/openapi.json") { _, _ in JSONResponse.make(OpenAPIDocument.json) }
        AuthRoutes(accounts: accounts, tokens: authenticator.tokens, hasher: PasswordHasher(cost: UInt8(configuration.bcryptCost)),
                   authenticator: authenticator,
                   limiter: RateLimiter(limit: configuration.authAttemptsPerMinute, window: 60), bodyLimit: limit).add(to: api)
        ConversationRoutes(store: conversations, models: pipeline.models, authenticator: authenticator, bodyLimit: limit).add(to: api)
        SearchRoutes(store: conversations, authenticator: authenticator).add(to: api)
        ExportRoutes(store: conversations, authenticator: authenticator).add(to: api)
        api.get("/models") { request, _ in
            _ = try await authenticator.principal(request)
            do { return JSONResponse.make(try await pipeline.models.listJSON()) } catch {
                throw APIError(.serviceUnavailable, LLMError.Kind.unreachable.rawValue, "the language model cannot be asked which models it has")
            }
        }
        ChatRoutes(pipeline: pipeline, images: images, imageParameters: ImageParameters(worker: worker),
                   prompter: ImagePrompter(llm: pipeline.llm, timeout: configuration.imagePromptTimeout, logger: environment.logger),
                   authenticator: authenticator, bodyLimit: limit).add(to: api)
        ImageRoutes(requester: images, store: conversations, worker: worker, authenticator: authenticator, bodyLimit: limit).add(to: api)
        let memoryCalls = MemoryCalls(memory: memory, authenticator: authenticator, bodyLimit: limit)
        MemoryRoutes(calls: memoryCalls).add(to: api)
        DocumentRoutes(calls: memoryCalls).add(to: api)
        admin.add(to: api)
        OpenAIRoutes(pipeline: pipeline, authenticator: authenticator, bodyLimit: limit).add(to: router)
    }
}

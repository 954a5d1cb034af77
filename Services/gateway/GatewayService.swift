import Hummingbird
import Logging
import MamiCore
import MamiService
import ServiceLifecycle

/// The gateway as the host runs it: the probe socket plus the public HTTP server.
enum GatewayService {
    static var definition: ServiceDefinition {
        ServiceDefinition(name: .gateway, migrator: GatewayMigrations.migrator, companions: httpServer)
    }

    @Sendable static func httpServer(_ environment: ServiceEnvironment) async throws -> [any Service] {
        let configuration = try GatewayConfiguration(source: environment.source)
        let health = HealthEndpoint(
            own: environment.health,
            dependencies: DependencyHealth(environment: environment, deadline: .milliseconds(configuration.healthProbeMilliseconds))
        )
        let router = Router()
        router.get("/health") { _, _ in await health.respond() }
        let application = Application(
            router: router,
            configuration: .init(address: .hostname(configuration.httpHost, port: configuration.httpPort), serverName: "mami-gateway"),
            eventLoopGroupProvider: .shared(environment.eventLoopGroup),
            logger: environment.logger
        )
        return [application]
    }
}

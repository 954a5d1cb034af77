import Foundation
import GRDB
import Logging
import MamiCore
import MamiSupervision
import MamiWire
import NIOCore
import NIOPosix
import ServiceLifecycle

/// Runs a ``ServiceDefinition`` as a process: reads and validates the
/// configuration, migrates the database, listens on the service's socket (its
/// own path or a socket-activated fd), reports readiness and liveness to
/// systemd, and shuts down gracefully on SIGTERM or SIGINT.
public enum ServiceHost {
    /// Runs until shutdown; returns the process exit status (0 after a graceful
    /// shutdown, 78 for bad configuration, also the service's own settings read
    /// at start-up, 1 for any other failure).
    public static func run(_ definition: ServiceDefinition) async -> Int32 {
        let source: ConfigSource
        let configuration: CommonConfiguration
        do {
            source = try ConfigSource.load()
            configuration = try CommonConfiguration(source: source)
        } catch {
            FileHandle.standardError.write(Data("mami-\(definition.name.rawValue): \(error)\n".utf8))
            return 78
        }
        let logger = makeLogger(definition.name, level: configuration.logLevel)
        do {
            let environment = try await prepare(definition, configuration: configuration, source: source, logger: logger)
            try await serve(definition, environment: environment)
            logger.info("stopped")
            return 0
        } catch let error as ConfigError {
            logger.critical("bad configuration", metadata: ["error": "\(error)"])
            return 78
        } catch {
            logger.critical("failed", metadata: ["error": "\(error)"])
            return 1
        }
    }

    static func makeLogger(_ name: ServiceName, level: String) -> Logger {
        var logger = Logger(label: "mami.\(name.rawValue)") { label in StreamLogHandler.standardError(label: label) }
        logger.logLevel = Logger.Level(rawValue: level) ?? .info
        return logger
    }

    static func prepare(
        _ definition: ServiceDefinition,
        configuration: CommonConfiguration,
        source: ConfigSource,
        logger: Logger
    ) async throws -> ServiceEnvironment {
        let files = FileManager.default
        try files.createDirectory(atPath: configuration.runtimeDirectory, withIntermediateDirectories: true)
        try files.createDirectory(atPath: configuration.stateDirectory, withIntermediateDirectories: true)
        let path = (configuration.stateDirectory as NSString).appendingPathComponent(definition.name.databaseFileName)
        let database = try await ServiceDatabase.open(path: path, migrator: definition.migrator)
        let migrations = try await database.appliedMigrations()
        logger.info("database ready", metadata: ["path": "\(path)", "migrations": "\(migrations)"])
        return ServiceEnvironment(
            name: definition.name,
            configuration: configuration,
            source: source,
            database: database,
            health: HealthState(service: definition.name, staleAfter: .seconds(5), poolProbe: poolProbe(on: MultiThreadedEventLoopGroup.singleton)),
            eventLoopGroup: MultiThreadedEventLoopGroup.singleton,
            logger: logger
        )
    }

    /// Watches the cooperative pool from an event loop (see ``CooperativePoolProbe``).
    static func poolProbe(on group: any EventLoopGroup) -> CooperativePoolProbe {
        let probe = CooperativePoolProbe()
        probe.start(on: group.next())
        return probe
    }

    static func serve(_ definition: ServiceDefinition, environment: ServiceEnvironment) async throws {
        let server = RPCServer(
            configuration: serverConfiguration(environment),
            methods: try await methods(definition, environment),
            group: environment.eventLoopGroup,
            logger: environment.logger
        )
        let (listening, listeningSink) = AsyncStream<Void>.makeStream()
        let supervisor = Supervisor(
            health: environment.health,
            checks: baseChecks(environment) + definition.checks(environment),
            listening: listening,
            summary: { summary(environment) },
            logger: environment.logger
        )
        let rpc = RPCServerService(server: server, listening: listeningSink)
        // Graceful shutdown runs in reverse order: the supervisor first (STOPPING=1
        // at once), then the companions, then the RPC server drains.
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [
            .init(service: rpc, successTerminationBehavior: .gracefullyShutdownGroup, failureTerminationBehavior: .gracefullyShutdownGroup, serviceName: "rpc")
        ]
        for companion in try await definition.companions(environment) {
            services.append(.init(service: companion, successTerminationBehavior: .gracefullyShutdownGroup, failureTerminationBehavior: .gracefullyShutdownGroup))
        }
        services.append(.init(service: supervisor, successTerminationBehavior: .ignore, failureTerminationBehavior: .gracefullyShutdownGroup, serviceName: "supervisor"))
        var group = ServiceGroupConfiguration(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: environment.logger)
        group.maximumGracefulShutdownDuration = .milliseconds(environment.configuration.shutdownGraceMilliseconds)
        try await ServiceGroup(configuration: group).run()
    }

    static func serverConfiguration(_ environment: ServiceEnvironment) -> RPCServer.Configuration {
        let path = environment.configuration.socketPath(of: environment.name)
        let address: ListenAddress = SocketActivation.inheritedUnixListener().map { .inherited(fd: $0, path: path) } ?? .path(path)
        return RPCServer.Configuration(
            address: address,
            maxFrameBytes: environment.configuration.maxFrameBytes,
            maxInFlightPerConnection: environment.configuration.maxInFlightPerConnection,
            allowedPeerUIDs: environment.configuration.allowedPeerUIDs
        )
    }

    static func methods(_ definition: ServiceDefinition, _ environment: ServiceEnvironment) async throws -> RPCMethods {
        var methods = RPCMethods()
        methods.registerHealth(environment.health)
        methods.registerStats(environment) { try await definition.stats(environment) }
        if environment.configuration.debugMethods { methods.registerDebug(environment) }
        try await definition.methods(environment, &methods)
        return methods
    }

    static func baseChecks(_ environment: ServiceEnvironment) -> [HealthCheck] {
        let group = environment.eventLoopGroup
        let database = environment.database
        return [
            HealthCheck(name: "event_loops") {
                for loop in group.makeIterator() { try await loop.submit {}.get() }
            },
            HealthCheck(name: "database") { try await database.probe() },
        ]
    }

    static func summary(_ environment: ServiceEnvironment) -> String {
        let report = environment.health.report()
        let status = report["status"]?.stringValue ?? "unknown"
        let failing = report["checks"]?.objectValue?.filter { $0.value["ok"] != .bool(true) }.keys.sorted() ?? []
        return failing.isEmpty ? "\(status)" : "\(status): \(failing.joined(separator: ", ")) failing"
    }
}

/// The RPC server as a lifecycle service: graceful shutdown drains its connections.
/// `listening` receives one element once the socket accepts connections and ends
/// when the server stops, so a server that never listened ends it empty.
struct RPCServerService: Service {
    var server: RPCServer
    var listening: AsyncStream<Void>.Continuation

    func run() async throws {
        defer { listening.finish() }
        try await withGracefulShutdownHandler {
            try await server.run(onListening: { listening.yield() })
        } onGracefulShutdown: {
            server.shutdown()
        }
    }
}

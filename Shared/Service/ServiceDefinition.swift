import GRDB
import MamiCore
import MamiWire
import ServiceLifecycle

/// What makes one service itself; ``ServiceHost`` supplies everything else
/// (configuration, database, socket, health, supervision, shutdown).
public struct ServiceDefinition: Sendable {
    public var name: ServiceName
    /// The service's schema history, applied in order at start-up.
    public var migrator: DatabaseMigrator
    /// Adds the service's RPC methods.
    public var methods: @Sendable (ServiceEnvironment, inout RPCMethods) async throws -> Void
    /// Further lifecycle services to run beside the RPC server (the gateway's HTTP server).
    public var companions: @Sendable (ServiceEnvironment) async throws -> [any Service]
    /// The service's own statistics for `sys.stats`.
    public var stats: @Sendable (ServiceEnvironment) async throws -> JSONValue
    /// Extra liveness checks beyond the event loops and the database.
    public var checks: @Sendable (ServiceEnvironment) -> [HealthCheck]

    public init(
        name: ServiceName,
        migrator: DatabaseMigrator,
        methods: @escaping @Sendable (ServiceEnvironment, inout RPCMethods) async throws -> Void = { _, _ in },
        companions: @escaping @Sendable (ServiceEnvironment) async throws -> [any Service] = { _ in [] },
        stats: @escaping @Sendable (ServiceEnvironment) async throws -> JSONValue = { _ in [:] },
        checks: @escaping @Sendable (ServiceEnvironment) -> [HealthCheck] = { _ in [] }
    ) {
        self.name = name
        self.migrator = migrator
        self.methods = methods
        self.companions = companions
        self.stats = stats
        self.checks = checks
    }
}

import GRDB
import Logging
import MamiCore
import MamiWire
import NIOCore

/// What a running service hands to its own code: its name, settings, database, health and logger.
public struct ServiceEnvironment: Sendable {
    public var name: ServiceName
    public var configuration: CommonConfiguration
    /// The full configuration source, for the service's own settings.
    public var source: ConfigSource
    public var database: ServiceDatabase
    public var health: HealthState
    public var eventLoopGroup: any EventLoopGroup
    public var logger: Logger

    /// A client of another service's socket, with this process's wire limits.
    public func client(of service: ServiceName) -> RPCClient {
        RPCClient(
            configuration: .init(path: configuration.socketPath(of: service), maxFrameBytes: configuration.maxFrameBytes),
            group: eventLoopGroup
        )
    }
}

import Foundation

/// The settings every Mami process shares: where sockets and state live and
/// the limits of the wire.
///
/// | variable | default |
/// |---|---|
/// | `MAMI_RUNTIME_DIR` | `$RUNTIME_DIRECTORY`, else `./var/run` |
/// | `MAMI_STATE_DIR` | `$STATE_DIRECTORY`, else `./var/lib` |
/// | `MAMI_MAX_FRAME_BYTES` | 1 MiB |
/// | `MAMI_MAX_INFLIGHT` | 1024 requests per connection |
/// | `MAMI_ALLOWED_UIDS` | the service's own uid and root |
/// | `MAMI_SHUTDOWN_GRACE_MS` | 5000 |
/// | `MAMI_LOG_LEVEL` | `info` |
public struct CommonConfiguration: Sendable {
    public var runtimeDirectory: String
    public var stateDirectory: String
    public var maxFrameBytes: Int
    public var maxInFlightPerConnection: Int
    public var allowedPeerUIDs: Set<UInt32>
    public var shutdownGraceMilliseconds: Int
    public var logLevel: String
    /// Enables `debug.*` methods that tests use to hang a service's executors on purpose.
    public var debugMethods: Bool

    public init(source: ConfigSource) throws {
        runtimeDirectory = source.string("MAMI_RUNTIME_DIR") ?? source.string("RUNTIME_DIRECTORY") ?? "./var/run"
        stateDirectory = source.string("MAMI_STATE_DIR") ?? source.string("STATE_DIRECTORY") ?? "./var/lib"
        maxFrameBytes = try source.int("MAMI_MAX_FRAME_BYTES", default: 1 << 20, in: 64...(64 << 20))
        maxInFlightPerConnection = try source.int("MAMI_MAX_INFLIGHT", default: 1024, in: 1...65_536)
        allowedPeerUIDs = try Self.parseUIDs(source.string("MAMI_ALLOWED_UIDS"))
        shutdownGraceMilliseconds = try source.int("MAMI_SHUTDOWN_GRACE_MS", default: 5000, in: 0...600_000)
        logLevel = source.string("MAMI_LOG_LEVEL") ?? "info"
        debugMethods = try source.bool("MAMI_DEBUG_METHODS", default: false)
    }

    /// The path of `service`'s socket in the runtime directory.
    public func socketPath(of service: ServiceName) -> String {
        (runtimeDirectory as NSString).appendingPathComponent(service.socketFileName)
    }

    static func parseUIDs(_ text: String?) throws -> Set<UInt32> {
        let defaults: Set<UInt32> = [0, getuid()]
        guard let text else { return defaults }
        var uids = Set<UInt32>()
        for part in text.split(separator: ",") {
            let trimmed = part.trimmingCharacters(in: .whitespaces)
            guard let uid = UInt32(trimmed) else {
                throw ConfigError(key: "MAMI_ALLOWED_UIDS", problem: "'\(trimmed)' is not a uid")
            }
            uids.insert(uid)
        }
        return uids.union(defaults)
    }
}

import MamiCore

/// The gateway's own settings.
///
/// | variable | default |
/// |---|---|
/// | `MAMI_HTTP_ADDR` | `127.0.0.1:8080` |
/// | `MAMI_HEALTH_PROBE_MS` | 250 (deadline of each dependency probe in `/health`) |
struct GatewayConfiguration: Sendable {
    var httpHost: String
    var httpPort: Int
    var healthProbeMilliseconds: Int

    init(source: ConfigSource) throws {
        (httpHost, httpPort) = try Self.parseAddress(source.string("MAMI_HTTP_ADDR") ?? "127.0.0.1:8080")
        healthProbeMilliseconds = try source.int("MAMI_HEALTH_PROBE_MS", default: 250, in: 10...10_000)
    }

    static func parseAddress(_ text: String) throws -> (String, Int) {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]),
            (0...65_535).contains(port)
        else {
            throw ConfigError(key: "MAMI_HTTP_ADDR", problem: "'\(text)' is not HOST:PORT")
        }
        var host = String(text[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty else { throw ConfigError(key: "MAMI_HTTP_ADDR", problem: "'\(text)' has no host") }
        return (host, port)
    }
}

import Foundation

/// A configuration value that is present but unusable, with the key and the reason.
public struct ConfigError: Error, Sendable, CustomStringConvertible {
    public var key: String
    public var problem: String

    public init(key: String, problem: String) {
        self.key = key
        self.problem = problem
    }

    public var description: String { "configuration \(key): \(problem)" }
}

/// Where configuration comes from: the process environment over an optional file.
///
/// The file named by `MAMI_CONFIG_FILE` holds `KEY=VALUE` lines (`#` starts a
/// comment); a variable set in the environment wins over the file. Every
/// reader validates and throws ``ConfigError`` naming the key.
public struct ConfigSource: Sendable {
    public private(set) var values: [String: String]

    public init(values: [String: String]) {
        self.values = values
    }

    /// Reads `MAMI_CONFIG_FILE` (when set) and overlays the environment.
    public static func load(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> ConfigSource {
        var values: [String: String] = [:]
        if let path = environment["MAMI_CONFIG_FILE"], !path.isEmpty {
            values = try parseFile(at: path)
        }
        values.merge(environment, uniquingKeysWith: { _, environmentValue in environmentValue })
        return ConfigSource(values: values)
    }

    static func parseFile(at path: String) throws -> [String: String] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw ConfigError(key: "MAMI_CONFIG_FILE", problem: "cannot read \(path)")
        }
        var values: [String: String] = [:]
        for (number, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            guard let equals = line.firstIndex(of: "=") else {
                throw ConfigError(key: "MAMI_CONFIG_FILE", problem: "\(path):\(number + 1): expected KEY=VALUE")
            }
            let key = line[..<equals].trimmingCharacters(in: .whitespaces)
            let value = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            values[key] = value
        }
        return values
    }

    /// The value of `key`, nil when unset or empty.
    public func string(_ key: String) -> String? {
        guard let value = values[key], !value.isEmpty else { return nil }
        return value
    }

    /// An integer within `range`, or `defaultValue` when unset.
    public func int(_ key: String, default defaultValue: Int, in range: ClosedRange<Int>) throws -> Int {
        guard let text = string(key) else { return defaultValue }
        guard let value = Int(text) else { throw ConfigError(key: key, problem: "'\(text)' is not an integer") }
        guard range.contains(value) else {
            throw ConfigError(key: key, problem: "\(value) is outside \(range.lowerBound)...\(range.upperBound)")
        }
        return value
    }

    /// A boolean (`1/0`, `true/false`, `yes/no`), or `defaultValue` when unset.
    public func bool(_ key: String, default defaultValue: Bool) throws -> Bool {
        guard let text = string(key)?.lowercased() else { return defaultValue }
        switch text {
        case "1", "true", "yes", "on": return true
        case "0", "false", "no", "off": return false
        default: throw ConfigError(key: key, problem: "'\(text)' is not a boolean")
        }
    }

    /// A duration in seconds (decimals allowed: `0.5`) within `range`, or `defaultValue` when unset.
    public func seconds(_ key: String, default defaultValue: Double, in range: ClosedRange<Double>) throws -> Duration {
        guard let text = string(key) else { return .milliseconds(Int64(defaultValue * 1000)) }
        guard let value = Double(text), value.isFinite else { throw ConfigError(key: key, problem: "'\(text)' is not a number of seconds") }
        guard range.contains(value) else {
            throw ConfigError(key: key, problem: "\(value) is outside \(range.lowerBound)...\(range.upperBound)")
        }
        return .milliseconds(Int64(value * 1000))
    }

    /// An `http://` or `https://` URL with a host, without a trailing slash, or `defaultValue` when unset.
    public func url(_ key: String, default defaultValue: String? = nil) throws -> String? {
        guard let text = string(key) ?? defaultValue else { return nil }
        guard let url = URL(string: text), ["http", "https"].contains(url.scheme?.lowercased() ?? ""), url.host?.isEmpty == false else {
            throw ConfigError(key: key, problem: "'\(text)' is not an http(s) URL with a host")
        }
        return text.hasSuffix("/") ? String(text.dropLast()) : text
    }

    /// One of `choices` (case-insensitive), or `defaultValue` when unset.
    public func choice<T: RawRepresentable & CaseIterable>(_ key: String, default defaultValue: T) throws -> T where T.RawValue == String {
        guard let text = string(key)?.lowercased() else { return defaultValue }
        guard let value = T(rawValue: text) else {
            throw ConfigError(key: key, problem: "'\(text)' is not one of \(T.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return value
    }
}

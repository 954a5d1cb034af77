import Crypto
import Foundation

/// The web client's files, read once at start-up: each with its type, a strong `ETag` (a hash of its
/// bytes) and, for text, its gzip form. Small (the whole client is ~150 KB), so kept in memory.
///
/// The page names its files under `/assets/<release>/…`, `release` being a hash of every file: those
/// URLs never change meaning, so the browser keeps them without asking again (`immutable`), and a new
/// release is a new page naming new URLs. (The modules import each other by relative paths, so the
/// whole tree follows the page's prefix.)
struct WebAssets: Sendable {
    struct Asset: Sendable {
        var contentType: String
        var body: [UInt8]
        var gzipped: [UInt8]?
        var etag: String
    }

    /// By path relative to the client's directory, e.g. `index.html`, `js/main.js`.
    private(set) var assets: [String: Asset]
    /// Where they were read from (for messages).
    let directory: String
    /// The path segment that names this set of files: `r-` and a hash of them all.
    let release: String

    static let types: [String: String] = [
        "html": "text/html; charset=utf-8", "js": "text/javascript; charset=utf-8", "css": "text/css; charset=utf-8",
        "svg": "image/svg+xml", "png": "image/png", "json": "application/json", "txt": "text/plain; charset=utf-8",
        "webmanifest": "application/manifest+json",
    ]

    /// Reads every file under `directory` whose extension has a known type.
    init(directory: String) throws {
        self.directory = directory
        let root = URL(fileURLWithPath: directory, isDirectory: true).standardizedFileURL
        var assets: [String: Asset] = [:]
        for path in try Self.files(under: root) {
            let ext = (path as NSString).pathExtension.lowercased()
            guard let type = Self.types[ext] else { continue }
            let body = [UInt8](try Data(contentsOf: root.appendingPathComponent(path)))
            assets[path] = try Self.asset(body, type: type)
        }
        let digest = SHA256.hash(data: Data(assets.keys.sorted().map { "\($0) \(assets[$0]!.etag)\n" }.joined().utf8))
        release = "r-" + digest.prefix(6).map { String(format: "%02x", $0) }.joined()
        if let page = assets["index.html"] {
            let named = String(decoding: page.body, as: UTF8.self).replacingOccurrences(of: "\"/assets/", with: "\"/assets/\(release)/")
            assets["index.html"] = try Self.asset(Array(named.utf8), type: page.contentType)
        }
        self.assets = assets
    }

    subscript(path: String) -> Asset? { assets[path] }

    /// Shipped bytes of the script and style files: uncompressed and gzipped (the benchmark's figure).
    var scriptAndStyleBytes: (plain: Int, gzipped: Int) {
        let shipped = assets.filter { $0.key.hasSuffix(".js") || $0.key.hasSuffix(".css") }.values
        return (shipped.reduce(0) { $0 + $1.body.count }, shipped.reduce(0) { $0 + ($1.gzipped ?? $1.body).count })
    }

    private static func asset(_ body: [UInt8], type: String) throws -> Asset {
        let digest = SHA256.hash(data: body).prefix(12).map { String(format: "%02x", $0) }.joined()
        let compressible = type.hasPrefix("text/") || type.contains("svg") || type.contains("json")
        let gzipped = compressible ? try Gzip.compress(body) : nil
        return Asset(contentType: type, body: body, gzipped: gzipped.flatMap { $0.count < body.count ? $0 : nil }, etag: "\"\(digest)\"")
    }

    private static func files(under root: URL) throws -> [String] {
        guard let walker = FileManager.default.enumerator(at: root, includingPropertiesForKeys: [.isRegularFileKey]) else {
            throw CocoaError(.fileReadNoSuchFile)
        }
        let prefix = root.path.hasSuffix("/") ? root.path : root.path + "/"
        return walker.compactMap { item in
            guard let url = item as? URL, (try? url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true else { return nil }
            let path = url.standardizedFileURL.path
            return path.hasPrefix(prefix) ? String(path.dropFirst(prefix.count)) : nil
        }
    }

    /// The client shipped beside the executable (SwiftPM's resource bundle), unless `MAMI_WEB_DIR` names another.
    static func defaultDirectory() -> String {
        let executable = (Bundle.main.executableURL ?? URL(fileURLWithPath: CommandLine.arguments[0])).resolvingSymlinksInPath()
        return executable.deletingLastPathComponent().appendingPathComponent("mami_MamiGateway.resources/client").path
    }
}

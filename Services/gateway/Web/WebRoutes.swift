import HTTPTypes
import Hummingbird
import NIOCore

/// The web client (W1): `GET /` is its page, `GET /assets/{path}` its scripts, styles and images, each
/// with a strong `ETag` (`If-None-Match` → 304) and gzip when the browser accepts it. The page is
/// `no-cache` (a new release is seen at once); the files it names, under `/assets/<release>/`, are
/// `immutable` (``WebAssets``); unversioned or older-release paths are served `no-cache`.
struct WebRoutes: Sendable {
    /// Nil when the client's files were not found: the API still serves, `/` says what is missing.
    var assets: WebAssets?
    var missingDirectory: String

    func add(to router: Router<GatewayContext>) {
        router.get("/") { request, _ in try respond(request, path: "index.html") }
        router.get("/index.html") { request, _ in try respond(request, path: "index.html") }
        router.get("/assets/**") { request, context in
            var parts = context.parameters.getCatchAll()
            guard let first = parts.first, first.hasPrefix("r-") else { return try respond(request, path: parts.joined(separator: "/")) }
            parts.removeFirst()
            return try respond(request, path: parts.joined(separator: "/"), immutable: assets.map { first == $0.release } ?? false)
        }
    }

    func respond(_ request: Request, path: String, immutable: Bool = false) throws -> Response {
        guard let assets else {
            throw APIError(.notFound, "web_client_missing", "the web client's files are not installed at \(missingDirectory) (set MAMI_WEB_DIR)")
        }
        guard !path.split(separator: "/").contains(where: { $0.hasPrefix(".") }), let asset = assets[path] else { throw APIError.notFound("file") }
        let caching = immutable ? "public, max-age=31536000, immutable" : "no-cache"
        var headers: HTTPFields = [.contentType: asset.contentType, .eTag: asset.etag, .cacheControl: caching, .vary: "Accept-Encoding"]
        if Self.matches(request.headers[.ifNoneMatch], asset.etag) {
            return Response(status: .notModified, headers: headers)
        }
        var body = asset.body
        if let gzipped = asset.gzipped, Self.acceptsGzip(request.headers[.acceptEncoding]) {
            headers[.contentEncoding] = "gzip"
            body = gzipped
        }
        headers[.contentLength] = "\(body.count)"
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
    }

    /// `If-None-Match`: `*`, or a list of tags (weak ones compared by their value, as RFC 9110 says for it).
    static func matches(_ header: String?, _ etag: String) -> Bool {
        guard let header else { return false }
        return header.split(separator: ",").contains { tag in
            let tag = tag.trimmingCharacters(in: .whitespaces)
            return tag == "*" || tag == etag || tag == "W/" + etag
        }
    }

    /// Whether `Accept-Encoding` lists gzip (or `*`) without `q=0`.
    static func acceptsGzip(_ header: String?) -> Bool {
        guard let header else { return false }
        return header.split(separator: ",").contains { item in
            let parts = item.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
            guard let coding = parts.first, coding == "gzip" || coding == "*" else { return false }
            let quality = parts.dropFirst().first { $0.hasPrefix("q=") }.flatMap { Double($0.dropFirst(2)) } ?? 1
            return quality > 0
        }
    }
}

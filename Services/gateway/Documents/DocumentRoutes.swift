import Hummingbird
import MamiCore
import MamiWire

/// `/api/v1/documents…`: the caller's documents for retrieval (RAG), kept by the memory
/// service (the owner is always the authenticated user).
///
/// `POST /documents` takes JSON `{title, text, scope?, conversation_id?}`, or a
/// `multipart/form-data` upload of a file (plain text, Markdown, HTML, PDF) with the
/// optional fields `title`, `scope` and `conversation_id`. An upload's text is read here,
/// whole, before the one `doc.ingest` call: a failed upload stores nothing. The memory
/// service embeds the chunks in the background: the answer is 202 with `status: pending`
/// at once (`GET /documents/{id}` follows it), or, with `?wait=true`, 201 once the
/// document is searched (`status: ready`).
struct DocumentRoutes: Sendable {
    var calls: MemoryCalls
    var reader = DocumentReader()
    /// How long `?wait=true` waits: the chunks are embedded one after another by the memory service's
    /// sentence encoder (about 0.15 s per 800-character chunk on one core; a 512 KiB document is minutes).
    static let ingestTimeout: Duration = .seconds(600)
    /// Storing the text and its chunks, to be embedded later.
    static let acceptTimeout: Duration = .seconds(30)
    static let jsonBodyLimit = 1 << 20
    /// The largest `multipart/form-data` body (a PDF is much larger than its text).
    static let uploadBodyLimit = 8 << 20

    func add(to group: RouterGroup<GatewayContext>) {
        group.get("/documents") { request, _ in try await calls.forward("doc.list", request, query: true) }
        group.post("/documents") { request, _ in try await ingest(request) }
        group.post("/documents/search") { request, _ in
            try await calls.forward("doc.search", request, fields: ["query", "k", "scope", "conversation_id"])
        }
        group.get("/documents/:id") { request, context in
            let user = try await calls.authenticator.principal(request).user
            let params: JSONValue = ["owner": .string(user.id), "id": .string(try context.parameters.require("id"))]
            return JSONResponse.make(try await calls.memory.call("doc.get", params: params, timeout: MemoryCalls.timeout))
        }
        group.delete("/documents/:id") { request, context in try await calls.delete("doc.delete", request, context) }
    }

    /// One `doc.ingest` of a JSON document or an uploaded file; answers `{"id","chunks","status"}` (and an upload's `title`).
    private func ingest(_ request: Request) async throws -> Response {
        let user = try await calls.authenticator.principal(request).user
        let boundary: String?
        do {
            boundary = try MultipartForm.boundary(of: request.headers[.contentType])
        } catch {
            throw APIError.badRequest(error.message)
        }
        var params: [String: JSONValue]
        if let boundary { params = try await upload(request, boundary: boundary) } else { params = try await json(request) }
        params["owner"] = .string(user.id)
        let wait = request.uri.queryParameters["wait"] == "true"
        if wait { params["wait"] = true }
        var result = try await calls.memory.call("doc.ingest", params: .object(params), timeout: wait ? Self.ingestTimeout : Self.acceptTimeout)
            .objectValue ?? [:]
        if boundary != nil { result["title"] = params["title"] }
        return JSONResponse.make(.object(result), status: result["status"] == "ready" ? .created : .accepted)
    }

    private func json(_ request: Request) async throws -> [String: JSONValue] {
        let body = try await JSONResponse.object(request, limit: Self.jsonBodyLimit)
        return body.filter { ["title", "text", "scope", "conversation_id"].contains($0.key) }
    }

    /// A file upload, read into the document's title and text.
    private func upload(_ request: Request, boundary: String) async throws -> [String: JSONValue] {
        let body = try await JSONResponse.collect(request, limit: Self.uploadBodyLimit)
        let form: MultipartForm
        do {
            form = try MultipartForm(parsing: Array(buffer: body), boundary: boundary)
        } catch {
            throw APIError.badRequest("the multipart body is malformed: \(error.message)")
        }
        let upload = try DocumentUpload(form)
        let document = try await reader.read(upload)
        var params: [String: JSONValue] = ["title": .string(document.title), "text": .string(document.text)]
        if let scope = upload.scope { params["scope"] = .string(scope) }
        if let conversationID = upload.conversationID { params["conversation_id"] = .string(conversationID) }
        return params
    }
}

import Hummingbird
import MamiCore
import MamiWire

/// `/api/v1/documents…`: the caller's documents for retrieval (RAG), kept by the memory
/// service (the owner is always the authenticated user).
///
/// `POST /documents` takes JSON `{title, text, scope?, conversation_id?}`, or a
/// `multipart/form-data` upload of a file (plain text, Markdown, HTML, PDF) with the
/// optional fields `title`, `scope` and `conversation_id`. An upload's text is read here,
/// whole, before the one `doc.ingest` call (one transaction): a failed upload stores nothing.
struct DocumentRoutes: Sendable {
    var calls: MemoryCalls
    var reader = DocumentReader()
    /// A document's chunks are embedded one after another by the memory service's sentence encoder
    /// (about 0.15 s per 800-character chunk on one core; a 512 KiB document is minutes).
    static let ingestTimeout: Duration = .seconds(600)
    static let jsonBodyLimit = 1 << 20
    /// The largest `multipart/form-data` body (a PDF is much larger than its text).
    static let uploadBodyLimit = 8 << 20

    func add(to group: RouterGroup<GatewayContext>) {
        group.get("/documents") { request, _ in try await calls.forward("doc.list", request, query: true) }
        group.post("/documents") { request, _ in try await ingest(request) }
        group.post("/documents/search") { request, _ in
            try await calls.forward("doc.search", request, fields: ["query", "k", "scope", "conversation_id"])
        }
        group.delete("/documents/:id") { request, context in try await calls.delete("doc.delete", request, context) }
    }

    private func ingest(_ request: Request) async throws -> Response {
        let boundary: String?
        do {
            boundary = try MultipartForm.boundary(of: request.headers[.contentType])
        } catch {
            throw APIError.badRequest(error.message)
        }
        guard let boundary else {
            return try await calls.forward("doc.ingest", request, fields: ["title", "text", "scope", "conversation_id"], status: .created,
                                           limit: Self.jsonBodyLimit, timeout: Self.ingestTimeout)
        }
        return try await upload(request, boundary: boundary)
    }

    /// A file upload: read it, then one `doc.ingest`; answers `{"id","chunks","title"}`.
    private func upload(_ request: Request, boundary: String) async throws -> Response {
        let user = try await calls.authenticator.principal(request).user
        let body = try await JSONResponse.collect(request, limit: Self.uploadBodyLimit)
        let form: MultipartForm
        do {
            form = try MultipartForm(parsing: Array(buffer: body), boundary: boundary)
        } catch {
            throw APIError.badRequest("the multipart body is malformed: \(error.message)")
        }
        let upload = try DocumentUpload(form)
        let document = try await reader.read(upload)
        var params: [String: JSONValue] = ["owner": .string(user.id), "title": .string(document.title), "text": .string(document.text)]
        if let scope = upload.scope { params["scope"] = .string(scope) }
        if let conversationID = upload.conversationID { params["conversation_id"] = .string(conversationID) }
        var result = try await calls.memory.call("doc.ingest", params: .object(params), timeout: Self.ingestTimeout).objectValue ?? [:]
        result["title"] = .string(document.title)
        return JSONResponse.make(.object(result), status: .created)
    }
}

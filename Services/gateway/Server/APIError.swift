import Hummingbird
import MamiCore
import MamiWire

/// An error answered as `{"error":{"code":"…","message":"…"}}` with an HTTP status.
/// Client mistakes are 4xx; a 500 means the gateway itself failed.
struct APIError: Error, HTTPResponseError, Sendable {
    var status: HTTPResponse.Status
    var code: String
    var message: String
    var field: String?
    /// Whole seconds for a `Retry-After` header (a 429).
    var retryAfter: Int?

    init(_ status: HTTPResponse.Status, _ code: String, _ message: String, field: String? = nil, retryAfter: Int? = nil) {
        self.status = status
        self.code = code
        self.message = message
        self.field = field
        self.retryAfter = retryAfter
    }

    static func badRequest(_ message: String, field: String? = nil) -> APIError { APIError(.badRequest, "invalid_request", message, field: field) }
    static let unauthorized = APIError(.unauthorized, "unauthorized", "a valid access token or API key is required")
    static let forbidden = APIError(.forbidden, "forbidden", "this needs the admin role")
    static func notFound(_ what: String) -> APIError { APIError(.notFound, "not_found", "no such \(what)") }
    static func tooManyRequests(retryAfter seconds: Int) -> APIError {
        APIError(.tooManyRequests, "rate_limited", "too many attempts; try again in \(seconds) s", retryAfter: seconds)
    }
    static func imageQueueFull(maxOpen: Int) -> APIError {
        APIError(.tooManyRequests, "image_queue_full",
                 "you have \(maxOpen) images queued or drawing, the most one person may (MAMI_IMAGE_JOBS_PER_USER); wait for one to finish")
    }
    static func bodyTooLarge(limit: Int) -> APIError { APIError(.contentTooLarge, "body_too_large", "the body exceeds \(limit) bytes") }
    /// An uploaded document whose text is larger than the memory service stores.
    static func documentTooLarge(_ message: String) -> APIError { APIError(.contentTooLarge, "document_too_large", message, field: "file") }
    /// An uploaded file of a kind that is not read.
    static func unsupportedMediaType(_ message: String) -> APIError { APIError(.unsupportedMediaType, "unsupported_media_type", message, field: "file") }
    /// An uploaded file of an accepted kind whose text cannot be read (not UTF-8, a broken PDF).
    static func unreadableDocument(_ message: String) -> APIError { APIError(.unprocessableContent, "unreadable_document", message, field: "file") }

    /// A field error from request validation.
    init(_ error: FieldError) {
        self.init(.badRequest, "invalid_request", error.description, field: error.field)
    }

    var json: JSONValue {
        var members: [String: JSONValue] = ["code": .string(code), "message": .string(message)]
        if let field { members["field"] = .string(field) }
        return ["error": .object(members)]
    }

    /// The error's JSON, with its `Retry-After` when it has one.
    var response: Response {
        var response = JSONResponse.make(json, status: status)
        if let retryAfter { response.headers[.retryAfter] = "\(retryAfter)" }
        return response
    }

    func response(from request: Request, context: some RequestContext) throws -> Response { response }
}

/// JSON bodies in and out.
enum JSONResponse {
    static func make(_ value: JSONValue, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: ByteBuffer(bytes: value.serialized())))
    }

    /// The request body as a JSON object: too large → 413, not JSON → 400, not an object → 400.
    static func object(_ request: Request, limit: Int) async throws -> [String: JSONValue] {
        let bytes = try await collect(request, limit: limit)
        guard bytes.readableBytes > 0 else { return [:] }
        guard let value = try? JSONValue(parsing: Array(buffer: bytes)) else { throw APIError.badRequest("the body is not valid JSON") }
        guard let object = value.objectValue else { throw APIError.badRequest("the body must be a JSON object") }
        return object
    }

    /// The whole request body; one larger than `limit` bytes is a 413.
    static func collect(_ request: Request, limit: Int) async throws -> ByteBuffer {
        var request = request
        do {
            return try await request.collectBody(upTo: limit)
        } catch {
            throw APIError.bodyTooLarge(limit: limit)
        }
    }
}

/// Turns whatever a handler throws into the JSON error shape: field errors are 400,
/// RPC errors from the services map to their meaning, anything else is a 500.
struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            return error.response
        } catch let error as ImageUnavailable {
            return error.response
        } catch let error as ImageQueueFull {
            return APIError.imageQueueFull(maxOpen: error.maxOpen).response
        } catch let error as FieldError {
            return JSONResponse.make(APIError(error).json, status: .badRequest)
        } catch let error as RPCError {
            let mapped = Self.map(error)
            return JSONResponse.make(mapped.json, status: mapped.status)
        } catch let error as HTTPError where error.status == .notFound {
            return JSONResponse.make(APIError.notFound("route").json, status: .notFound)
        } catch let error as HTTPError {
            return JSONResponse.make(APIError(error.status, "http_error", "\(error.status.reasonPhrase)").json, status: error.status)
        } catch {
            context.logger.error("request failed", metadata: ["error": "\(error)"])
            return JSONResponse.make(APIError(.internalServerError, "internal", "the gateway failed to answer").json, status: .internalServerError)
        }
    }

    static func map(_ error: RPCError) -> APIError {
        switch error.code {
        case .invalidParams: return APIError(.badRequest, "invalid_request", error.message, field: error.data?["field"]?.stringValue)
        case .notFound: return APIError(.notFound, "not_found", error.message)
        case .conflict: return APIError(.conflict, "conflict", error.message)
        case .unavailable, .deadlineExceeded, .overloaded:
            return APIError(.serviceUnavailable, "unavailable", "a service behind the gateway did not answer: \(error.message)")
        default: return APIError(.badGateway, "upstream_error", error.message)
        }
    }
}

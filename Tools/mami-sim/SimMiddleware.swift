import Hummingbird
import MamiCore

/// The request context of both simulated services: it carries a fault that the
/// route itself must apply (a mid-stream error).
struct SimContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    var midStreamError = false

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
    }
}

/// Records every call in the log and applies the faults that target its path,
/// before the route sees it. The control routes (`/_sim/…`) are neither logged nor faulted.
struct SimMiddleware: RouterMiddleware {
    typealias Context = SimContext
    let control: SimControl
    let service: String
    /// The error body of a simulated failure, in the shape of the protocol of `path`.
    let errorBody: @Sendable (_ path: String, _ message: String) -> JSONValue

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var request = request
        let path = request.uri.path
        guard !path.hasPrefix("/_sim") else { return try await next(request, context) }
        let bytes = try await request.collectBody(upTo: 64 << 20)
        let text = String(buffer: bytes)
        let body = (try? JSONValue(parsing: text)) ?? (text.isEmpty ? .null : .string(text))
        control.record(SimCall(service: service, method: request.method.rawValue, path: path, query: request.uri.query ?? "", body: body))
        guard let fault = control.takeFault(for: path) else { return try await next(request, context) }
        return try await apply(fault, request: request, context: context, next: next)
    }

    private func apply(_ fault: SimFault, request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        switch fault.mode {
        case .hang:
            await control.waitForClearing(after: control.clearings)
            return try await next(request, context)
        case .slow:
            try await Task.sleep(for: fault.delay)
            return try await next(request, context)
        case .error:
            return SimResponse.json(errorBody(request.uri.path, "simulated failure of \(request.uri.path)"), status: .internalServerError)
        case .drop:
            return Response(status: .ok, headers: [.contentType: "application/json"], body: ResponseBody { writer in
                try await writer.write(ByteBuffer(string: "{\"images\": [\"iVBOR"))
                throw SimDrop()
            })
        case .malformed:
            return Response(status: .ok, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: ByteBuffer(string: "{\"images\": [tru")))
        case .streamError:
            context.midStreamError = true
            return try await next(request, context)
        }
    }
}

/// Thrown inside a response body to cut the connection.
struct SimDrop: Error {}

enum SimResponse {
    static func json(_ value: JSONValue, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: ByteBuffer(bytes: value.serialized())))
    }

    static func text(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "text/plain; charset=utf-8"], body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }

    /// The request body as JSON; an empty body reads as `{}`.
    static func body(_ request: Request) async throws -> JSONValue {
        var request = request
        let bytes = try await request.collectBody(upTo: 64 << 20)
        guard bytes.readableBytes > 0 else { return [:] }
        return try JSONValue(parsing: Array(buffer: bytes))
    }
}

extension Router where Context == SimContext {
    /// The control API both ports serve (docs/simulator.md).
    func addControlRoutes(_ control: SimControl) {
        post("/_sim/faults") { request, _ in
            do {
                control.add(try SimFault(json: try await SimResponse.body(request)))
                return SimResponse.json(["ok": true])
            } catch {
                return SimResponse.json(["error": .string("\(error)")], status: .badRequest)
            }
        }
        delete("/_sim/faults") { _, _ in
            control.clearFaults()
            return SimResponse.json(["ok": true])
        }
        get("/_sim/streams") { _, _ in SimResponse.json(["open": .int(Int64(control.openStreams))]) }
        get("/_sim/calls") { _, _ in SimResponse.json(["calls": .array(control.calls.map(\.json))]) }
        delete("/_sim/calls") { _, _ in
            control.clearCalls()
            return SimResponse.json(["ok": true])
        }
        post("/_sim/config") { request, _ in
            do {
                try control.configure(try await SimResponse.body(request).objectValue ?? [:])
                return SimResponse.json(["ok": true])
            } catch {
                return SimResponse.json(["error": .string("\(error)")], status: .badRequest)
            }
        }
    }
}

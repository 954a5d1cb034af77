import Hummingbird
import MamiCore

/// `POST /api/v1/conversations/{id}/messages`: JSON, or SSE with `Accept: text/event-stream`.
///
/// SSE events: `message` (the stored user message and the answer's id), `delta`
/// (`{"content"}`), then `done` (the stored answer) or `error` (with the partial
/// answer kept); an image request answers one `image` event. A client that
/// disconnects stops the LLM call; what was said is stored.
struct ChatRoutes: Sendable {
    var pipeline: ChatPipeline
    var images: ImageRequester
    var authenticator: Authenticator
    var bodyLimit: Int

    func add(to group: RouterGroup<GatewayContext>) {
        group.post("/conversations/:id/messages") { request, context in
            let user = try await authenticator.principal(request).user
            try pipeline.limits.admit(user: user, address: context.clientIP)
            let content = try await JSONResponse.object(request, limit: bodyLimit).requireString("content")
            // A drawing request over the image limit is refused before the person's message is stored.
            if DrawingRequest.prompt(in: content) != nil { try await images.checkRoom(for: user) }
            let turn = try await pipeline.begin(user: user, in: .id(try context.parameters.require("id")), content: content)
            let streamed = request.headers[.accept]?.contains("text/event-stream") == true
            switch pipeline.route(turn) {
            case .image(let prompt):
                let (message, job) = try await images.request(user: user, conversationID: turn.conversation.id, prompt: prompt, params: [:], messageID: turn.answerID)
                return streamed ? SSE.single("image", ImageRequester.accepted(message, job)) : ImageRequester.response(message, job)
            case .degraded:
                let answer = try await pipeline.degradedAnswer(turn)
                return streamed ? SSE.single("done", answer.json) : JSONResponse.make(["user_message": turn.userMessage.json, "message": answer.json])
            case .chat:
                return streamed ? stream(turn) : try await whole(turn)
            }
        }
    }

    /// JSON: the whole answer; an LLM failure is a 502 carrying the partial answer.
    func whole(_ turn: ChatTurn) async throws -> Response {
        let prompt = try await pipeline.prepare(turn)
        let outcome = await pipeline.answer(turn, prompt: prompt) { _ in }
        let message = try await pipeline.finish(turn, outcome)
        let body: JSONValue = ["user_message": turn.userMessage.json, "message": message.json]
        guard let error = outcome.error else { return JSONResponse.make(body) }
        var failure = APIError(.badGateway, error.kind.rawValue, error.userMessage).json.objectValue ?? [:]
        failure["message"] = message.json
        failure["user_message"] = turn.userMessage.json
        return JSONResponse.make(.object(failure), status: .badGateway)
    }

    /// SSE: deltas as they come.
    func stream(_ turn: ChatTurn) -> Response {
        let pipeline = pipeline
        return SSE.response { writer in
            async let prepared = pipeline.prepare(turn)  // while the first event is written
            try await writer.send("message", ["user_message": turn.userMessage.json, "message_id": .string(turn.answerID)])
            let prompt = try await prepared
            let outcome = await pipeline.answer(turn, prompt: prompt) { delta in try await writer.send("delta", ["content": .string(delta)]) }
            let message = try await pipeline.finish(turn, outcome)
            guard !outcome.disconnected else { return }
            if let error = outcome.error {
                try await writer.send("error", ["error": ["code": .string(error.kind.rawValue), "message": .string(error.userMessage)], "message": message.json])
            } else {
                try await writer.send("done", message.json)
            }
        }
    }
}

/// Server-sent events over a Hummingbird response body.
enum SSE {
    struct Writer {
        var inner: any ResponseBodyWriter

        mutating func send(_ event: String?, _ data: JSONValue) async throws {
            var text = event.map { "event: \($0)\n" } ?? ""
            text += "data: " + String(decoding: data.serialized(), as: UTF8.self) + "\n\n"
            try await inner.write(ByteBuffer(string: text))
        }

        mutating func sendRaw(_ line: String) async throws {
            try await inner.write(ByteBuffer(string: line))
        }
    }

    static let headers: HTTPFields = [.contentType: "text/event-stream", .cacheControl: "no-cache"]

    static func response(_ body: @escaping @Sendable (inout Writer) async throws -> Void) -> Response {
        Response(status: .ok, headers: headers, body: ResponseBody { inner in
            var writer = Writer(inner: inner)
            try await body(&writer)
            try await writer.inner.finish(nil)
        })
    }

    static func single(_ event: String, _ data: JSONValue) -> Response {
        response { writer in try await writer.send(event, data) }
    }
}

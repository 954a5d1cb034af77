import Foundation
import Hummingbird
import MamiCore

/// The OpenAI-compatible surface: `POST /v1/chat/completions` (streamed as SSE
/// `chat.completion.chunk`s ending in `data: [DONE]`, or whole) and
/// `GET /v1/models`. Authenticated by an access token or an API key; it runs
/// through the same pipeline as the native API (memory included), in a
/// conversation per user named "OpenAI API".
struct OpenAIRoutes: Sendable {
    var pipeline: ChatPipeline
    var authenticator: Authenticator
    var bodyLimit: Int
    static let conversationTitle = "OpenAI API"

    func add(to router: Router<GatewayContext>) {
        router.get("/v1/models") { request, _ in
            _ = try await authenticator.principal(request)
            let names: [String]
            do { names = try await pipeline.models.names() } catch {
                return JSONResponse.make(Self.error(LLMError(kind: .unreachable, detail: "\(error)")), status: .serviceUnavailable)
            }
            return JSONResponse.make(["object": "list", "data": .array(names.map { ["id": .string($0), "object": "model", "created": 0, "owned_by": "mami"] })])
        }
        router.post("/v1/chat/completions") { request, context in try await complete(request, address: context.clientIP) }
    }

    func complete(_ request: Request, address: String) async throws -> Response {
        let user = try await authenticator.principal(request).user
        try pipeline.limits.admit(user: user, address: address)
        let body = try await JSONResponse.object(request, limit: bodyLimit)
        let lines = try Self.lines(body)
        guard let last = lines.last, last.role == "user" else { throw FieldError(field: "messages", problem: "must end with a user message") }
        var turn = try await pipeline.begin(user: user, in: .titled(Self.conversationTitle), content: last.content,
                                            route: pipeline.mode.isDegraded ? .degraded : .chat).turn
        // Clients often send a placeholder model name: one the engine serves is used, any other means the default.
        if let asked = try body.optionalString("model"), let served = try? await pipeline.models.resolve(asked) { turn.model = served }
        let model = turn.model
        let client = Array(lines.dropLast())
        if body["stream"]?.boolValue == true { return stream(turn, client: client, model: model) }
        return try await whole(turn, client: client, model: model)
    }

    static func lines(_ body: [String: JSONValue]) throws -> [ChatLine] {
        guard let messages = body["messages"]?.arrayValue, !messages.isEmpty else {
            throw FieldError(field: "messages", problem: "must be a non-empty array")
        }
        return try messages.enumerated().map { index, message in
            guard let role = message["role"]?.stringValue, ["system", "user", "assistant"].contains(role) else {
                throw FieldError(field: "messages[\(index)].role", problem: "must be system, user or assistant")
            }
            guard let content = Self.text(message["content"]) else {
                throw FieldError(field: "messages[\(index)].content", problem: "must be a string or text parts")
            }
            return ChatLine(role: role, content: content)
        }
    }

    /// A string, or the text parts of a content array.
    static func text(_ content: JSONValue?) -> String? {
        if let string = content?.stringValue { return string }
        return content?.arrayValue?.compactMap { $0["type"] == "text" ? $0["text"]?.stringValue : nil }.joined(separator: "\n")
    }

    func whole(_ turn: ChatTurn, client: [ChatLine], model: String) async throws -> Response {
        if pipeline.mode.isDegraded { return JSONResponse.make(completion(turn, text: await pipeline.degradedAnswer(turn).content, model: model)) }
        let generation = pipeline.generate(turn) { [pipeline] in try await pipeline.prepare(turn, clientHistory: client) }
        for await case .finished(let message, let error) in generation.follow(after: Int.max) {
            if let error { return JSONResponse.make(Self.error(error), status: .badGateway) }
            return JSONResponse.make(completion(turn, text: message.content, model: model))
        }
        throw APIError(.internalServerError, "internal", "the answer ended without being stored")
    }

    func stream(_ turn: ChatTurn, client: [ChatLine], model: String) -> Response {
        let pipeline = pipeline
        let chunk = ChunkMaker(id: "chatcmpl-\(turn.answerID)", model: model)
        return SSE.response { writer in
            try await writer.send(nil, chunk.make(["role": "assistant", "content": ""], finish: nil))
            if pipeline.mode.isDegraded {
                let answer = await pipeline.degradedAnswer(turn)
                try await writer.send(nil, chunk.make(["content": .string(answer.content)], finish: nil))
            } else {
                let generation = pipeline.generate(turn) { try await pipeline.prepare(turn, clientHistory: client) }
                for await event in generation.follow(after: 0) {
                    switch event {
                    case .delta(let text, _): try await writer.send(nil, chunk.make(["content": .string(text)], finish: nil))
                    case .finished(_, let error): if let error { try await writer.send(nil, Self.error(error)) }
                    }
                }
            }
            try await writer.send(nil, chunk.make([:], finish: "stop"))
            try await writer.sendRaw("data: [DONE]\n\n")
        }
    }

    /// An ``LLMError`` in the OpenAI error shape.
    static func error(_ error: LLMError) -> JSONValue {
        ["error": ["message": .string(error.userMessage), "type": "server_error", "param": nil, "code": .string(error.kind.rawValue)]]
    }

    func completion(_ turn: ChatTurn, text: String, model: String) -> JSONValue {
        let promptTokens = PromptBuilder.tokens(turn.userMessage.content)
        let completionTokens = PromptBuilder.tokens(text)
        return [
            "id": .string("chatcmpl-\(turn.answerID)"), "object": "chat.completion", "created": .int(Int64(Date().timeIntervalSince1970)),
            "model": .string(model),
            "choices": [["index": 0, "message": ["role": "assistant", "content": .string(text)], "finish_reason": "stop"]],
            "usage": ["prompt_tokens": .int(Int64(promptTokens)), "completion_tokens": .int(Int64(completionTokens)),
                      "total_tokens": .int(Int64(promptTokens + completionTokens))],
        ]
    }
}

/// `chat.completion.chunk` objects of one streamed answer.
struct ChunkMaker: Sendable {
    var id: String
    var model: String
    let created = Int64(Date().timeIntervalSince1970)

    func make(_ delta: JSONValue, finish: String?) -> JSONValue {
        [
            "id": .string(id), "object": "chat.completion.chunk", "created": .int(created), "model": .string(model),
            "choices": [["index": 0, "delta": delta, "finish_reason": finish.map(JSONValue.string) ?? .null]],
        ]
    }
}

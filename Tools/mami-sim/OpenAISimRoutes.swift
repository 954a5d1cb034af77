import Foundation
import Hummingbird
import MamiCore

/// The OpenAI-compatible protocol as llama.cpp's server, vLLM or Ollama's `/v1`
/// serve it: `/v1/chat/completions` (server-sent `chat.completion.chunk`s ending
/// in `data: [DONE]`, or whole), `/v1/models`, `/v1/embeddings`. The same models,
/// replies and faults as the Ollama routes; a mid-stream fault is an `error` event.
enum OpenAISimRoutes {
    static func errorBody(_ message: String) -> JSONValue {
        ["error": ["message": .string(message), "type": "server_error", "param": nil, "code": nil]]
    }

    static func add(to router: Router<SimContext>, ollama: OllamaSimulator, control: SimControl) {
        router.get("/v1/models") { _, _ in
            SimResponse.json(["object": "list", "data": .array(ollama.models.map { ["id": .string($0), "object": "model", "created": 0, "owned_by": "mami-sim"] })])
        }
        router.post("/v1/embeddings") { request, _ in try await embeddings(request, ollama: ollama) }
        router.post("/v1/chat/completions") { request, context in try await complete(request, context: context, ollama: ollama, control: control) }
    }

    static func notFound(_ model: String) -> Response {
        SimResponse.json(["error": ["message": .string("The model `\(model)` does not exist."), "type": "invalid_request_error",
                                    "param": "model", "code": "model_not_found"]], status: .notFound)
    }

    static func embeddings(_ request: Request, ollama: OllamaSimulator) async throws -> Response {
        let body = try await SimResponse.body(request)
        let model = body["model"]?.stringValue ?? ""
        guard await ollama.knows(model) else { return notFound(model) }
        let inputs = body["input"]?.arrayValue?.compactMap(\.stringValue) ?? [body["input"]?.stringValue ?? ""]
        let data = inputs.enumerated().map { index, text -> JSONValue in
            ["object": "embedding", "index": .int(Int64(index)), "embedding": .array(OllamaSimulator.embed(text).map(JSONValue.double))]
        }
        return SimResponse.json(["object": "list", "model": .string(model), "data": .array(data),
                                 "usage": ["prompt_tokens": .int(Int64(inputs.count)), "total_tokens": .int(Int64(inputs.count))]])
    }

    static func complete(_ request: Request, context: SimContext, ollama: OllamaSimulator, control: SimControl) async throws -> Response {
        let body = try await SimResponse.body(request)
        let model = body["model"]?.stringValue ?? ""
        guard await ollama.knows(model) else { return notFound(model) }
        let limit = (body["max_tokens"] ?? body["max_completion_tokens"])?.intValue.map(Int.init)
        let messages = body["messages"]?.arrayValue ?? []
        let (tokens, truncated) = body["response_format"] == nil ? OllamaSimulator.reply(to: messages, limit: limit) : ([control.structuredReply(to: messages)], false)
        let chunks = CompletionChunks(model: model, reason: truncated ? "length" : "stop")
        guard body["stream"]?.boolValue == true else { return SimResponse.json(chunks.whole(tokens.joined(), tokens: tokens.count)) }
        let delay = control.tokenDelay
        let failMidway = context.midStreamError
        return Response(status: .ok, headers: [.contentType: "text/event-stream"], body: ResponseBody { writer in
            try await control.streaming {
                try await writer.write(ByteBuffer(bytes: chunks.event(chunks.chunk(["role": "assistant", "content": nil], finish: nil))))
                for (index, token) in tokens.enumerated() {
                    if failMidway && index == min(2, tokens.count - 1) {
                        try await writer.write(ByteBuffer(bytes: chunks.event(errorBody("simulated failure mid-stream"))))
                        return try await writer.finish(nil)
                    }
                    try await Task.sleep(for: delay)
                    try await writer.write(ByteBuffer(bytes: chunks.event(chunks.chunk(["content": .string(token)], finish: nil))))
                }
                try await writer.write(ByteBuffer(bytes: chunks.event(chunks.chunk([:], finish: chunks.reason))))
                try await writer.write(ByteBuffer(string: "data: [DONE]\n\n"))
                try await writer.finish(nil)
            }
        })
    }
}

/// The objects of one OpenAI-style reply.
struct CompletionChunks: Sendable {
    var model: String
    var reason: String
    let id = "chatcmpl-sim-\(UUID().uuidString.prefix(8))"
    let created = Int64(Date().timeIntervalSince1970)

    func chunk(_ delta: JSONValue, finish: String?) -> JSONValue {
        ["id": .string(id), "object": "chat.completion.chunk", "created": .int(created), "model": .string(model),
         "choices": [["index": 0, "delta": delta, "finish_reason": finish.map(JSONValue.string) ?? .null]]]
    }

    func whole(_ text: String, tokens: Int) -> JSONValue {
        ["id": .string(id), "object": "chat.completion", "created": .int(created), "model": .string(model),
         "choices": [["index": 0, "message": ["role": "assistant", "content": .string(text)], "finish_reason": .string(reason)]],
         "usage": ["prompt_tokens": 1, "completion_tokens": .int(Int64(tokens)), "total_tokens": .int(Int64(tokens + 1))]]
    }

    func event(_ value: JSONValue) -> [UInt8] {
        Array("data: ".utf8) + value.serialized() + Array("\n\n".utf8)
    }
}

import Foundation
import Hummingbird
import MamiCore

/// Ollama's routes: `/api/chat`, `/api/generate` (NDJSON streams), `/api/embed`,
/// `/api/ps`, `/api/tags`, `/api/version`, `GET /`.
enum OllamaRoutes {
    static func errorBody(_ message: String) -> JSONValue { ["error": .string(message)] }

    static func add(to router: Router<SimContext>, ollama: OllamaSimulator, control: SimControl) {
        router.get("/") { _, _ in SimResponse.text("Ollama is running") }
        router.get("/api/version") { _, _ in SimResponse.json(["version": "0.12.3"]) }
        router.get("/api/tags") { _, _ in SimResponse.json(["models": .array(ollama.models.map(describe))]) }
        router.get("/api/ps") { _, _ in
            let formatter = ISO8601DateFormatter()
            return SimResponse.json(["models": .array(await ollama.resident().map { name, expiry in
                var model = describe(name).objectValue ?? [:]
                model["size_vram"] = .int(OllamaSimulator.modelSize)
                model["expires_at"] = .string(formatter.string(from: min(expiry, Date().addingTimeInterval(315_360_000))))
                return .object(model)
            })])
        }
        router.post("/api/embed") { request, _ in try await embed(request, ollama: ollama) }
        router.post("/api/chat") { request, context in
            try await answer(request, context: context, ollama: ollama, control: control, field: "message")
        }
        router.post("/api/generate") { request, context in
            try await answer(request, context: context, ollama: ollama, control: control, field: "response")
        }
    }

    static func describe(_ name: String) -> JSONValue {
        [
            "name": .string(name), "model": .string(name), "size": .int(OllamaSimulator.modelSize),
            "digest": .string(String(repeating: "0", count: 64)), "modified_at": "2026-01-01T00:00:00Z",
            "details": ["format": "gguf", "family": "llama", "parameter_size": "3.2B", "quantization_level": "Q4_K_M"],
        ]
    }

    static func embed(_ request: Request, ollama: OllamaSimulator) async throws -> Response {
        let body = try await SimResponse.body(request)
        let model = body["model"]?.stringValue ?? ""
        guard await ollama.knows(model) else { return notFound(model) }
        let inputs = body["input"]?.arrayValue?.compactMap(\.stringValue) ?? [body["input"]?.stringValue ?? ""]
        await ollama.touch(model, keepAlive: body["keep_alive"])
        let vectors = inputs.map { JSONValue.array(OllamaSimulator.embed($0).map(JSONValue.double)) }
        return SimResponse.json([
            "model": .string(model), "embeddings": .array(vectors), "total_duration": 1_000_000, "load_duration": 0,
            "prompt_eval_count": .int(Int64(inputs.count)),
        ])
    }

    static func notFound(_ model: String) -> Response {
        SimResponse.json(errorBody("model \"\(model)\" not found, try pulling it first"), status: .notFound)
    }

    /// `/api/chat` and `/api/generate`: load/unload requests, then a streamed or whole reply.
    static func answer(_ request: Request, context: SimContext, ollama: OllamaSimulator, control: SimControl, field: String) async throws -> Response {
        let body = try await SimResponse.body(request)
        let model = body["model"]?.stringValue ?? ""
        guard await ollama.knows(model) else { return notFound(model) }
        let messages = field == "message" ? body["messages"]?.arrayValue ?? [] : body["prompt"].map { [["role": "user", "content": $0]] } ?? []
        await ollama.touch(model, keepAlive: body["keep_alive"])
        let chunks = ReplyChunks(model: model, field: field)
        guard !messages.isEmpty else {
            let reason = OllamaSimulator.seconds(body["keep_alive"]) == 0 ? "unload" : "load"
            return SimResponse.json(chunks.done(reason: reason, tokens: 0))
        }
        let limit = body["options"]?["num_predict"]?.intValue.map(Int.init)
        let (tokens, truncated) = body["format"] == nil ? OllamaSimulator.reply(to: messages, limit: limit) : ([control.structuredReply(to: messages)], false)
        let reason = truncated ? "length" : "stop"
        guard body["stream"]?.boolValue ?? true else {
            return SimResponse.json(chunks.whole(tokens.joined(), reason: reason, tokens: tokens.count))
        }
        let delay = control.tokenDelay
        let failMidway = context.midStreamError
        return Response(status: .ok, headers: [.contentType: "application/x-ndjson"], body: ResponseBody { writer in
            try await control.streaming {
                for (index, token) in tokens.enumerated() {
                    if failMidway && index == min(2, tokens.count - 1) {
                        try await writer.write(ByteBuffer(bytes: chunks.line(errorBody("simulated failure mid-stream"))))
                        return try await writer.finish(nil)
                    }
                    try await Task.sleep(for: delay)
                    try await writer.write(ByteBuffer(bytes: chunks.line(chunks.delta(token))))
                }
                try await writer.write(ByteBuffer(bytes: chunks.line(chunks.done(reason: reason, tokens: tokens.count))))
                try await writer.finish(nil)
            }
        })
    }
}

/// The objects of one reply, in Ollama's shapes for chat (`message`) or generate (`response`).
struct ReplyChunks: Sendable {
    var model: String
    var field: String
    let createdAt = ISO8601DateFormatter().string(from: Date())

    func content(_ text: String) -> JSONValue {
        field == "message" ? ["role": "assistant", "content": .string(text)] : .string(text)
    }

    func delta(_ token: String) -> JSONValue {
        ["model": .string(model), "created_at": .string(createdAt), field: content(token), "done": false]
    }

    func done(reason: String, tokens: Int) -> JSONValue {
        [
            "model": .string(model), "created_at": .string(createdAt), field: content(""), "done": true,
            "done_reason": .string(reason), "total_duration": 1_000_000, "load_duration": 0,
            "prompt_eval_count": 1, "eval_count": .int(Int64(tokens)), "eval_duration": 1_000_000,
        ]
    }

    func whole(_ text: String, reason: String, tokens: Int) -> JSONValue {
        guard case .object(var members) = done(reason: reason, tokens: tokens) else { return .null }
        members[field] = content(text)
        return .object(members)
    }

    func line(_ value: JSONValue) -> [UInt8] {
        value.serialized() + [UInt8(ascii: "\n")]
    }
}

import Foundation
import HTTPTypes
import Hummingbird
import MamiCore

/// Following an answer over HTTP. SSE events: `delta` (`{"content"}`, its `id` the answer's length in
/// UTF-8 bytes after it: what a client sends back as `Last-Event-ID`), then `done` (the stored answer)
/// or `error` (with the partial answer kept). JSON: the stored answer once it ends.
enum AnswerStream {
    /// `generation`'s events after `offset`, live, preceded by `first`.
    static func sse(_ generation: Generation, after offset: Int, first: (String, JSONValue)? = nil) -> Response {
        SSE.response { writer in
            if let (event, data) = first { try await writer.send(event, data) }
            for await event in generation.follow(after: offset) {
                switch event {
                case .delta(let text, let end):
                    try await writer.send("delta", ["content": .string(text)], id: end)
                case .finished(let message, let error):
                    try await send(message, error: error?.kind.rawValue, detail: error?.userMessage, to: &writer)
                }
            }
        }
    }

    /// A stored answer's text after `offset`, then how it ended; a live one as it streams.
    static func reattach(_ message: Message, live: Generation?, after offset: Int) -> Response {
        if let live { return sse(live, after: offset) }
        return SSE.response { writer in
            let text = Array(message.content.utf8)
            if text.count > offset { try await writer.send("delta", ["content": .string(String(decoding: text[offset...], as: UTF8.self))], id: text.count) }
            let failed = message.status == "failed"
            try await send(message, error: failed ? "answer_failed" : nil, detail: message.error, to: &writer)
        }
    }

    private static func send(_ message: Message, error code: String?, detail: String?, to writer: inout SSE.Writer) async throws {
        guard let code else { return try await writer.send("done", message.json) }
        try await writer.send("error", ["error": ["code": .string(code), "message": .string(detail ?? "the answer failed")], "message": message.json])
    }

    /// JSON: the whole answer once stored; an LLM failure is a 502 carrying the partial answer.
    static func whole(_ generation: Generation, userMessage: Message?) async throws -> Response {
        for await case .finished(let message, let error) in generation.follow(after: Int.max) {
            var body: [String: JSONValue] = ["message": message.json]
            if let userMessage { body["user_message"] = userMessage.json }
            guard let error else { return JSONResponse.make(.object(body)) }
            body.merge(APIError(.badGateway, error.kind.rawValue, error.userMessage).json.objectValue ?? [:]) { $1 }
            return JSONResponse.make(.object(body), status: .badGateway)
        }
        throw APIError(.internalServerError, "internal", "the answer ended without being stored")
    }

    /// Where a reattaching client is: `Last-Event-ID` (sent by EventSource on a reconnect) or `?after=`; 0 without either.
    static func lastEventID(_ request: Request) throws -> Int {
        guard let text = request.headers[HTTPField.Name("Last-Event-ID")!] ?? request.uri.queryParameters["after"].map(String.init) else { return 0 }
        guard let offset = Int(text.trimmingCharacters(in: .whitespaces)), offset >= 0 else {
            throw FieldError(field: "Last-Event-ID", problem: "must be the id of an event of this stream")
        }
        return offset
    }
}

/// Server-sent events over a Hummingbird response body.
enum SSE {
    struct Writer {
        var inner: any ResponseBodyWriter

        mutating func send(_ event: String?, _ data: JSONValue, id: Int? = nil) async throws {
            var text = event.map { "event: \($0)\n" } ?? ""
            if let id { text += "id: \(id)\n" }
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

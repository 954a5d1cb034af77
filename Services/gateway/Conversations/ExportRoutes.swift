import Foundation
import Hummingbird
import MamiCore

/// `GET /api/v1/conversations/{id}/export?format=json|markdown|openai` and `POST /api/v1/conversations/import`
/// (Mami's JSON, up to 8 MiB, checked whole, stored in one write with new ids).
struct ExportRoutes: Sendable {
    var store: ConversationStore
    var authenticator: Authenticator
    static let importBodyLimit = 8 << 20

    func add(to group: RouterGroup<GatewayContext>) {
        group.get("/conversations/:id/export") { request, context in
            let user = try await authenticator.principal(request).user
            guard let conversation = try await store.conversation(id: try context.parameters.require("id"), userID: user.id) else {
                throw APIError.notFound("conversation")
            }
            return try await export(conversation, format: request.uri.queryParameters["format"].map(String.init) ?? "json")
        }
        group.post("/conversations/import") { request, _ in
            let user = try await authenticator.principal(request).user
            let imported = try ConversationImport(try await JSONResponse.object(request, limit: Self.importBodyLimit))
            return JSONResponse.make(try await store.store(imported, userID: user.id).json, status: .created)
        }
    }

    func export(_ conversation: Conversation, format: String) async throws -> Response {
        switch format {
        case "json":
            return download(ConversationExport.json(conversation, try await store.allMessages(conversationID: conversation.id)).serialized(),
                            type: "application/json", name: conversation, ext: "json")
        case "openai":
            return download(ConversationExport.openAI(conversation, try await store.allMessages(conversationID: conversation.id)).serialized(),
                            type: "application/json", name: conversation, ext: "json")
        case "markdown":
            let branch = try await store.branch(conversationID: conversation.id, before: nil, limit: Int.max).reversed()
            return download(Array(ConversationExport.markdown(conversation, branch: Array(branch)).utf8), type: "text/markdown; charset=utf-8",
                            name: conversation, ext: "md")
        default:
            throw FieldError(field: "format", problem: "must be json, markdown or openai")
        }
    }

    private func download(_ bytes: [UInt8], type: String, name conversation: Conversation, ext: String) -> Response {
        let safe = conversation.title.unicodeScalars.filter { CharacterSet.alphanumerics.contains($0) || $0 == " " || $0 == "-" }
        let file = String(String.UnicodeScalarView(safe)).trimmingCharacters(in: .whitespaces).prefix(60)
        let ascii = file.isEmpty || !file.allSatisfy(\.isASCII) ? "conversation" : String(file)
        return Response(status: .ok, headers: [.contentType: type, .contentDisposition: "attachment; filename=\"\(ascii).\(ext)\""],
                        body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}

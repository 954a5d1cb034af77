import Foundation
import Hummingbird
import MamiCore
import MamiWire

/// Images (I1, I3): `POST /images`, `GET /jobs/{id}`, `POST /jobs/{id}/cancel`,
/// `POST /jobs/{id}/retry`, `GET /images/{job_id}` (a regenerate is a chat route: ``ChatRoutes``).
/// Jobs and images are their owner's only: anyone else gets 404.
struct ImageRoutes: Sendable {
    var requester: ImageRequester
    var store: ConversationStore
    var worker: RPCClient
    var authenticator: Authenticator
    var bodyLimit: Int

    func add(to group: RouterGroup<GatewayContext>) {
        group.post("/images") { request, _ in try await create(request) }
        group.get("/jobs/:id") { request, context in
            let user = try await authenticator.principal(request).user
            return JSONResponse.make(PublicJob.json(try await job(try context.parameters.require("id"), owner: user.id)))
        }
        group.post("/jobs/:id/cancel") { request, context in try await act("image.cancel", request, context) }
        group.post("/jobs/:id/retry") { request, context in try await act("image.retry", request, context) }
        group.get("/images/:id") { request, context in try await image(request, context) }
    }

    func create(_ request: Request) async throws -> Response {
        let user = try await authenticator.principal(request).user
        let body = try await JSONResponse.object(request, limit: bodyLimit)
        let prompt = try body.requireString("prompt")
        let conversationID: String
        if let given = try body.identifier("conversation_id") {
            guard try await store.conversation(id: given, userID: user.id) != nil else { throw APIError.notFound("conversation") }
            conversationID = given
        } else {
            conversationID = try await store.create(userID: user.id, settings: ConversationSettings(title: String(prompt.prefix(60)))).id
        }
        let params = ImageParameters.given(in: body)
        let (message, job) = try await requester.request(user: user, conversationID: conversationID, words: prompt, params: params)
        return ImageRequester.response(message, job)
    }

    func job(_ id: String, owner: String) async throws -> JSONValue {
        try await worker.call("image.get", params: ["id": .string(id), "owner": .string(owner)], timeout: .seconds(5))
    }

    /// Cancel or retry, owner-checked by the worker; the message follows through the worker's events.
    func act(_ method: String, _ request: Request, _ context: GatewayContext) async throws -> Response {
        let user = try await authenticator.principal(request).user
        let id = try context.parameters.require("id")
        let job = try await worker.call(method, params: ["id": .string(id), "owner": .string(user.id)], timeout: .seconds(30))
        if let messageID = job["message_id"]?.stringValue, let status = job["status"]?.stringValue {
            _ = try await store.recordJob(messageID: messageID, jobID: id, status: status, error: job["error"]?["message"]?.stringValue)
        }
        return JSONResponse.make(PublicJob.json(job))
    }

    /// The PNG of a job (its placeholder when it failed), to its owner only.
    func image(_ request: Request, _ context: GatewayContext) async throws -> Response {
        let user = try await authenticator.principal(request).user
        let job = try await job(try context.parameters.require("id"), owner: user.id)
        guard let path = job["result_path"]?.stringValue,
              let bytes = try await blocking({ FileManager.default.contents(atPath: path) }) else {
            throw APIError.notFound("image")
        }
        return Response(status: .ok, headers: [.contentType: "image/png", .cacheControl: "private, max-age=3600"],
                        body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}

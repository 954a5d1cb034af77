import Hummingbird
import MamiCore

/// Chat: `POST /api/v1/conversations/{id}/messages`, and on a message `regenerate`, `edit`, `stop` and
/// `GET …/stream` (reattach). JSON, or SSE with `Accept: text/event-stream` (``AnswerStream``).
///
/// An answer belongs to the server: a client that disconnects leaves it streaming into the database;
/// any client of its owner follows it again with `GET /messages/{id}/stream`.
struct ChatRoutes: Sendable {
    var pipeline: ChatPipeline
    var images: ImageRequester
    var imageParameters: ImageParameters
    var prompter: ImagePrompter
    var authenticator: Authenticator
    var bodyLimit: Int

    func add(to group: RouterGroup<GatewayContext>) {
        group.post("/conversations/:id/messages") { request, context in
            let user = try await authenticator.principal(request).user
            try pipeline.limits.admit(user: user, address: context.clientIP)
            let content = try await JSONResponse.object(request, limit: bodyLimit).requireString("content")
            return try await ask(user, content, in: .id(try context.parameters.require("id")), request)
        }
        group.post("/messages/:id/edit") { request, context in
            let user = try await authenticator.principal(request).user
            try pipeline.limits.admit(user: user, address: context.clientIP)
            let content = try await JSONResponse.object(request, limit: bodyLimit).requireString("content")
            let edited = try await message(context, of: user)
            guard edited.role == "user" else { throw APIError.badRequest("only a message of the person's can be edited") }
            return try await ask(user, content, in: .id(edited.conversationID), request, replacing: edited)
        }
        group.post("/messages/:id/regenerate") { request, context in
            let user = try await authenticator.principal(request).user
            try pipeline.limits.admit(user: user, address: context.clientIP)
            let body = try await JSONResponse.object(request, limit: bodyLimit)
            let newPrompt = try body.optionalBool("new_prompt") ?? false
            return try await regenerate(try await message(context, of: user), user: user, newPrompt: newPrompt, request)
        }
        group.post("/messages/:id/stop") { request, context in
            let user = try await authenticator.principal(request).user
            let message = try await message(context, of: user)
            guard let generation = pipeline.generations.generation(message.id) else { return JSONResponse.make(message.json) }
            generation.stop()
            return try await AnswerStream.whole(generation, userMessage: nil)
        }
        group.get("/messages/:id/stream") { request, context in
            let user = try await authenticator.principal(request).user
            let message = try await message(context, of: user)
            guard message.kind == "text", message.role == "assistant" else { throw APIError.badRequest("only an answer streams") }
            return AnswerStream.reattach(message, live: pipeline.generations.generation(message.id), after: try AnswerStream.lastEventID(request))
        }
    }

    /// The person's message, drawn or answered; an edit makes it an alternative to `edited`.
    func ask(_ user: User, _ content: String, in destination: ConversationStore.Destination, _ request: Request,
             replacing edited: Message? = nil) async throws -> Response {
        let route = pipeline.route(content)
        if case .image = route {
            if pipeline.mode.isDegraded { throw OperatingMode.imagesRefused }
            // Over the image limit, nothing is stored: not the person's message either.
            try await images.checkRoom(for: user)
        }
        let (turn, stored) = try await pipeline.begin(user: user, in: destination, content: content, route: route, replacing: edited)
        let streamed = Self.wantsStream(request)
        switch route {
        case .image:
            let prompt = await prompter.prompt(for: stored.content, model: turn.model)
            let (message, job) = try await images.submit(stored, user: user, prompt: prompt, params: [:])
            pipeline.titles.name(turn, afterDrawing: content)
            return streamed ? SSE.single("image", ImageRequester.accepted(message, job)) : ImageRequester.response(message, job)
        case .degraded:
            return await degraded(turn, streamed: streamed)
        case .chat:
            return try await answer(turn, streamed: streamed)
        }
    }

    /// Another answer to the same question: a new image (a new seed) for an image message, with its prompt or,
    /// with `newPrompt`, one the chat model writes again; a new text for a text one.
    func regenerate(_ message: Message, user: User, newPrompt: Bool, _ request: Request) async throws -> Response {
        guard message.role == "assistant" else { throw APIError.badRequest("only an answer can be regenerated") }
        if message.kind == "image" {
            if pipeline.mode.isDegraded { throw OperatingMode.imagesRefused }
            var params = await imageParameters.previous(of: message, owner: user.id)
            let prompt: ImagePrompt?
            if newPrompt {
                let conversation = try await images.store.conversation(id: message.conversationID, userID: user.id)
                prompt = await prompter.prompt(for: message.content, model: conversation?.model ?? pipeline.configuration.chatModel)
                if prompt?.byModel == true { params["negative_prompt"] = nil }
            } else {
                prompt = message.imagePrompt
            }
            let (created, job) = try await images.request(user: user, conversationID: message.conversationID, at: .under(message.parentID),
                                                          words: message.content, prompt: prompt, params: params)
            return ImageRequester.response(created, job)
        }
        guard let parentID = message.parentID, let question = try await images.store.message(id: parentID)?.0, question.role == "user" else {
            throw APIError.badRequest("this answer follows no message of the person's")
        }
        let turn = try await pipeline.beginAnswer(user: user, to: question)
        if pipeline.mode.isDegraded { return await degraded(turn, streamed: Self.wantsStream(request)) }
        return try await answer(turn, streamed: Self.wantsStream(request))
    }

    /// Degraded mode's plain answer, stored, as SSE's one `done` event or JSON.
    func degraded(_ turn: ChatTurn, streamed: Bool) async -> Response {
        let answer = await pipeline.degradedAnswer(turn)
        return streamed ? SSE.single("done", answer.json) : JSONResponse.make(["user_message": turn.userMessage.json, "message": answer.json])
    }

    /// Starts the answer and follows it: SSE as it streams, or JSON once stored.
    func answer(_ turn: ChatTurn, streamed: Bool) async throws -> Response {
        let pipeline = pipeline
        let generation = pipeline.generate(turn) { try await pipeline.prepare(turn) }
        guard streamed else { return try await AnswerStream.whole(generation, userMessage: turn.userMessage) }
        return AnswerStream.sse(generation, after: 0, first: ("message", ["user_message": turn.userMessage.json, "message_id": .string(turn.answerID)]))
    }

    func message(_ context: GatewayContext, of user: User) async throws -> Message {
        guard let (message, owner) = try await images.store.message(id: try context.parameters.require("id")), owner == user.id else {
            throw APIError.notFound("message")
        }
        return message
    }

    static func wantsStream(_ request: Request) -> Bool {
        request.headers[.accept]?.contains("text/event-stream") == true
    }
}

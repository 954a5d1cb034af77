import MamiCore

/// Reads `image.submit` params into a ``NewJob``; every problem is a
/// ``FieldError`` naming the field (-32602), before anything is queued.
///
/// Defaults suit Flux on Forge: 1024², 20 steps, CFG 1, distilled CFG 3.5,
/// sampler Euler, scheduler Simple, a random seed.
enum ImageRequest {
    static let maxPromptCharacters = 2000
    static let sizes: ClosedRange<Int64> = 64...2048

    static func read(_ members: [String: JSONValue]) throws -> NewJob {
        let messageID = try members.identifier("message_id")
        return NewJob(
            owner: try members.identifier("owner", required: true)!,
            conversationID: try members.identifier("conversation_id"),
            messageID: messageID,
            idempotencyKey: try members.identifier("idempotency_key") ?? messageID,
            prompt: try prompt(members, "prompt", required: true),
            params: try params(members)
        )
    }

    private static func params(_ members: [String: JSONValue]) throws -> JSONValue {
        var params: [String: JSONValue] = [
            "width": .int(try size(members, "width")),
            "height": .int(try size(members, "height")),
            "steps": .int(try members.optionalInt("steps", in: 1...150) ?? 20),
            "cfg_scale": .double(try members.optionalDouble("cfg_scale", in: 0...30) ?? 1),
            "distilled_cfg_scale": .double(try members.optionalDouble("distilled_cfg_scale", in: 0...30) ?? 3.5),
            "sampler_name": .string(try members.identifier("sampler_name", maxBytes: 64) ?? "Euler"),
            "scheduler": .string(try members.identifier("scheduler", maxBytes: 64) ?? "Simple"),
            "seed": .int(try members.optionalInt("seed", in: -1...4_294_967_295) ?? -1),
            "negative_prompt": .string(members["negative_prompt"] == nil ? "" : try prompt(members, "negative_prompt", required: false)),
        ]
        if let model = try members.identifier("model", maxBytes: 256) { params["model"] = .string(model) }
        // The person's own words when `prompt` was written for them (by the chat model): kept with the job, not sent to Forge.
        if members["request_text"] != nil { params["request_text"] = .string(try prompt(members, "request_text", required: false)) }
        return .object(params)
    }

    private static func prompt(_ members: [String: JSONValue], _ field: String, required: Bool) throws -> String {
        let text = try members.requireString(field)
        if required, !text.contains(where: { !$0.isWhitespace }) { throw FieldError(field: field, problem: "must not be empty") }
        guard text.count <= maxPromptCharacters else { throw FieldError(field: field, problem: "must be at most \(maxPromptCharacters) characters") }
        return text
    }

    private static func size(_ members: [String: JSONValue], _ field: String) throws -> Int64 {
        let value = try members.optionalInt(field, in: sizes) ?? 1024
        guard value % 8 == 0 else { throw FieldError(field: field, problem: "must be a multiple of 8") }
        return value
    }

    /// The txt2img body for Forge (../docs/EXTERNAL-APIS.md): one image, returned, not saved by Forge.
    static func forgeBody(prompt: String, params: JSONValue) -> JSONValue {
        var body: [String: JSONValue] = ["prompt": .string(prompt), "batch_size": 1, "n_iter": 1, "send_images": true, "save_images": false]
        for key in ["width", "height", "steps", "cfg_scale", "distilled_cfg_scale", "sampler_name", "scheduler", "seed", "negative_prompt"] {
            if let value = params[key] { body[key] = value }
        }
        return .object(body)
    }
}

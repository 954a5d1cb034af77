import Foundation
import Logging
import MamiCore
import MamiService

/// The prompt an image job is given for a person's drawing request.
struct ImagePrompt: Sendable, Equatable {
    var prompt: String
    var negativePrompt: String
    /// Written by the chat model; false: the person's own words, as they are.
    var byModel: Bool

    var json: JSONValue {
        ["prompt": .string(prompt), "negative_prompt": .string(negativePrompt), "by": .string(byModel ? "model" : "person")]
    }

    init(prompt: String, negativePrompt: String, byModel: Bool) {
        (self.prompt, self.negativePrompt, self.byModel) = (prompt, negativePrompt, byModel)
    }

    init?(stored: JSONValue) {
        guard let prompt = stored["prompt"]?.stringValue else { return nil }
        self.init(prompt: prompt, negativePrompt: stored["negative_prompt"]?.stringValue ?? "", byModel: stored["by"] == "model")
    }
}

/// Turns a drawing request ("kedi çiz", "draw a lighthouse at dusk") into an English prompt and a negative
/// prompt for the image model, asking the chat model for structured output under a short deadline
/// (`MAMI_IMAGE_PROMPT_TIMEOUT_MS`). A slow, failing or nonsensical answer costs at most the deadline:
/// the person's words go to the image model as they are.
struct ImagePrompter: Sendable {
    var llm: any ChatEngine
    var timeout: Duration
    var logger: Logger

    static let instruction = """
        You write prompts for an image generation model. The person asks for a picture, in any language. \
        Answer with JSON: "prompt", one English description of the picture in at most 60 words (subject, setting, \
        style, light), and "negative_prompt", a few English words naming what the picture must not have.
        """
    static let schema: JSONValue = [
        "type": "object", "required": ["prompt", "negative_prompt"],
        "properties": ["prompt": ["type": "string"], "negative_prompt": ["type": "string"]],
    ]
    static let maxCharacters = 1_000

    func prompt(for words: String, model: String) async -> ImagePrompt {
        let raw = ImagePrompt(prompt: words, negativePrompt: "", byModel: false)
        let lines = [ChatLine(role: "system", content: Self.instruction), ChatLine(role: "user", content: words)]
        let (llm, timeout) = (llm, timeout)
        do {
            let answer = try await withTimeLimit(timeout) { try await llm.structured(lines, model: model, schema: Self.schema, timeout: timeout) }
            guard let written = Self.read(answer) else {
                logger.notice("the chat model's image prompt was unusable; the person's words are used", metadata: ["answer": "\(answer.prefix(200))"])
                return raw
            }
            return written
        } catch {
            logger.notice("no image prompt from the chat model; the person's words are used", metadata: ["error": "\(error)"])
            return raw
        }
    }

    /// The model's answer as a prompt: a non-empty `prompt` within ``maxCharacters``; nil otherwise.
    static func read(_ answer: String) -> ImagePrompt? {
        guard let json = try? JSONValue(parsing: answer),
              let prompt = json["prompt"]?.stringValue?.trimmingCharacters(in: .whitespacesAndNewlines), !prompt.isEmpty,
              prompt.count <= maxCharacters else { return nil }
        let negative = String((json["negative_prompt"]?.stringValue ?? "").trimmingCharacters(in: .whitespacesAndNewlines).prefix(maxCharacters))
        return ImagePrompt(prompt: prompt, negativePrompt: negative, byModel: true)
    }
}

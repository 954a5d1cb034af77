import Foundation
import Logging
import MamiCore
import Metrics
import NIOConcurrencyHelpers

/// Lasting facts about the person in one message they wrote (M6), asked of the
/// chat model with structured output, then grounded: a fact that the message's
/// words do not support is dropped. A message that says nothing about its writer
/// is not sent at all. When the model fails, takes longer than its deadline or
/// is already busy with ``maxInFlight`` extractions, the message's own
/// first-person statements are kept instead.
struct FactExtractor: Sendable {
    var engine: any ChatEngine
    var timeout: Duration
    var logger: Logger
    let inFlight = NIOLockedValueBox(0)
    static let maxInFlight = 2
    static let maxFacts = 8

    static let schema: JSONValue = [
        "type": "object", "additionalProperties": false, "required": ["facts"],
        "properties": ["facts": ["type": "array", "maxItems": .int(Int64(maxFacts)), "items": ["type": "string", "maxLength": 200]]],
    ]

    static let instructions = """
        You read one message a person wrote to their assistant and list the lasting facts it states about the person: \
        who they are, where they live, their work, family, pets, health, likes and dislikes, plans, important dates. \
        Write each fact as one short sentence about the person, in the language of the message \
        (English: "The person lives in Ankara."; Turkish: "Kişi Ankara'da yaşıyor."). Use only what the message says. \
        State what is true now: when the person moved somewhere, write where they live ("The person lives in Ankara."). \
        Greetings, thanks, questions, requests and remarks about the conversation are not facts. \
        Answer only with JSON: {"facts": [...]}, an empty list when there are none.
        """

    /// Worked examples before the message: the demonstration model (SmolLM2-135M) answered `[]` to
    /// "I live in İzmir and I love cats" without them, "The person loves cats." with them.
    static let examples: [ChatLine] = [
        ("My sister lives in Bursa and I work as a nurse.", #"{"facts": ["The person's sister lives in Bursa.", "The person works as a nurse."]}"#),
        ("thanks, that was helpful", #"{"facts": []}"#),
        ("Ankara'da yaşıyorum.", #"{"facts": ["Kişi Ankara'da yaşıyor."]}"#),
    ].flatMap { [ChatLine(role: "user", content: $0.0), ChatLine(role: "assistant", content: $0.1)] }

    /// How the facts of one message were found.
    enum Source: String, Sendable {
        case model
        case rules
        case none
    }

    func facts(in message: String, model: String) async -> (facts: [String], source: Source) {
        guard FactGrounding.speaksOfThemselves(message) else { return ([], .none) }
        let admitted = inFlight.withLockedValue { count in
            guard count < Self.maxInFlight else { return false }
            count += 1
            return true
        }
        guard admitted else { return fallback(message, reason: "busy") }
        defer { inFlight.withLockedValue { $0 -= 1 } }
        do {
            let lines = [ChatLine(role: "system", content: Self.instructions)] + Self.examples + [ChatLine(role: "user", content: message)]
            let answer = try await engine.structured(lines, model: model, schema: Self.schema, timeout: timeout)
            let proposed = try Self.parse(answer)
            let grounded = proposed.filter { FactGrounding.isGrounded($0, in: message) }
            if grounded.count < proposed.count {
                Counter(label: "mami_facts_dropped_total").increment(by: proposed.count - grounded.count)
                logger.info("facts not found in the message were dropped", metadata: ["dropped": "\(proposed.count - grounded.count)"])
            }
            return (grounded, .model)
        } catch {
            return fallback(message, reason: "\(error)")
        }
    }

    private func fallback(_ message: String, reason: String) -> (facts: [String], source: Source) {
        Counter(label: "mami_facts_fallback_total").increment()
        logger.notice("fact extraction fell back to the first-person rule", metadata: ["reason": "\(reason)"])
        return (Array(FactGrounding.firstPersonStatements(message).prefix(Self.maxFacts)), .rules)
    }

    /// The facts of `{"facts": [...]}`, short and distinct.
    static func parse(_ answer: String) throws -> [String] {
        let value = try JSONValue(parsing: Array(answer.utf8))
        guard let list = value["facts"]?.arrayValue else { throw LLMError(kind: .failed, detail: "the extraction answer has no facts list") }
        var seen = Set<String>()
        return list.compactMap { $0.stringValue?.trimmingCharacters(in: .whitespacesAndNewlines) }
            .filter { !$0.isEmpty && $0.count <= 300 && seen.insert(FactGrounding.words($0).joined(separator: " ")).inserted }
            .prefix(maxFacts).map { $0 }
    }
}

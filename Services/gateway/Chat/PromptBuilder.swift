/// Builds the prompt to a token budget (G3): the system prompt and the newest
/// message always; then what is remembered and the older turns, newest first,
/// by priority; whole messages only, never cut. Tokens are estimated at four
/// characters each (plus a little per message), which errs on the safe side for
/// the Llama family's tokenizers.
struct PromptBuilder: Sendable {
    var budgetTokens: Int

    static func tokens(_ text: String) -> Int { text.utf8.count / 4 + 4 }

    /// `history` is oldest first and excludes `newest`.
    func build(system: String, memories: [String], history: [ChatLine], newest: ChatLine) -> [ChatLine] {
        var remaining = budgetTokens - Self.tokens(system) - Self.tokens(newest.content)
        // Memories first, up to half of what is left: they are chosen for this question.
        var kept: [String] = []
        let memoryShare = max(0, remaining / 2)
        var memoryUsed = 0
        for memory in memories where memoryUsed + Self.tokens(memory) <= memoryShare {
            kept.append(memory)
            memoryUsed += Self.tokens(memory)
        }
        remaining -= memoryUsed
        // Then the conversation, newest turn first, while whole turns fit.
        var turns: [ChatLine] = []
        for turn in history.reversed() {
            let cost = Self.tokens(turn.content)
            guard cost <= remaining else { break }
            turns.insert(turn, at: 0)
            remaining -= cost
        }
        var systemText = system
        if !kept.isEmpty {
            systemText += "\n\nWhat you remember about this person (the day each was said):\n" + kept.map { "- \($0)" }.joined(separator: "\n")
        }
        return [ChatLine(role: "system", content: systemText)] + turns + [newest]
    }
}

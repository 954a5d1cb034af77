/// The messages for the model and the passages they show (stored with the answer as its sources).
struct ChatPrompt: Sendable {
    var lines: [ChatLine]
    var sources: [Source] = []
}

/// Builds the prompt to a token budget (G3): the system prompt and the newest
/// message always; then what is remembered, passages of the person's documents
/// and the older turns, newest first, by priority; whole messages and passages
/// only, never cut. Tokens are estimated at four characters each (plus a little
/// per message), which errs on the safe side for the Llama family's tokenizers.
struct PromptBuilder: Sendable {
    var budgetTokens: Int

    static func tokens(_ text: String) -> Int { text.utf8.count / 4 + 4 }

    /// `history` is oldest first and excludes `newest`; `passages` are best first.
    func build(system: String, memories: [String], passages: [Source] = [], history: [ChatLine], newest: ChatLine) -> ChatPrompt {
        var remaining = budgetTokens - Self.tokens(system) - Self.tokens(newest.content)
        // Memories first, up to half of what is left, then passages up to half of the rest: both are chosen for this question.
        let kept = Self.fitting(memories, within: remaining / 2, cost: Self.tokens)
        remaining -= kept.cost
        let shown = Self.fitting(passages, within: remaining / 2) { Self.tokens(Self.line(of: $0)) }
        remaining -= shown.cost
        let sources = shown.items.enumerated().map { $1.numbered($0 + 1) }
        // Then the conversation, newest turn first, while whole turns fit.
        var turns: [ChatLine] = []
        for turn in history.reversed() {
            let cost = Self.tokens(turn.content)
            guard cost <= remaining else { break }
            turns.insert(turn, at: 0)
            remaining -= cost
        }
        var systemText = system
        if !kept.items.isEmpty {
            systemText += "\n\nWhat you remember about this person (the day each was said):\n" + kept.items.map { "- \($0)" }.joined(separator: "\n")
        }
        if !sources.isEmpty {
            systemText += "\n\nPassages from the person's documents. When you use one, cite its number like [1]:\n"
                + sources.map(Self.line).joined(separator: "\n")
        }
        return ChatPrompt(lines: [ChatLine(role: "system", content: systemText)] + turns + [newest], sources: sources)
    }

    static func line(of source: Source) -> String {
        "[\(source.number)] \(source.title): \(source.text)"
    }

    /// The items, in order, that fit whole into `share` tokens, and what they cost.
    private static func fitting<Item>(_ items: [Item], within share: Int, cost: (Item) -> Int) -> (items: [Item], cost: Int) {
        var kept: [Item] = []
        var used = 0
        for item in items where used + cost(item) <= max(0, share) {
            kept.append(item)
            used += cost(item)
        }
        return (kept, used)
    }
}

import Testing

@testable import MamiGateway

/// G3: the prompt fits its budget with whole messages, by priority.
@Suite struct PromptBuilderTests {
    let newest = ChatLine(role: "user", content: "what should I cook tonight?")

    @Test func theSystemPromptAndTheNewestMessageAreAlwaysKept() {
        let huge = String(repeating: "x", count: 40_000)
        let lines = PromptBuilder(budgetTokens: 256).build(
            system: "sys", memories: [huge], history: [ChatLine(role: "user", content: huge)], newest: newest).lines
        #expect(lines.first?.role == "system")
        #expect(lines.first?.content == "sys", "a memory larger than the budget is left out, not cut")
        #expect(lines.last == newest)
        #expect(lines.count == 2)
    }

    @Test func olderTurnsGoFirstAndNothingIsCutMidMessage() {
        let turns = (0..<40).map { ChatLine(role: $0 % 2 == 0 ? "user" : "assistant", content: "turn \($0) " + String(repeating: "y", count: 200)) }
        let builder = PromptBuilder(budgetTokens: 1000)
        let lines = builder.build(system: "sys", memories: [], history: turns, newest: newest).lines
        let kept = Array(lines.dropFirst().dropLast())
        #expect(!kept.isEmpty)
        #expect(kept == Array(turns.suffix(kept.count)), "the newest turns are kept, in order, whole")
        #expect(kept.count < turns.count)
        let used = lines.reduce(0) { $0 + PromptBuilder.tokens($1.content) }
        #expect(used <= 1000)
    }

    @Test func memoriesGoIntoTheSystemPromptWithinHalfTheRoom() {
        let memories = ["likes cats", "lives in İzmir", String(repeating: "z", count: 8000)]
        let lines = PromptBuilder(budgetTokens: 1000).build(system: "sys", memories: memories, history: [], newest: newest).lines
        let system = lines[0].content
        #expect(system.contains("likes cats"))
        #expect(system.contains("lives in İzmir"))
        #expect(!system.contains("zzzz"), "a memory over half the room is skipped whole")
    }

    /// Passages after memories, within half of what is left, whole; the ones shown are numbered 1… and are the sources.
    @Test func passagesAreNumberedWholeAndWithinTheirShare() {
        let passages = [("a", "The boiler password is on the blue card."), ("b", String(repeating: "w", count: 4000)), ("c", "Water the garden on Sundays.")]
            .map { Source(number: 0, documentID: "doc-\($0.0)", title: "Manual \($0.0)", chunkID: "doc-\($0.0)#0", text: $0.1) }
        let prompt = PromptBuilder(budgetTokens: 1000).build(system: "sys", memories: ["likes cats"], passages: passages, history: [], newest: newest)
        let system = prompt.lines[0].content
        #expect(prompt.sources.map(\.documentID) == ["doc-a", "doc-c"], "a passage over its share is skipped whole")
        #expect(prompt.sources.map(\.number) == [1, 2])
        #expect(system.contains("[1] Manual a: The boiler password is on the blue card."))
        #expect(system.contains("[2] Manual c: Water the garden on Sundays."))
        #expect(system.contains("likes cats"))
        #expect(PromptBuilder(budgetTokens: 1000).build(system: "sys", memories: [], history: [], newest: newest).sources.isEmpty)
    }
}

@Suite struct DrawingRequestTests {
    @Test func drawingRequestsAreRecognisedAndTheirPromptExtracted() {
        #expect(DrawingRequest.prompt(in: "draw a lighthouse at dusk") == "a lighthouse at dusk")
        #expect(DrawingRequest.prompt(in: "Draw me: a red fox") == "a red fox")
        #expect(DrawingRequest.prompt(in: "/image a quiet harbour") == "a quiet harbour")
        #expect(DrawingRequest.prompt(in: "bir kedi çiz") == "bir kedi")
        #expect(DrawingRequest.prompt(in: "çiz deniz feneri") == "deniz feneri")
        #expect(DrawingRequest.prompt(in: "bana bir ev çizer misin?") == "bana bir ev")
    }

    @Test func otherMessagesAreChat() {
        #expect(DrawingRequest.prompt(in: "how do I draw better?") == nil)
        #expect(DrawingRequest.prompt(in: "drawers in my kitchen") == nil)
        #expect(DrawingRequest.prompt(in: "draw") == nil)
        #expect(DrawingRequest.prompt(in: "/image   ") == nil)
    }
}

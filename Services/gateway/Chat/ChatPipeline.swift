import Foundation
import Logging
import MamiCore
import MamiWire
import Metrics

/// A chat turn as the pipeline's first stages leave it.
struct ChatTurn: Sendable {
    var user: User
    var conversation: Conversation
    var userMessage: Message
    /// The id the answer will have: known from the start (I1), used as the memory write's key (G4).
    var answerID: String
    /// The model that answers: the conversation's, else the default.
    var model: String
    var deadline: ContinuousClock.Instant

    var remaining: Duration { max(.zero, deadline - .now) }
}

/// How an answer ended.
struct ChatOutcome: Sendable {
    var text: String
    var error: LLMError?
    var disconnected = false
    /// The passages it was given with (stored as its `sources`).
    var sources: [Source] = []
}

/// Where a message goes after it is stored.
enum ChatRoute: Sendable, Equatable {
    case chat
    case image(prompt: String)
    case degraded
}

/// Chat as a pipeline of small stages (G2): load the conversation → store the
/// person's message → route → recall memories and document passages (bounded, G1) → build the prompt to
/// a token budget (G3) → ask the image worker for the GPU (bounded, proceed on
/// timeout) → stream from the LLM → store the answer once → remember once (G4).
/// Authentication happens before, at the HTTP boundary.
struct ChatPipeline: Sendable {
    var store: ConversationStore
    var recall: MemoryRecall
    var facts: FactExtractor
    var builder: PromptBuilder
    var llm: any ChatEngine
    var models: EngineModels
    var worker: RPCClient
    var mode: OperatingMode
    var configuration: GatewayConfiguration
    var limits: ChatLimits
    var logger: Logger

    static let maxMessageCharacters = 32_000
    static let historyTurns = 50

    // MARK: stages 1–2

    func begin(user: User, in destination: ConversationStore.Destination, content: String) async throws -> ChatTurn {
        let text = content.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.isEmpty else { throw FieldError(field: "content", problem: "must not be empty") }
        guard text.count <= Self.maxMessageCharacters else { throw FieldError(field: "content", problem: "must be at most \(Self.maxMessageCharacters) characters") }
        guard let (conversation, message) = try await store.addUserMessage(text, userID: user.id, to: destination) else {
            throw APIError.notFound("conversation")
        }
        return ChatTurn(user: user, conversation: conversation, userMessage: message, answerID: UUID().uuidString.lowercased(),
                        model: conversation.model ?? configuration.chatModel, deadline: .now + configuration.chatBudget)
    }

    // MARK: stage 3

    func route(_ turn: ChatTurn) -> ChatRoute {
        if let prompt = DrawingRequest.prompt(in: turn.userMessage.content) {
            return .image(prompt: prompt)
        }
        return mode.isDegraded ? .degraded : .chat
    }

    // MARK: stages 4–6

    /// The prompt for `turn`: memories and document passages (asked at once, bounded together), recent turns,
    /// the budget; and the GPU grant, asked for meanwhile. `clientHistory` (the OpenAI surface) replaces the
    /// stored turns; its system messages extend ours.
    func prepare(_ turn: ChatTurn, clientHistory: [ChatLine]? = nil) async throws -> ChatPrompt {
        async let memories = recall.recall(owner: turn.user.id, query: turn.userMessage.content, remaining: turn.remaining)
        async let passages = recall.passages(owner: turn.user.id, query: turn.userMessage.content, remaining: turn.remaining)
        async let granted: Void = acquireGPU(turn)
        var system = configuration.systemPrompt
        let history: [ChatLine]
        if let clientHistory {
            system = ([system] + clientHistory.filter { $0.role == "system" }.map(\.content)).joined(separator: "\n\n")
            history = clientHistory.filter { $0.role != "system" }
        } else {
            history = try await store.history(conversationID: turn.conversation.id, before: turn.userMessage, limit: Self.historyTurns)
        }
        let prompt = builder.build(system: system, memories: await memories, passages: await passages, history: history,
                                   newest: ChatLine(role: "user", content: turn.userMessage.content))
        await granted
        return prompt
    }

    /// Asks the image worker to let the LLM have the GPU; a slow or absent worker only costs the wait.
    func acquireGPU(_ turn: ChatTurn) async {
        let wait = min(configuration.gpuAcquireWait, turn.remaining)
        guard wait > .zero else { return }
        do {
            _ = try await worker.call("gpu.acquire", params: ["mode": "llm"], timeout: wait)
        } catch {
            Counter(label: "mami_gpu_acquire_timeouts_total").increment()
            logger.debug("going on without the GPU grant", metadata: ["error": "\(error)"])
        }
    }

    // MARK: stage 7

    /// Streams the answer, handing each delta to `deliver`; stops when `deliver` throws (the client left).
    func answer(_ turn: ChatTurn, prompt: ChatPrompt, deliver: (String) async throws -> Void) async -> ChatOutcome {
        var outcome = await stream(turn, prompt.lines, deliver: deliver)
        outcome.sources = prompt.sources
        return outcome
    }

    private func stream(_ turn: ChatTurn, _ lines: [ChatLine], deliver: (String) async throws -> Void) async -> ChatOutcome {
        var text = ""
        do {
            try await models.check(turn.model)
            for try await delta in llm.stream(lines, model: turn.model, timeout: turn.remaining) {
                text += delta
                do { try await deliver(delta) } catch { return ChatOutcome(text: text, error: nil, disconnected: true) }
            }
            return ChatOutcome(text: text, error: nil)
        } catch let error as LLMError {
            logger.notice("LLM answer failed", metadata: ["conversation": "\(turn.conversation.id)", "error": "\(error)"])
            return ChatOutcome(text: text, error: error)
        } catch {
            return ChatOutcome(text: text, error: LLMError(kind: .failed, detail: "\(error)"))
        }
    }

    // MARK: stages 8–9

    /// Stores the answer once; then, off the answer's path, remembers the facts of the person's message.
    func finish(_ turn: ChatTurn, _ outcome: ChatOutcome) async throws -> Message {
        let status = outcome.error == nil && !outcome.disconnected ? "complete" : "failed"
        let error = outcome.error?.userMessage ?? (outcome.disconnected ? "The client disconnected before the answer was complete." : nil)
        // Its own task: a client that left must not cancel the write of what was said.
        let message = try await Task {
            try await store.addMessage(id: turn.answerID, conversationID: turn.conversation.id, role: "assistant",
                                       content: outcome.text, status: status, error: error, sources: outcome.sources)
        }.value
        Counter(label: "mami_chat_answers_total", dimensions: [("status", status)]).increment()
        if status == "complete" { rememberFacts(turn) }
        return message
    }

    /// The facts of the person's message (FactExtractor), each stored once, keyed by the answer's id and
    /// the fact's place (G4). Its own task, the extraction and each write bounded by MAMI_FACTS_TIMEOUT_MS:
    /// the answer never waits for it.
    func rememberFacts(_ turn: ChatTurn) {
        let (recall, facts, logger, timeout) = (recall, facts, logger, configuration.factsTimeout)
        Task {
            let found = await facts.facts(in: turn.userMessage.content, model: turn.model)
            for (index, fact) in found.facts.enumerated() {
                await recall.remember(owner: turn.user.id, text: fact, topic: FactTopics.topic(of: fact), origin: turn.userMessage,
                                      sourceID: "\(turn.answerID)#\(index)", timeout: timeout)
            }
            logger.debug("facts remembered", metadata: ["answer": "\(turn.answerID)", "facts": "\(found.facts.count)", "source": "\(found.source)"])
        }
    }

    /// Degraded mode (M4): a plain answer without the LLM.
    func degradedAnswer(_ turn: ChatTurn) async throws -> Message {
        try await finish(turn, ChatOutcome(text: OperatingMode.degradedReply, error: nil))
    }
}

/// Recognises a request to draw ("draw …", "/image …", "… çiz") and extracts the prompt.
enum DrawingRequest {
    /// Command words at the start, matched as whole words ("draw me" before "draw").
    static let prefixes = ["/image", "/draw", "draw me", "draw", "çiz", "ciz"]
    static let suffixes = [" çiz", " çizer misin", " çizebilir misin", " ciz"]

    static func prompt(in text: String) -> String? {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        let lower = trimmed.lowercased()
        for prefix in prefixes where lower.hasPrefix(prefix) {
            let rest = trimmed.dropFirst(prefix.count)
            guard let next = rest.first, next.isWhitespace || next == ":" else { continue }
            return nonEmpty(String(rest))
        }
        let bare = lower.trimmingCharacters(in: CharacterSet(charactersIn: ".!?"))
        for suffix in suffixes where bare.hasSuffix(suffix) {
            return nonEmpty(String(trimmed.prefix(bare.count - suffix.count)))
        }
        return nil
    }

    private static func nonEmpty(_ text: String) -> String? {
        let prompt = text.trimmingCharacters(in: .whitespacesAndNewlines.union(CharacterSet(charactersIn: ":,")))
        return prompt.isEmpty ? nil : prompt
    }
}

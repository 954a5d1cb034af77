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
    /// False for a regenerate: the person's message was remembered with its first answer (G4).
    var remembers = true

    var remaining: Duration { max(.zero, deadline - .now) }
}

/// How an answer ended.
struct ChatOutcome: Sendable {
    var text: String
    var error: LLMError?
    /// The person stopped it.
    var stopped = false
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
    var generations: Generations
    var events: EventFanout
    var titles: TitleWriter
    var logger: Logger

    static let maxMessageCharacters = 32_000
    static let historyTurns = 50

    // MARK: stages 1–3

    /// Where `content` goes: a drawing request to the image worker, else the LLM (or the degraded reply).
    func route(_ content: String) -> ChatRoute {
        if let prompt = DrawingRequest.prompt(in: content) { return .image(prompt: prompt) }
        return mode.isDegraded ? .degraded : .chat
    }

    /// Stores the person's message (after the branch shown, or as an alternative to `edited`) and, in the
    /// same write, its answer's row (returned with the turn): an image message, or an empty text answer that streams.
    func begin(user: User, in destination: ConversationStore.Destination, content: String, route: ChatRoute,
               replacing edited: Message? = nil) async throws -> (turn: ChatTurn, answer: Message) {
        let text = try Self.validated(content)
        let answerID = UUID().uuidString.lowercased()
        let pending: ConversationStore.PendingAnswer
        if case .image(let prompt) = route {
            pending = .image(id: answerID, prompt: prompt, maxOpen: configuration.imageJobsPerUser)
        } else {
            pending = .text(id: answerID)
        }
        guard let (conversation, message, answer) = try await store.addUserMessage(text, userID: user.id, to: destination, replacing: edited,
                                                                                  answer: pending) else {
            throw APIError.notFound("conversation")
        }
        let turn = ChatTurn(user: user, conversation: conversation, userMessage: message, answerID: answerID,
                            model: conversation.model ?? configuration.chatModel, deadline: .now + configuration.chatBudget)
        return (turn, answer)
    }

    /// A new answer to `question`, an alternative to its others; the person's message is not remembered again.
    func beginAnswer(user: User, to question: Message) async throws -> ChatTurn {
        guard let conversation = try await store.conversation(id: question.conversationID, userID: user.id) else { throw APIError.notFound("conversation") }
        let answer = try await store.addAnswer(id: UUID().uuidString.lowercased(), to: question)
        return ChatTurn(user: user, conversation: conversation, userMessage: question, answerID: answer.id,
                        model: conversation.model ?? configuration.chatModel, deadline: .now + configuration.chatBudget, remembers: false)
    }

    static func validated(_ content: String) throws -> String {
        let text = content.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.isEmpty else { throw FieldError(field: "content", problem: "must not be empty") }
        guard text.count <= maxMessageCharacters else { throw FieldError(field: "content", problem: "must be at most \(maxMessageCharacters) characters") }
        return text
    }

    // MARK: stages 4–6

    /// The prompt for `turn`: memories and document passages (asked at once, bounded together), recent turns,
    /// the budget; and the GPU grant, asked for meanwhile. `clientHistory` (the OpenAI surface) replaces the
    /// stored turns; its system messages extend ours.
    func prepare(_ turn: ChatTurn, clientHistory: [ChatLine]? = nil) async throws -> ChatPrompt {
        async let memories = recall.recall(owner: turn.user.id, query: turn.userMessage.content, remaining: turn.remaining)
        async let passages = recall.passages(owner: turn.user.id, query: turn.userMessage.content, remaining: turn.remaining)
        async let granted: Void = acquireGPU(turn)
        var system = turn.conversation.systemPrompt ?? configuration.systemPrompt
        let history: [ChatLine]
        if let clientHistory {
            system = ([system] + clientHistory.filter { $0.role == "system" }.map(\.content)).joined(separator: "\n\n")
            history = clientHistory.filter { $0.role != "system" }
        } else {
            history = try await store.history(before: turn.userMessage, limit: Self.historyTurns)
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

    /// Starts the answer of `turn` as a generation of its own (``Generation``): prepared, streamed into the
    /// database at a bounded rate, stored once, whoever follows it or leaves. `prepare` builds the prompt.
    @discardableResult
    func generate(_ turn: ChatTurn, prepare: @escaping @Sendable () async throws -> ChatPrompt) -> Generation {
        events.publish(["type": "message_started", "message_id": .string(turn.answerID), "conversation_id": .string(turn.conversation.id)],
                       to: turn.user.id)
        return generations.start(messageID: turn.answerID) { generation in
            var outcome: ChatOutcome
            do {
                let prompt = try await prepare()
                outcome = await stream(turn, prompt.lines, into: generation)
                outcome.sources = prompt.sources
            } catch {
                outcome = ChatOutcome(text: "", error: error as? LLMError ?? LLMError(kind: .failed, detail: "\(error)"))
            }
            outcome.stopped = generation.wasStopped
            let message = await finish(turn, outcome)
            generation.finish(message, outcome.stopped ? nil : outcome.error)
        }
    }

    private func stream(_ turn: ChatTurn, _ lines: [ChatLine], into generation: Generation) async -> ChatOutcome {
        let flusher = AnswerFlusher(store: store, messageID: turn.answerID)
        var pace = AnswerFlusher.Pace()
        var text = ""
        var failure: LLMError?
        do {
            try await models.check(turn.model)
            for try await delta in llm.stream(lines, model: turn.model, temperature: turn.conversation.temperature, timeout: turn.remaining) {
                text += delta
                generation.publish(delta)
                if pace.due() { flusher.offer(text) }
            }
        } catch let error as LLMError {
            logger.notice("LLM answer failed", metadata: ["conversation": "\(turn.conversation.id)", "error": "\(error)"])
            failure = error
        } catch {
            failure = LLMError(kind: .failed, detail: "\(error)")
        }
        await flusher.close()  // its last write before the final one
        return ChatOutcome(text: text, error: failure)
    }

    // MARK: stages 8–9

    /// Stores the answer once; then, off the answer's path, remembers the facts of the person's message.
    /// Its own task: neither a stop nor a client that left may cancel the write of what was said.
    func finish(_ turn: ChatTurn, _ outcome: ChatOutcome) async -> Message {
        let status = outcome.stopped ? "stopped" : outcome.error == nil ? "complete" : "failed"
        let error = outcome.stopped ? nil : outcome.error?.userMessage
        let (store, events, logger) = (store, events, logger)
        let stored = await Task { () -> Message? in
            do {
                return try await store.finishAnswer(id: turn.answerID, content: outcome.text, status: status, error: error, sources: outcome.sources)
            } catch {
                logger.error("the answer could not be stored", metadata: ["message": "\(turn.answerID)", "error": "\(error)"])
                return nil
            }
        }.value
        Counter(label: "mami_chat_answers_total", dimensions: [("status", status)]).increment()
        if status != "failed", turn.remembers { rememberFacts(turn) }
        if status == "complete", TitleWriter.wanted(turn) { titles.propose(turn) }
        let message = stored ?? Self.unstored(turn, outcome, status: status, error: error)
        events.publish(["type": "message_completed", "message": message.json], to: turn.user.id)
        return message
    }

    /// The answer as it would have been stored, when the database refused it (logged).
    private static func unstored(_ turn: ChatTurn, _ outcome: ChatOutcome, status: String, error: String?) -> Message {
        var message = turn.userMessage
        (message.id, message.parentID, message.role, message.content) = (turn.answerID, turn.userMessage.id, "assistant", outcome.text)
        (message.status, message.error, message.sources) = (status, error, outcome.sources)
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
    func degradedAnswer(_ turn: ChatTurn) async -> Message {
        await finish(turn, ChatOutcome(text: OperatingMode.degradedReply, error: nil))
    }
}

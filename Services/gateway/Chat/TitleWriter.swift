import Foundation
import Logging
import MamiCore

/// Names a conversation nobody named: after its first exchange the chat model proposes a short title,
/// off the answer's path and bounded by `MAMI_TITLE_TIMEOUT_MS`. A title the person gives, before or
/// meanwhile, always wins; the owner's sockets hear `conversation_updated`.
struct TitleWriter: Sendable {
    var llm: any ChatEngine
    var store: ConversationStore
    var events: EventFanout
    var timeout: Duration
    var logger: Logger

    static let instruction = """
        Write a title of at most six words for a conversation that begins with the person's message below. \
        Use the message's language. Answer with the title only: no quotes, no punctuation at the end.
        """
    static let maxCharacters = 60

    /// Whether `turn` is the first exchange of a conversation the model may name.
    static func wanted(_ turn: ChatTurn) -> Bool {
        turn.userMessage.parentID == nil && turn.conversation.titleSource == "default"
    }

    /// Proposes a title for `turn`'s conversation in a task of its own.
    func propose(_ turn: ChatTurn) {
        Task {
            guard let title = await ask(turn.userMessage.content, model: turn.model) else { return }
            await store(title, for: turn)
        }
    }

    /// A conversation that begins with a drawing request is named after what it asks for (the model has
    /// just written its prompt; it is not asked again), in a task of its own, off the request's path.
    func name(_ turn: ChatTurn, afterDrawing words: String) {
        guard Self.wanted(turn), let title = Self.clean(words) else { return }
        Task { await store(title, for: turn) }
    }

    private func store(_ title: String, for turn: ChatTurn) async {
        do {
            guard let named = try await store.proposeTitle(title, conversationID: turn.conversation.id) else { return }
            events.publish(["type": "conversation_updated", "conversation": named.json], to: turn.user.id)
        } catch {
            logger.notice("the proposed title could not be stored", metadata: ["conversation": "\(turn.conversation.id)", "error": "\(error)"])
        }
    }

    private func ask(_ message: String, model: String) async -> String? {
        let lines = [ChatLine(role: "system", content: Self.instruction), ChatLine(role: "user", content: String(message.prefix(2_000)))]
        var text = ""
        do {
            for try await delta in llm.stream(lines, model: model, timeout: timeout) {
                text += delta
                if text.count > Self.maxCharacters * 3 { break }
            }
        } catch {
            logger.notice("no title from the chat model", metadata: ["error": "\(error)"])
            return nil
        }
        return Self.clean(text)
    }

    /// The first line of a model's answer as a title: quotes, a "Title:" label and end punctuation dropped,
    /// at most ``maxCharacters`` (cut at a word); nil when nothing is left.
    static func clean(_ answer: String) -> String? {
        var line = answer.split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
        if let colon = line.firstIndex(of: ":"), line[..<colon].lowercased().trimmingCharacters(in: .whitespaces) == "title" {
            line = String(line[line.index(after: colon)...])
        }
        let trim = CharacterSet.whitespaces.union(CharacterSet(charactersIn: "\"'“”‘’«»*#.!?,;:"))
        line = line.trimmingCharacters(in: trim)
        if line.count > maxCharacters {
            let cut = line.prefix(maxCharacters)
            line = String(cut.lastIndex(of: " ").map { cut[..<$0] } ?? cut).trimmingCharacters(in: trim)
        }
        return line.isEmpty ? nil : line
    }
}

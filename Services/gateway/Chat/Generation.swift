import Foundation
import MamiCore
import NIOConcurrencyHelpers

/// What the stream of an answer carries.
enum AnswerEvent: Sendable {
    /// Text, with the answer's length in UTF-8 bytes once it is added: the SSE event's id.
    case delta(String, offset: Int)
    /// The stored answer; `error` when it failed.
    case finished(Message, LLMError?)
}

/// One answer being written. It belongs to the server, not to a request: the clients that follow it
/// (the one that asked, a reload, another tab) come and go; each gets what it missed, then the rest live.
final class Generation: Sendable {
    private struct State {
        var deltas: [(text: String, offset: Int)] = []
        var length = 0
        var followers: [UUID: AsyncStream<AnswerEvent>.Continuation] = [:]
        var finished: AnswerEvent?
        var task: Task<Void, Never>?
        var stopped = false
    }

    private let state = NIOLockedValueBox(State())

    /// The events after `offset` (UTF-8 bytes of the answer a client already has), then the live ones, until the answer ends.
    func follow(after offset: Int) -> AsyncStream<AnswerEvent> {
        let (events, continuation) = AsyncStream<AnswerEvent>.makeStream()
        let id = UUID()
        state.withLockedValue { state in
            for delta in state.deltas where delta.offset > offset {
                let start = delta.offset - delta.text.utf8.count
                let text = start >= offset ? delta.text : String(decoding: delta.text.utf8.suffix(delta.offset - offset), as: UTF8.self)
                continuation.yield(.delta(text, offset: delta.offset))
            }
            if let finished = state.finished {
                continuation.yield(finished)
                continuation.finish()
            } else {
                state.followers[id] = continuation
            }
        }
        continuation.onTermination = { [weak self] _ in
            _ = self?.state.withLockedValue { $0.followers.removeValue(forKey: id) }
        }
        return events
    }

    /// Adds `text` to the answer and hands it to every follower.
    func publish(_ text: String) {
        state.withLockedValue { state in
            state.length += text.utf8.count
            let event = AnswerEvent.delta(text, offset: state.length)
            state.deltas.append((text, state.length))
            for follower in state.followers.values { follower.yield(event) }
        }
    }

    /// The answer ended and is stored: every follower gets it and is done.
    func finish(_ message: Message, _ error: LLMError?) {
        let followers = state.withLockedValue { state in
            state.finished = .finished(message, error)
            defer { state.followers = [:] }
            return Array(state.followers.values)
        }
        for follower in followers {
            follower.yield(.finished(message, error))
            follower.finish()
        }
    }

    /// The person ended it: the engine call is cancelled; what was said is stored as `stopped`.
    func stop() {
        let task = state.withLockedValue { state in
            state.stopped = true
            return state.task
        }
        task?.cancel()
    }

    var wasStopped: Bool { state.withLockedValue { $0.stopped } }

    fileprivate func run(_ body: @escaping @Sendable () async -> Void) {
        state.withLockedValue { state in
            state.task = Task { await body() }
            if state.stopped { state.task?.cancel() }
        }
    }
}

/// The answers being written now, by message id.
final class Generations: Sendable {
    private let live = NIOLockedValueBox<[String: Generation]>([:])

    /// Starts `body` as the generation of `messageID`; it is followed until `body` returns.
    @discardableResult
    func start(messageID: String, _ body: @escaping @Sendable (Generation) async -> Void) -> Generation {
        let generation = Generation()
        live.withLockedValue { $0[messageID] = generation }
        generation.run { [live] in
            await body(generation)
            _ = live.withLockedValue { $0.removeValue(forKey: messageID) }
        }
        return generation
    }

    func generation(_ messageID: String) -> Generation? {
        live.withLockedValue { $0[messageID] }
    }
}

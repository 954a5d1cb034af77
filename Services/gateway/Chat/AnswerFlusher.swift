import Metrics

/// Writes an answer's text to the database while it streams, at a bounded rate: after `everyDeltas`
/// deltas or `interval`, whichever comes first, never per token. One write at a time, the newest text
/// only: a slow disk costs skipped snapshots, never a slower stream.
final class AnswerFlusher: Sendable {
    static let everyDeltas = 64
    static let interval: Duration = .milliseconds(250)

    private let snapshots: AsyncStream<String>.Continuation
    private let writer: Task<Void, Never>

    init(store: ConversationStore, messageID: String) {
        let (stream, continuation) = AsyncStream<String>.makeStream(bufferingPolicy: .bufferingNewest(1))
        snapshots = continuation
        writer = Task {
            for await text in stream {
                try? await store.flushAnswer(id: messageID, content: text)
                Counter(label: "mami_chat_flushes_total").increment()
            }
        }
    }

    /// The policy's state for one answer.
    struct Pace {
        var pending = 0
        var last = ContinuousClock.now

        /// Counts a delta; true when the text is due to be written.
        mutating func due() -> Bool {
            pending += 1
            guard pending >= AnswerFlusher.everyDeltas || ContinuousClock.now - last >= AnswerFlusher.interval else { return false }
            pending = 0
            last = .now
            return true
        }
    }

    func offer(_ text: String) {
        snapshots.yield(text)
    }

    /// Waits for the last snapshot's write, so the final write comes after it.
    func close() async {
        snapshots.finish()
        await writer.value
    }
}

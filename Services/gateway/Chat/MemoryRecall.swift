import Foundation
import Logging
import MamiCore
import MamiWire
import Metrics

/// Memory lookups for a chat, bounded (G1): each takes at most
/// min(`MAMI_MEMORY_BUDGET_MS`, the request's remaining budget); with less than
/// 100 ms left it is skipped. A skip or a failure is logged and counted, and
/// the answer goes on without memory.
struct MemoryRecall: Sendable {
    var client: RPCClient
    var budget: Duration
    var logger: Logger
    static let minimum: Duration = .milliseconds(100)
    static let k = 5

    /// What is remembered about `owner` that relates to `query` (the memory service's `relevant` hits, and
    /// the current memory of the attribute the query names), most relevant first, each with the day it was said: "The person lives in Ankara. (2026-11-30)".
    func recall(owner: String, query: String, remaining: Duration) async -> [String] {
        let allowed = min(budget, remaining)
        guard allowed >= Self.minimum else {
            Counter(label: "mami_memory_recall_skipped_total", dimensions: [("reason", "budget")]).increment()
            logger.notice("memory recall skipped", metadata: ["owner": "\(owner)", "budget_ms": "\(allowed.components.seconds * 1000 + allowed.components.attoseconds / 1_000_000_000_000_000)"])
            return []
        }
        do {
            var params: [String: JSONValue] = [
                "owner": .string(owner), "query": .string(String(query.prefix(4000))), "k": .int(Int64(Self.k)), "relevant": true,
            ]
            // "Where do I live?" asks for the memory of that topic, however the question scores against it.
            if let topic = FactTopics.topic(of: query) { params["topic"] = .string(topic) }
            let answer = try await client.call("memory.search", params: .object(params), timeout: allowed)
            Counter(label: "mami_memory_recall_total").increment()
            return answer["results"]?.arrayValue?.compactMap(Self.line) ?? []
        } catch {
            Counter(label: "mami_memory_recall_skipped_total", dimensions: [("reason", "error")]).increment()
            logger.notice("memory recall failed; answering without memory", metadata: ["owner": "\(owner)", "error": "\(error)"])
            return []
        }
    }

    static func line(_ hit: JSONValue) -> String? {
        guard let text = hit["text"]?.stringValue else { return nil }
        guard let said = hit["created_at"]?.doubleValue else { return text }
        return "\(text) (\(Date(timeIntervalSince1970: said).formatted(.iso8601.year().month().day())))"
    }

    /// Stores one fact, once (`source_id` = the answer's message id and the fact's place, G4), within
    /// `timeout`: off the answer's path, so not the recall budget (a busy encoder embeds it at a low priority).
    /// With a topic (``FactTopics``) it replaces the person's current memory of that topic; `origin` is the
    /// person's message and its conversation.
    func remember(owner: String, text: String, topic: String?, origin: Message, sourceID: String, timeout: Duration) async {
        var params: [String: JSONValue] = [
            "owner": .string(owner), "text": .string(String(text.prefix(4000))), "source_id": .string(sourceID), "scope": "user",
            "origin": ["message_id": .string(origin.id), "conversation_id": .string(origin.conversationID)],
        ]
        if let topic { params["topic"] = .string(topic) }
        do {
            _ = try await client.call("memory.add", params: .object(params), timeout: timeout)
            Counter(label: "mami_memory_writes_total").increment()
        } catch {
            Counter(label: "mami_memory_write_failures_total").increment()
            logger.notice("memory write failed", metadata: ["owner": "\(owner)", "error": "\(error)"])
        }
    }
}

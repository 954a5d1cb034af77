import Foundation
import Logging
import MamiCore
import MamiWire
import Metrics

/// The memory service's lookups for a chat, bounded (G1): what is remembered
/// about the person and passages of their documents, asked at once, each within
/// min(`MAMI_MEMORY_BUDGET_MS`, the request's remaining budget), so together they
/// never take longer; with less than 100 ms left they are skipped. A skip or a
/// failure is logged and counted, and the answer goes on without it.
struct MemoryRecall: Sendable {
    var client: RPCClient
    var budget: Duration
    var logger: Logger
    static let minimum: Duration = .milliseconds(100)
    static let k = 5
    static let passages = 3

    /// What is remembered about `owner` that relates to `query` (the memory service's `relevant` hits, and
    /// the current memory of the attribute the query names), most relevant first, each with the day it was
    /// said: "The person lives in Ankara. (2026-11-30)".
    func recall(owner: String, query: String, remaining: Duration) async -> [String] {
        var params: [String: JSONValue] = [
            "owner": .string(owner), "query": .string(String(query.prefix(4000))), "k": .int(Int64(Self.k)), "relevant": true,
        ]
        // "Where do I live?" asks for the memory of that topic, however the question scores against it.
        if let topic = FactTopics.topic(of: query) { params["topic"] = .string(topic) }
        return await search("memory.search", params, remaining: remaining, counter: "memory_recall").compactMap(Self.line)
    }

    /// The passages of `owner`'s documents that relate to `query` (`relevant` hits), best first, numbered from 1.
    func passages(owner: String, query: String, remaining: Duration) async -> [Source] {
        let params: [String: JSONValue] = [
            "owner": .string(owner), "query": .string(String(query.prefix(4000))), "k": .int(Int64(Self.passages)), "relevant": true,
        ]
        let hits = await search("doc.search", params, remaining: remaining, counter: "document_recall")
        return hits.compactMap(Source.init(hit:)).enumerated().map { number, source in source.numbered(number + 1) }
    }

    /// `method`'s results within the budget, or none (counted as `mami_<counter>_total` or `…_skipped_total`).
    private func search(_ method: String, _ params: [String: JSONValue], remaining: Duration, counter: String) async -> [JSONValue] {
        let allowed = min(budget, remaining)
        guard allowed >= Self.minimum else {
            Counter(label: "mami_\(counter)_skipped_total", dimensions: [("reason", "budget")]).increment()
            logger.notice("\(method) skipped: no budget left", metadata: ["budget_ms": "\(allowed.components.seconds * 1000 + allowed.components.attoseconds / 1_000_000_000_000_000)"])
            return []
        }
        do {
            let answer = try await client.call(method, params: .object(params), timeout: allowed)
            Counter(label: "mami_\(counter)_total").increment()
            return answer["results"]?.arrayValue ?? []
        } catch {
            Counter(label: "mami_\(counter)_skipped_total", dimensions: [("reason", "error")]).increment()
            logger.notice("\(method) failed; answering without it", metadata: ["error": "\(error)"])
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

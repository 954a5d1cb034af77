import Foundation
import MamiCore
import MamiHTTP

/// What storing an answer while it streams costs in writes: long answers (mami-sim at 1 ms a token),
/// the gateway's own counters (`mami_chat_flushes_total`, `mami_chat_answers_total`) read before and
/// after. Each answer is also stored once at its end, and its empty row is inserted with the person's message.
extension GatewayBench {
    func persistence(_ stack: GatewayStack) async throws -> JSONValue {
        let session = try await stack.session("writer")
        let conversation = try await stack.conversation(session)
        let words = 400
        let content = (1...words).map { "word\($0)" }.joined(separator: " ")
        try await stack.configureSim(["token_ms": 1])
        let before = try await stack.counters()
        let answers = 20
        for _ in 0..<answers { _ = try await stack.firstDelta(session, conversation: conversation, content: content) }
        let after = try await stack.counters()
        try await stack.configureSim(["token_ms": 0])
        let flushes = (after["mami_chat_flushes_total"] ?? 0) - (before["mami_chat_flushes_total"] ?? 0)
        let tokens = words + 2  // "You said:" and the words, one token each
        return ["answers": .int(Int64(answers)), "tokens_per_answer": .int(Int64(tokens)),
                "flushes_per_answer": .double(flushes / Double(answers)), "writes_per_answer": .double(1 + flushes / Double(answers)),
                "target_writes": .double(1 + Double(tokens) / 64)]
    }
}

extension GatewayStack {
    /// The gateway's counters from `/metrics`, summed over their labels.
    func counters() async throws -> [String: Double] {
        let text = try await http.send(HTTPRequest(method: "GET", url: "http://127.0.0.1:\(port)/metrics", timeout: .seconds(10))).text
        var sums: [String: Double] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            let parts = line.split(separator: " ")
            guard parts.count >= 2, let value = Double(parts[parts.count - 1]) else { continue }
            let name = String(parts[0].prefix { $0 != "{" })
            sums[name, default: 0] += value
        }
        return sums
    }

    func configureSim(_ settings: JSONValue) async throws {
        _ = try await http.send(HTTPRequest(method: "POST", url: "http://127.0.0.1:\(ollamaPort)/_sim/config", headers: ["Content-Type": "application/json"],
                                            body: settings.serialized(), timeout: .seconds(10)))
    }
}

/// Reattaching to an answer that is still streaming: a client reads a few deltas and leaves, another
/// asks `GET /api/v1/messages/{id}/stream` with the last event id; the time to its first (missed) delta.
extension GatewayBench {
    func reattach(_ stack: GatewayStack) async throws -> JSONValue {
        let session = try await stack.session("returner")
        let conversation = try await stack.conversation(session)
        let content = (1...200).map { "word\($0)" }.joined(separator: " ")
        try await stack.configureSim(["token_ms": 5])
        defer { Task { try? await stack.configureSim(["token_ms": 0]) } }
        let headers = ["Content-Type": "application/json", "Accept": "text/event-stream", "Authorization": "Bearer \(session.token)"]
        var samples: [Double] = []
        for _ in 0..<30 {
            let ask = HTTPRequest(method: "POST", url: "http://127.0.0.1:\(stack.port)/api/v1/conversations/\(conversation)/messages",
                                  headers: headers, body: (["content": .string(content)] as JSONValue).serialized(), timeout: .seconds(30))
            let (answerID, lastID) = try await leaveAfterDeltas(stack, ask, count: 5)
            var again = headers
            again["Last-Event-ID"] = lastID
            let follow = HTTPRequest(method: "GET", url: "http://127.0.0.1:\(stack.port)/api/v1/messages/\(answerID)/stream", headers: again, timeout: .seconds(30))
            let started = ContinuousClock.now
            _ = try await leaveAfterDeltas(stack, follow, count: 1)
            samples.append(microseconds(ContinuousClock.now - started) / 1000)
            _ = try await stack.call("POST", "/api/v1/messages/\(answerID)/stop", token: session.token)
        }
        return percentiles(Array(samples.dropFirst(5)))
    }

    /// Reads `request`'s events until `count` deltas came, then disconnects: the answer's id and the last delta's id.
    private func leaveAfterDeltas(_ stack: GatewayStack, _ request: HTTPRequest, count: Int) async throws -> (String, String) {
        var text = ""
        for try await part in stack.http.stream(request) {
            guard case .body(let bytes) = part else { continue }
            text += String(decoding: bytes, as: UTF8.self)
            if text.components(separatedBy: "event: delta").count > count { break }
        }
        let answerID = text.firstMatch(of: /"message_id":"([0-9a-f-]+)"/).map { String($0.1) } ?? ""
        let lastID = text.matches(of: /\nid: (\d+)\n/).last.map { String($0.1) } ?? "0"
        return (answerID, lastID)
    }
}

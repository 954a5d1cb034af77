import Foundation
import GRDB
import MamiCore
import MamiHTTP

/// Search over one person's messages (`GET /api/v1/search`): `searchMessages` rows in 1 000 conversations,
/// written while the gateway is stopped (its FTS5 triggers index them), words drawn by Zipf's law from
/// a vocabulary of pseudo-words; then one-word and two-word queries of words people would look for
/// (frequency ranks 50 to 5 000), as typed (each word a prefix) and quoted (whole words only).
extension GatewayBench {
    static let vocabularySize = 30_000
    static let syllables = ["ka", "lo", "mi", "ter", "san", "du", "ve", "ri", "on", "pa", "sel", "mu", "ar", "te", "bi", "no",
                            "ga", "zu", "fer", "li", "ost", "ne", "ko", "ba", "ril", "em", "ta", "si", "vor", "ul"]

    /// The word of frequency rank `rank`: syllables spelling it in base 30, at least two.
    static func word(_ rank: Int) -> String {
        var value = rank + syllables.count
        var word = ""
        while value > 0 {
            word += syllables[value % syllables.count]
            value /= syllables.count
        }
        return word
    }

    func search(_ stack: GatewayStack) async throws -> JSONValue {
        let session = try await stack.session("searcher")
        var conversations: [String] = []
        for _ in 0..<1_000 { conversations.append(try await stack.conversation(session)) }
        let started = ContinuousClock.now
        try await stack.restartGateway { try await fillForSearch(conversations, database: "\(directory)/lib/gateway.db") }
        let filled = microseconds(ContinuousClock.now - started) / 1_000_000
        var generator = BenchGenerator(seed: 11)
        let pick = { (generator: inout BenchGenerator) in Self.word(Int.random(in: 50...5_000, using: &generator)) }
        var report: [String: JSONValue] = ["messages": .int(Int64(searchMessages)), "fill_seconds": .double(filled.rounded())]
        for (name, make) in [("one_word", { (g: inout BenchGenerator) in pick(&g) }),
                             ("two_words", { (g: inout BenchGenerator) in pick(&g) + " " + pick(&g) }),
                             ("one_word_whole", { (g: inout BenchGenerator) in "\"\(pick(&g))\"" })] {
            var samples: [Double] = []
            var hits = 0
            for _ in 0..<220 {
                let query = make(&generator)
                let begun = ContinuousClock.now
                let page = try await stack.call("GET", "/api/v1/search?q=\(query.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? query)",
                                                token: session.token)
                samples.append(microseconds(ContinuousClock.now - begun) / 1000)
                hits += page["items"]?.arrayValue?.count ?? 0
            }
            var figures = percentiles(Array(samples.dropFirst(20)))
            figures = .object((figures.objectValue ?? [:]).merging(["mean_hits": .double(Double(hits) / 220)]) { $1 })
            report[name] = figures
        }
        return .object(report)
    }

    var searchMessages: Int { messages }

    /// `searchMessages` messages of 4 to 20 Zipf-drawn words, alternating person and assistant, one branch per conversation.
    func fillForSearch(_ conversations: [String], database path: String) async throws {
        let database = try DatabaseQueue(path: path)
        let cumulative = Self.zipfCumulative()
        let total = searchMessages
        try await database.write { db in
            let statement = try db.makeStatement(sql: """
                INSERT INTO messages (id, conversation_id, parent_id, parent_seq, role, content, kind, status, created_at)
                VALUES (?, ?, ?, ?, ?, ?, 'text', 'complete', ?)
                """)
            var generator = BenchGenerator(seed: 5)
            var last: [String: (id: String, seq: Int64)] = [:]
            let now = Date().timeIntervalSince1970
            for index in 0..<total {
                let conversation = conversations[index % conversations.count]
                let words = (0..<Int.random(in: 4...20, using: &generator)).map { _ in
                    Self.word(Self.rank(Double.random(in: 0..<1, using: &generator), cumulative))
                }
                let id = UUID().uuidString.lowercased()
                try statement.execute(arguments: [id, conversation, last[conversation]?.id, last[conversation]?.seq, index % 2 == 0 ? "user" : "assistant",
                                                  words.joined(separator: " "), now])
                last[conversation] = (id, db.lastInsertedRowID)
            }
            for (conversation, newest) in last {
                try db.execute(sql: "UPDATE conversations SET current_id = ? WHERE id = ?", arguments: [newest.id, conversation])
            }
        }
    }

    static func zipfCumulative() -> [Double] {
        var sums: [Double] = []
        var sum = 0.0
        for rank in 1...vocabularySize {
            sum += 1 / Double(rank)
            sums.append(sum)
        }
        return sums.map { $0 / sum }
    }

    /// The rank (from 0) whose cumulative share first reaches `u`.
    static func rank(_ u: Double, _ cumulative: [Double]) -> Int {
        var (low, high) = (0, cumulative.count - 1)
        while low < high {
            let middle = (low + high) / 2
            if cumulative[middle] < u { low = middle + 1 } else { high = middle }
        }
        return low
    }
}

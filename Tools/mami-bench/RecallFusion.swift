import Foundation
import GRDB
import MamiCore

/// The development set's texts in an in-memory SQLite FTS5 table (`unicode61 remove_diacritics 2`, so "kaçta" and
/// "kacta", "İlk" and "ilk" meet), ranked by `bm25()`: the lexical ranking to fuse with the vectors', measured
/// here before the memory service grows one.
struct BM25Index {
    let database: DatabaseQueue

    init(_ items: [RecallItem]) async throws {
        database = try DatabaseQueue()
        try await database.write { db in
            try db.execute(sql: "CREATE VIRTUAL TABLE texts USING fts5(id UNINDEXED, text, tokenize = 'unicode61 remove_diacritics 2')")
            for item in items {
                try db.execute(sql: "INSERT INTO texts (id, text) VALUES (?, ?)", arguments: [item.id, item.text])
            }
        }
    }

    /// The ids of the texts holding any of the question's words, best first.
    func ranking(_ question: String) async throws -> [String] {
        let words = question.split { !$0.isLetter && !$0.isNumber }.map { "\"\($0)\"" }
        guard !words.isEmpty else { return [] }
        return try await database.read { db in
            try String.fetchAll(db, sql: "SELECT id FROM texts WHERE texts MATCH ? ORDER BY bm25(texts) LIMIT ?",
                                arguments: [words.joined(separator: " OR "), RecallBench.everything])
        }
    }
}

/// Reciprocal-rank fusion of the vectors' ranking and BM25's: each text scores Σ 1 / (k + rank) over the rankings
/// it is in.
enum Fusion {
    static let k = 60

    static func fused(_ rankings: [[String]]) -> [String] {
        var score: [String: Double] = [:]
        var first: [String: Int] = [:]  // the order met in, to break ties (the vectors' ranking comes first)
        for ranking in rankings {
            var seen = Set<String>()
            for id in ranking where seen.insert(id).inserted {
                score[id, default: 0] += 1 / Double(k + seen.count)
                if first[id] == nil { first[id] = first.count }
            }
        }
        return score.keys.sorted { (score[$0]!, first[$1]!) > (score[$1]!, first[$0]!) }
    }

    /// recall@1/@3 and MRR of BM25 alone, of the vectors alone and of their fusion (of the whole rankings, and of
    /// each one's top ``RecallBench/depth`` only, as a service would fuse its candidates), over the same questions.
    static func compare(_ rankings: [RecallRanking], text index: BM25Index) async throws -> JSONValue {
        var bm25: [RecallRank] = [], vectors: [RecallRank] = [], rrf: [RecallRank] = [], rrfTop: [RecallRank] = []
        for ranking in rankings {
            let lexical = try await index.ranking(ranking.question)
            let semantic = ranking.hits.map(\.id)
            bm25.append(RecallRank(question: ranking.question, ids: lexical, answer: ranking.answer))
            vectors.append(RecallRank(question: ranking.question, ids: semantic, answer: ranking.answer))
            rrf.append(RecallRank(question: ranking.question, ids: fused([semantic, lexical]), answer: ranking.answer))
            let candidates = [semantic, lexical].map { Array($0.prefix(RecallBench.depth)) }
            rrfTop.append(RecallRank(question: ranking.question, ids: fused(candidates), answer: ranking.answer))
        }
        return ["bm25": RecallScores(ranks: bm25).json, "vectors": RecallScores(ranks: vectors).json, "rrf": RecallScores(ranks: rrf).json,
                "rrf_top_10": RecallScores(ranks: rrfTop).json]
    }
}

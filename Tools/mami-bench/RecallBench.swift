import ArgumentParser
import Foundation
import MamiCore
import MamiWire

/// The recall development set (`Benchmarks/recall/`) against mami-memory with
/// the embedder its environment chooses: every fact stored for one owner, every
/// passage ingested as a document of its own; each question searched; the rank
/// of the right answer among the top ten gives recall@1, recall@3 and MRR. The
/// relevance threshold is measured as chat asks (`relevant: true`, k = 5 for
/// memories, 3 for passages), with the scores to calibrate it by; and a BM25
/// ranking (SQLite FTS5) of the same texts, alone and fused with the vectors'.
struct RecallBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "recall", abstract: "Recall@1/@3 and MRR on the development set.")

    @Option(help: "The mami-memory executable.") var service: String
    @Option(help: "A scratch directory for its socket and database.") var directory: String
    @Option(help: "The directory holding facts.json and documents.json.") var set: String
    @Option(help: "A name for the embedder under test, for the report.") var embedder = "built-in"
    static let owner = "recall"
    static let depth = 10
    /// Every stored text (the service's largest k): the right answer's score is always known.
    static let everything = 100
    static let memories = RecallSearch(method: "memory.search", idKey: "id", relevantK: 5)
    static let passages = RecallSearch(method: "doc.search", idKey: "document_id", relevantK: 3)

    func run() async throws {
        let facts = try RecallSet.facts(at: "\(set)/facts.json")
        let passages = try RecallSet.passages(at: "\(set)/documents.json")
        let unrelatedToFacts = try RecallSet.unrelated(at: "\(set)/facts.json")
        let unrelatedToPassages = unrelatedToFacts + (try RecallSet.unrelated(at: "\(set)/documents.json"))
        let service = try await MemoryServiceProcess(executable: service, directory: directory)
        defer { service.stop() }
        var byID: [String: String] = [:]  // the service's id → the set's id
        for fact in facts {
            let added = try await service.call("memory.add", ["owner": .string(Self.owner), "text": .string(fact.text), "source_id": .string(fact.id)])
            byID[added["id"]?.stringValue ?? ""] = fact.id
        }
        let merged = facts.count - byID.count
        let storedFacts = Set(byID.values)
        for passage in passages {
            let added = try await service.call("doc.ingest", ["owner": .string(Self.owner), "title": .string(passage.title), "text": .string(passage.text), "wait": true])
            byID[added["id"]?.stringValue ?? ""] = passage.id
        }
        let search = RecallSearcher(service: service, byID: byID)
        let factRankings = try await search.rankings(facts, Self.memories)
        let passageRankings = try await search.rankings(passages, Self.passages)
        let factText = try await BM25Index(facts.filter { storedFacts.contains($0.id) })
        let passageText = try await BM25Index(passages)
        print(JSONValue.object([
            "mode": "recall", "embedder": .string(embedder), "merged_facts": .int(Int64(merged)),
            "facts": RecallScores(ranks: factRankings.map(\.vectorRank)).json,
            "documents": RecallScores(ranks: passageRankings.map(\.vectorRank)).json,
            "relevance": [
                "facts": try await search.relevance(factRankings, unrelated: unrelatedToFacts, Self.memories),
                "documents": try await search.relevance(passageRankings, unrelated: unrelatedToPassages, Self.passages),
            ],
            "fusion": [
                "rrf_k": .int(Int64(Fusion.k)),
                "facts": try await Fusion.compare(factRankings, text: factText),
                "documents": try await Fusion.compare(passageRankings, text: passageText),
            ],
        ]).jsonText)
    }
}

/// A search method of mami-memory and the k chat asks it for `relevant` hits with.
struct RecallSearch: Sendable {
    var method: String
    var idKey: String
    var relevantK: Int
}

/// One hit of a vector search, by the set's id.
struct RecallHit: Sendable {
    var id: String
    var score: Double
}

/// A question, the id of its answer, and the service's whole ranking for it, best first.
struct RecallRanking: Sendable {
    var question: String
    var answer: String
    var hits: [RecallHit]

    /// The rank of the answer among the top ``RecallBench/depth`` (nil when it is not there).
    var vectorRank: RecallRank { RecallRank(question: question, ids: hits.map(\.id), answer: answer) }
    var rightScore: Double? { hits.first { $0.id == answer }?.score }
}

struct RecallSearcher {
    let service: MemoryServiceProcess
    let byID: [String: String]

    func hits(_ question: String, _ search: RecallSearch, k: Int, relevant: Bool = false) async throws -> [RecallHit] {
        let params: JSONValue = ["owner": .string(RecallBench.owner), "query": .string(question), "k": .int(Int64(k)), "relevant": .bool(relevant)]
        return try await service.call(search.method, params)["results"]?.arrayValue?.compactMap { hit in
            byID[hit[search.idKey]?.stringValue ?? ""].map { RecallHit(id: $0, score: hit["score"]?.doubleValue ?? 0) }
        } ?? []
    }

    func rankings(_ items: [RecallItem], _ search: RecallSearch) async throws -> [RecallRanking] {
        var rankings: [RecallRanking] = []
        for item in items {
            for question in item.questions {
                rankings.append(RecallRanking(question: question, answer: item.id, hits: try await hits(question, search, k: RecallBench.everything)))
            }
        }
        return rankings
    }

    /// The relevance threshold as chat meets it (`relevant: true`, the search's k): how many questions still get their
    /// answer among the hits, and how many unrelated questions get none at all; with the right answers' scores, the
    /// unrelated questions' best scores, and what other thresholds would keep, to calibrate it by.
    func relevance(_ rankings: [RecallRanking], unrelated: [String], _ search: RecallSearch) async throws -> JSONValue {
        var kept = 0, empty = 0
        var unrelatedBest: [Double] = []
        for ranking in rankings where try await hits(ranking.question, search, k: search.relevantK, relevant: true).contains(where: { $0.id == ranking.answer }) {
            kept += 1
        }
        for question in unrelated {
            if try await hits(question, search, k: search.relevantK, relevant: true).isEmpty { empty += 1 }
            unrelatedBest.append(try await hits(question, search, k: 1).first?.score ?? -1)
        }
        let right = rankings.compactMap(\.rightScore)
        let sweep = (0...16).map { step -> JSONValue in
            let threshold = Double(step) * 0.025
            let recalled = rankings.filter { ranking in
                ranking.hits.prefix(search.relevantK).contains { $0.id == ranking.answer && $0.score >= threshold - 1e-9 }
            }.count
            return ["threshold": rounded(threshold), "right_recalled": .int(Int64(recalled)),
                    "unrelated_recalled_nothing": .int(Int64(unrelatedBest.filter { $0 < threshold - 1e-9 }.count))]
        }
        return [
            "k": .int(Int64(search.relevantK)), "questions": .int(Int64(rankings.count)), "right_recalled": .int(Int64(kept)),
            "unrelated": .int(Int64(unrelated.count)), "unrelated_recalled_nothing": .int(Int64(empty)),
            "right_score": ["n": .int(Int64(right.count)), "min": rounded(quantile(right, 0)), "p10": rounded(quantile(right, 0.1)),
                            "median": rounded(quantile(right, 0.5))],
            "unrelated_best_score": ["n": .int(Int64(unrelatedBest.count)), "median": rounded(quantile(unrelatedBest, 0.5)),
                                     "p90": rounded(quantile(unrelatedBest, 0.9)), "max": rounded(quantile(unrelatedBest, 1))],
            "sweep": .array(sweep),
        ]
    }

    /// The nearest-rank quantile `q` (0…1) of `values`; 0 when there are none.
    private func quantile(_ values: [Double], _ q: Double) -> Double {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return 0 }
        return sorted[min(sorted.count - 1, Int(Double(sorted.count) * q))]
    }

    private func rounded(_ value: Double) -> JSONValue { .double((value * 1000).rounded() / 1000) }
}

/// A fact or a passage with the questions it answers.
struct RecallItem: Sendable {
    var id: String
    var title: String
    var text: String
    var questions: [String]
}

enum RecallSet {
    static func facts(at path: String) throws -> [RecallItem] {
        try load(path)["facts"]?.arrayValue?.map { try item($0, title: "") } ?? []
    }

    static func passages(at path: String) throws -> [RecallItem] {
        try load(path)["documents"]?.arrayValue?.flatMap { document in
            try document["passages"]?.arrayValue?.map { try item($0, title: document["title"]?.stringValue ?? "") } ?? []
        } ?? []
    }

    static func unrelated(at path: String) throws -> [String] {
        try load(path)["unrelated"]?.arrayValue?.compactMap(\.stringValue) ?? []
    }

    private static func load(_ path: String) throws -> JSONValue {
        try JSONValue(parsing: Array(try Data(contentsOf: URL(fileURLWithPath: path))))
    }

    private static func item(_ value: JSONValue, title: String) throws -> RecallItem {
        guard let id = value["id"]?.stringValue, let text = value["text"]?.stringValue,
              let questions = value["questions"]?.arrayValue?.compactMap(\.stringValue), !questions.isEmpty else {
            throw ValidationError("an entry without id, text or questions: \(value.jsonText)")
        }
        return RecallItem(id: id, title: title, text: text, questions: questions)
    }
}

struct RecallRank: Sendable {
    var question: String
    var rank: Int?

    /// The 1-based rank of `answer` among the first ``RecallBench/depth`` of `ids`.
    init(question: String, ids: [String], answer: String) {
        self.question = question
        rank = ids.prefix(RecallBench.depth).firstIndex(of: answer).map { $0 + 1 }
    }
}

/// recall@1, recall@3 and mean reciprocal rank, with the questions that missed the top three.
struct RecallScores {
    var ranks: [RecallRank]

    var json: JSONValue {
        let count = Double(max(ranks.count, 1))
        let within = { (k: Int) in Double(ranks.filter { ($0.rank ?? .max) <= k }.count) / count }
        let mrr = ranks.map { $0.rank.map { 1 / Double($0) } ?? 0 }.reduce(0, +) / count
        let round3: (Double) -> JSONValue = { .double(($0 * 1000).rounded() / 1000) }
        return [
            "questions": .int(Int64(ranks.count)), "recall_at_1": round3(within(1)), "recall_at_3": round3(within(3)), "mrr": round3(mrr),
            "missed_top_3": .array(ranks.filter { ($0.rank ?? .max) > 3 }.map { .string($0.question) }),
        ]
    }
}

/// mami-memory started for a benchmark, with its client.
struct MemoryServiceProcess {
    let process: Process
    let client: RPCClient

    init(executable: String, directory: String) async throws {
        process = try ImageStack.launch(executable, [], [
            "MAMI_RUNTIME_DIR": "\(directory)/run", "MAMI_STATE_DIR": "\(directory)/lib", "MAMI_LOG_LEVEL": "warning",
        ], log: "\(directory)/memory.log")
        client = RPCClient(configuration: .init(path: "\(directory)/run/memory.sock", initialBackoff: .milliseconds(5), maximumBackoff: .milliseconds(20)))
        for _ in 0..<1000 {
            if (try? await client.call("sys.health", timeout: .seconds(1))) != nil { return }
            try await Task.sleep(for: .milliseconds(10))
        }
        process.terminate()
        throw RPCError(.unavailable, "mami-memory did not come up")
    }

    func call(_ method: String, _ params: JSONValue) async throws -> JSONValue {
        try await client.call(method, params: params, timeout: .seconds(60))
    }

    func stop() {
        process.terminate()
        process.waitUntilExit()
    }
}

import ArgumentParser
import Foundation
import MamiCore
import MamiWire

/// The recall development set (`Benchmarks/recall/`) against mami-memory with
/// the embedder its environment chooses: every fact stored for one owner, every
/// passage ingested as a document of its own; each question searched; the rank
/// of the right answer among the top ten gives recall@1, recall@3 and MRR.
struct RecallBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "recall", abstract: "Recall@1/@3 and MRR on the development set.")

    @Option(help: "The mami-memory executable.") var service: String
    @Option(help: "A scratch directory for its socket and database.") var directory: String
    @Option(help: "The directory holding facts.json and documents.json.") var set: String
    @Option(help: "A name for the embedder under test, for the report.") var embedder = "built-in"
    static let owner = "recall"
    static let depth = 10

    func run() async throws {
        let facts = try RecallSet.facts(at: "\(set)/facts.json")
        let passages = try RecallSet.passages(at: "\(set)/documents.json")
        let service = try await MemoryServiceProcess(executable: service, directory: directory)
        defer { service.stop() }
        var byID: [String: String] = [:]  // the service's id → the set's id
        for fact in facts {
            let added = try await service.call("memory.add", ["owner": .string(Self.owner), "text": .string(fact.text), "source_id": .string(fact.id)])
            byID[added["id"]?.stringValue ?? ""] = fact.id
        }
        let merged = facts.count - byID.count
        for passage in passages {
            let added = try await service.call("doc.ingest", ["owner": .string(Self.owner), "title": .string(passage.title), "text": .string(passage.text)])
            byID[added["id"]?.stringValue ?? ""] = passage.id
        }
        let factRanks = try await ranks(facts, method: "memory.search", idKey: "id", service: service, byID: byID)
        let threshold = try await relevance(facts, unrelated: try RecallSet.unrelated(at: "\(set)/facts.json"), service: service, byID: byID)
        let passageRanks = try await ranks(passages, method: "doc.search", idKey: "document_id", service: service, byID: byID)
        print(JSONValue.object([
            "mode": "recall", "embedder": .string(embedder), "merged_facts": .int(Int64(merged)),
            "facts": RecallScores(ranks: factRanks).json, "documents": RecallScores(ranks: passageRanks).json, "relevance": threshold,
        ]).jsonText)
    }

    /// The recall threshold (`memory.search` with `relevant: true`, as chat asks) on the facts: how many questions
    /// still get their fact among the hits, and how many unrelated questions get no memory at all.
    func relevance(_ facts: [RecallItem], unrelated: [String], service: MemoryServiceProcess, byID: [String: String]) async throws -> JSONValue {
        func hits(_ question: String) async throws -> [String] {
            let params: JSONValue = ["owner": .string(Self.owner), "query": .string(question), "k": 5, "relevant": true]
            return try await service.call("memory.search", params)["results"]?.arrayValue?.compactMap { byID[$0["id"]?.stringValue ?? ""] } ?? []
        }
        var kept = 0, questions = 0, empty = 0
        for fact in facts {
            for question in fact.questions {
                questions += 1
                if try await hits(question).contains(fact.id) { kept += 1 }
            }
        }
        for question in unrelated where try await hits(question).isEmpty { empty += 1 }
        return ["questions": .int(Int64(questions)), "right_fact_recalled": .int(Int64(kept)),
                "unrelated": .int(Int64(unrelated.count)), "unrelated_recalled_nothing": .int(Int64(empty))]
    }

    /// For each question, the 1-based rank of its answer in the top ``depth`` (nil when it is not there).
    func ranks(_ items: [RecallItem], method: String, idKey: String, service: MemoryServiceProcess, byID: [String: String]) async throws -> [RecallRank] {
        var ranks: [RecallRank] = []
        for item in items {
            for question in item.questions {
                let answer = try await service.call(method, ["owner": .string(Self.owner), "query": .string(question), "k": .int(Int64(Self.depth))])
                let found = answer["results"]?.arrayValue?.map { byID[$0[idKey]?.stringValue ?? ""] } ?? []
                ranks.append(RecallRank(question: question, rank: found.firstIndex(of: item.id).map { $0 + 1 }))
            }
        }
        return ranks
    }
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

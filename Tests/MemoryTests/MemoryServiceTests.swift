import Foundation
import MamiCore
import MamiWire
import ServiceTestSupport
import Testing

/// The memory service's promises, against the real process over its socket.
@Suite struct MemoryServiceTests {
    @Test func aSearchNeverReturnsAnotherOwnersMemoryAndFillsK() async throws {
        let memory = try await MemoryProcess.start()
        var generator = SeededGenerator(seed: 7)
        var byOwner: [String: Int] = [:]
        for batch in 0..<10 {
            let items: [JSONValue] = (0..<100).map { item in
                let owner = "owner-\((batch * 100 + item) % 10)"
                byOwner[owner, default: 0] += 1
                return ["owner": .string(owner), "text": .string("memory \(batch)-\(item)"), "embedding": randomVector(&generator)]
            }
            _ = try await memory.call("memory.add_many", ["items": .array(items)])
        }
        for owner in byOwner.keys.sorted() {
            for k: Int64 in [1, 5, 100] {
                let results = try await memory.search(["owner": .string(owner), "embedding": randomVector(&generator), "k": .int(k)])
                #expect(results.count == min(Int(k), byOwner[owner]!))
                let texts = Set(results.compactMap { $0["text"]?.stringValue })
                let listed = try await memory.allTexts(of: owner)
                #expect(texts.isSubset(of: listed), "\(owner) got another owner's memory")
            }
        }
        #expect(try await memory.search(["owner": "nobody", "query": "anything", "k": 100]).isEmpty)
        try await memory.stop()
    }

    @Test func duplicatesAreDetectedAndNearDuplicatesMerged() async throws {
        let memory = try await MemoryProcess.start()
        let first = try await memory.call("memory.add", ["owner": "ayşe", "text": "İstanbul'u seviyorum"])
        #expect(first["status"] == "added")
        let exact = try await memory.call("memory.add", ["owner": "ayşe", "text": "  istanbul'u   seviyorum "])
        #expect(exact["status"] == "duplicate")
        #expect(exact["id"] == first["id"])
        let elsewhere = try await memory.call("memory.add", ["owner": "fatma", "text": "İstanbul'u seviyorum"])
        #expect(elsewhere["status"] == "added", "dedup is per owner")

        var generator = SeededGenerator(seed: 11)
        let base = randomFloats(&generator)
        let near = zip(base, randomFloats(&generator)).map { $0 + 0.05 * $1 }
        let original = try await memory.call("memory.add", ["owner": "ayşe", "text": "I live in Kadıköy", "embedding": json(base)])
        let merged = try await memory.call("memory.add", ["owner": "ayşe", "text": "I am living in Kadıköy", "embedding": json(near)])
        #expect(merged["status"] == "merged")
        #expect(merged["duplicate_of"] == original["id"])
        let far = try await memory.call("memory.add", ["owner": "ayşe", "text": "Something else", "embedding": json(randomFloats(&generator))])
        #expect(far["status"] == "added")
        #expect(try await memory.allTexts(of: "ayşe").count == 3)
        try await memory.stop()
    }

    @Test func replayingASourceIDReturnsTheFirstAnswerAndWritesNothing() async throws {
        let memory = try await MemoryProcess.start()
        let first = try await memory.call("memory.add", ["owner": "o", "text": "The answer was 42", "source_id": "msg-1"])
        let replay = try await memory.call("memory.add", ["owner": "o", "text": "a different text", "source_id": "msg-1"])
        #expect(replay == first)
        #expect(try await memory.allTexts(of: "o") == ["The answer was 42"])
        try await memory.stop()
    }

    @Test func concurrentAddsOfTheSameTextLeaveOneRow() async throws {
        let memory = try await MemoryProcess.start()
        let answers = try await withThrowingTaskGroup(of: JSONValue.self) { group in
            for _ in 0..<40 {
                group.addTask { try await memory.call("memory.add", ["owner": "o", "text": "Same fact, said many times"]) }
            }
            return try await group.reduce(into: [JSONValue]()) { $0.append($1) }
        }
        #expect(Set(answers.compactMap { $0["id"] }).count == 1)
        #expect(answers.filter { $0["status"] == "added" }.count == 1)
        #expect(try await memory.allTexts(of: "o").count == 1)
        try await memory.stop()
    }

    /// Sixty numbered texts: a sentence encoder rightly calls many of them near-duplicates, the hashing embedder keeps each.
    @Test func everythingAcknowledgedBeforeSIGKILLIsFoundAfterRestart() async throws {
        let hashing = ["MAMI_EMBEDDER": "hashing"]
        let memory = try await MemoryProcess.start(extra: hashing)
        var acknowledged: [String] = []
        for number in 0..<60 {
            let text = "fact number \(number) about the garden"
            _ = try await memory.call("memory.add", ["owner": "gardener", "text": .string(text)])
            acknowledged.append(text)
        }
        memory.process.signal(SIGKILL)
        _ = try await memory.process.waitForExit()
        let restarted = try await MemoryProcess.start(directory: memory.directory, extra: hashing)
        #expect(try await restarted.allTexts(of: "gardener") == Set(acknowledged))
        let hits = try await restarted.search(["owner": "gardener", "query": "fact number 17 about the garden", "k": 1])
        #expect(hits.first?["text"] == "fact number 17 about the garden")
        try await restarted.stop()
    }

    @Test func aTinyIndexBudgetStillGivesExactResults() async throws {
        let memory = try await MemoryProcess.start(extra: ["MAMI_MEMORY_INDEX_BYTES": "1"])
        var generator = SeededGenerator(seed: 3)
        var stored: [(owner: String, text: String, vector: [Float])] = []
        let items: [JSONValue] = (0..<300).map { number in
            let vector = normalize(randomFloats(&generator))
            let owner = "owner-\(number % 3)"
            stored.append((owner, "m\(number)", vector))
            return ["owner": .string(owner), "text": .string("m\(number)"), "embedding": json(vector)]
        }
        for start in stride(from: 0, to: items.count, by: 100) {
            _ = try await memory.call("memory.add_many", ["items": .array(Array(items[start..<start + 100]))])
        }
        for _ in 0..<10 {
            let query = normalize(randomFloats(&generator))
            let owner = "owner-\(Int.random(in: 0..<3, using: &generator))"
            let expected = stored.filter { $0.owner == owner }
                .map { ($0.text, zip($0.vector, query).reduce(Float(0)) { $0 + $1.0 * $1.1 }) }
                .sorted { $0.1 > $1.1 }.prefix(5).map(\.0)
            let results = try await memory.search(["owner": .string(owner), "embedding": json(query), "k": 5])
            #expect(results.compactMap { $0["text"]?.stringValue } == Array(expected))
        }
        let stats = try await memory.call("sys.stats", [:])
        #expect((stats["stats"]?["index"]?["evictions"]?.intValue ?? -1) >= 0)
        #expect(stats["stats"]?["index"]?["owners_cached"] == 0)
        try await memory.stop()
    }

    @Test func badInputIsRefusedNamingTheFieldAndWritesNothing() async throws {
        let memory = try await MemoryProcess.start()
        let cases: [(JSONValue, String)] = [
            (["owner": "o", "text": "   "], "text"),
            (["owner": "o", "text": .string(String(repeating: "x", count: 20_000))], "text"),
            (["owner": "o"], "text"),
            (["text": "hello"], "owner"),
            (["owner": "o", "text": "hello", "scope": "planet"], "scope"),
            (["owner": "o", "text": "hello", "scope": "conversation"], "conversation_id"),
            (["owner": "o", "text": "hello", "embedding": [1, 2, 3]], "embedding"),
            (["owner": "o", "text": "hello", "embedding": .array(Array(repeating: 0, count: 384))], "embedding"),
            (["owner": "o", "text": "hello", "embedding": .array(Array(repeating: "x", count: 384))], "embedding"),
        ]
        for (params, field) in cases {
            let error = await memory.error(of: "memory.add", params)
            #expect(error?.code == .invalidParams, "\(params)")
            #expect(error?.data?["field"]?.stringValue == field, "\(String(describing: error))")
        }
        for k: Int64 in [0, -1, 101] {
            let error = await memory.error(of: "memory.search", ["owner": "o", "query": "hello", "k": .int(k)])
            #expect(error?.data?["field"] == "k")
        }
        let stats = try await memory.call("sys.stats", [:])
        #expect(stats["stats"]?["memories"] == 0)
        try await memory.stop()
    }

    /// An embedder that cannot be reached: the stored vectors keep answering, and the re-index says what stops it.
    @Test func startingWithAnotherEmbedderKeepsTheOldVectorsAnsweringMeanwhile() async throws {
        let memory = try await MemoryProcess.start()
        _ = try await memory.call("memory.add", ["owner": "o", "text": "made by the default embedder"])
        try await memory.stop()
        let other = try await MemoryProcess.start(
            directory: memory.directory, extra: ["MAMI_EMBEDDER": "engine", "MAMI_EMBED_MODEL": "all-minilm", "MAMI_OLLAMA_URL": "http://127.0.0.1:9"])
        let hits = try await other.search(["owner": "o", "query": "what made this?", "k": 1])
        #expect(hits.first?["text"] == "made by the default embedder")
        var progress: JSONValue?
        for _ in 0..<100 where progress?["error"] == nil || progress?["error"] == .null {
            progress = try await other.call("sys.stats", [:])["stats"]?["reindex"]
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(progress?["to"] == "ollama:all-minilm")
        #expect(progress?["done"] == 0)
        #expect(progress?["total"] == 1)
        #expect(progress?["error"]?.stringValue?.isEmpty == false, "\(String(describing: progress))")
        let stats = try await other.call("sys.stats", [:])["stats"]
        #expect(stats?["embedder"] == "multilingual-e5-small-q4")
        try await other.stop()
    }
}

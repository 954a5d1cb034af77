import Foundation
import MamiCore
import MamiWire
import ServiceTestSupport
import Testing

/// Changing the embedder re-embeds memory.db in the background (docs/protocol.md, "Changing the embedder").
@Suite struct ReindexTests {
    static let owners = 20
    static let words = ["garden", "river", "bread", "violin", "lemon", "winter", "train", "ocean", "pepper", "candle", "forest", "tiger",
                        "copper", "meadow", "kettle", "planet", "harbor", "silver", "thunder", "marble"]

    /// 10 000 memories and a document made by the hashing embedder, then the service started with an engine's
    /// embedder, killed midway through the re-index, and started again.
    @Test func switchingEmbedderReindexesSurvivesAKillAndLosesNothing() async throws {
        let directory = try makeScratchDirectory()
        let sim = try await SimProcess(directory: directory)
        let first = try await MemoryProcess.start(directory: directory, extra: ["MAMI_EMBEDDER": "hashing"])
        var generator = SeededGenerator(seed: 11)
        let letters = Array("abcdefghijklmnopqrstuvwxyz")
        let texts = (0..<10_000).map { _ in
            "note " + String((0..<8).map { _ in letters[Int(generator.next() % 26)] }) + ": "
                + (0..<4).map { _ in Self.words[Int(generator.next() % UInt64(Self.words.count))] }.joined(separator: " ")
        }
        for batch in stride(from: 0, to: texts.count, by: 1000) {
            let items = texts[batch..<batch + 1000].enumerated().map { offset, text -> JSONValue in
                ["owner": .string("o\((batch + offset) % Self.owners)"), "text": .string(text)]
            }
            let results = try await first.call("memory.add_many", ["items": .array(items)])["results"]?.arrayValue ?? []
            #expect(results.allSatisfy { $0["status"] == "added" })
        }
        _ = try await first.call("doc.ingest", ["owner": "o0", "title": "Bees", "text": "Honey bees keep their hive warm in winter by shivering.", "wait": true])
        try await first.stop()

        let engine = ["MAMI_EMBEDDER": "engine", "MAMI_EMBED_MODEL": "all-minilm", "MAMI_OLLAMA_URL": sim.ollamaURL]
        let second = try await MemoryProcess.start(directory: directory, extra: engine)
        var killedAt = 0
        while killedAt < 2000 {
            let progress = try await second.call("sys.stats", [:])["stats"]?["reindex"]
            #expect(progress?["to"] == "ollama:all-minilm")
            killedAt = Int(progress?["done"]?.intValue ?? 0)
            // Meanwhile the hashing vectors answer, with the hashing embedder's query vectors.
            let hits = try await second.search(["owner": "o3", "query": .string(texts[3]), "k": 1])
            #expect(hits.first?["text"]?.stringValue == texts[3])
        }
        second.process.signal(SIGKILL)
        _ = try await second.process.waitForExit()
        try #require(killedAt < texts.count + 1, "the kill came before the re-index finished")

        let third = try await MemoryProcess.start(directory: directory, extra: engine)
        let deadline = ContinuousClock.now + .seconds(180)
        while try await third.call("sys.stats", [:])["stats"]?["reindex"] != .null {
            try #require(ContinuousClock.now < deadline, "the re-index did not finish")
            try await Task.sleep(for: .milliseconds(100))
        }
        let stats = try await third.call("sys.stats", [:])["stats"]
        #expect(stats?["embedder"] == "ollama:all-minilm")
        #expect(stats?["memories"] == 10_000)
        for owner in 0..<Self.owners {
            let expected = Set(texts.enumerated().filter { $0.offset % Self.owners == owner }.map(\.element))
            #expect(try await third.allTexts(of: "o\(owner)") == expected)
        }
        for number in stride(from: 0, to: texts.count, by: 97) {
            let hits = try await third.search(["owner": .string("o\(number % Self.owners)"), "query": .string(texts[number]), "k": 1])
            #expect(hits.first?["text"]?.stringValue == texts[number], "\(texts[number])")
        }
        let chunks = try await third.call("doc.search", ["owner": "o0", "query": "How do bees stay warm?", "k": 1])["results"]?.arrayValue
        #expect(chunks?.first?["title"] == "Bees")
        #expect(try await sim.calls(to: "/api/embed").isEmpty == false)
        try await third.stop()
        await sim.stop()
    }
}

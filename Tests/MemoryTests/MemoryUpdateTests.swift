import Foundation
import MamiCore
import MamiWire
import ServiceTestSupport
import Testing

/// Updating, not piling up: a memory with the topic of a current one replaces it and keeps the old text
/// in its history; the list shows each memory's origin and history. Real process, the sentence encoder.
@Suite struct MemoryUpdateTests {
    @Test func aNewerFactOfTheSameTopicReplacesTheOldAndKeepsItsHistory() async throws {
        let memory = try await MemoryProcess.start()
        let first = try await memory.call("memory.add", [
            "owner": "irem", "text": "The person lives in İzmir.", "topic": "self/home", "source_id": "a1#0",
            "origin": ["message_id": "m1", "conversation_id": "c1"],
        ])
        #expect(first["status"] == "added")
        _ = try await memory.call("memory.add", ["owner": "irem", "text": "The person loves cats."])
        let moved = try await memory.call("memory.add", [
            "owner": "irem", "text": "The person moved to Ankara.", "topic": "self/home", "source_id": "a2#0",
            "origin": ["message_id": "m2", "conversation_id": "c2"],
        ])
        #expect(moved["status"] == "updated")
        #expect(moved["id"] == first["id"], "the memory keeps its id")
        #expect(moved["previous"] == "The person lives in İzmir.")

        let home = try await listed(memory, "irem").first { $0["id"] == first["id"] }
        #expect(home?["text"] == "The person moved to Ankara.")
        #expect(home?["topic"] == "self/home")
        #expect(home?["origin"] == ["message_id": "m2", "conversation_id": "c2"])
        let history = home?["history"]?.arrayValue ?? []
        #expect(history.count == 1)
        #expect(history.first?["text"] == "The person lives in İzmir.")
        #expect(history.first?["origin"] == ["message_id": "m1", "conversation_id": "c1"])
        #expect(history.first?["source_id"] == "a1#0")

        let hits = try await memory.search(["owner": "irem", "query": "Where do I live?", "k": 5])
        #expect(hits.first?["text"] == "The person moved to Ankara.")
        #expect(!hits.contains { $0["text"]?.stringValue?.contains("İzmir") == true }, "the replaced text is not recalled")

        let relevant = try await memory.search(["owner": "irem", "query": "Where do I live now?", "relevant": true])
        #expect(!relevant.contains { $0["text"] == "The person moved to Ankara." }, "'moved to' scores below the relevance threshold")
        let asked = try await memory.search(["owner": "irem", "query": "Where do I live now?", "relevant": true, "topic": "self/home"])
        #expect(asked.first?["text"] == "The person moved to Ankara.", "the topic's memory comes first whatever its score")

        let again = try await memory.call("memory.add", ["owner": "irem", "text": "the person moved to  Ankara.", "topic": "self/home"])
        #expect(again["status"] == "duplicate")
        let elsewhere = try await memory.call("memory.add", ["owner": "other", "text": "The person lives in Bursa.", "topic": "self/home"])
        #expect(elsewhere["status"] == "added", "topics are per owner")
        try await memory.stop()
    }

    /// Forty updates of one topic at once: one current memory, every earlier text in its history, after a restart too.
    @Test func concurrentUpdatesLeaveOneCurrentMemoryAndAWholeHistory() async throws {
        let memory = try await MemoryProcess.start(extra: ["MAMI_EMBEDDER": "hashing"])
        let cities = (0..<40).map { "The person lives in city number \($0)." }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for city in cities {
                group.addTask { _ = try await memory.call("memory.add", ["owner": "nomad", "text": .string(city), "topic": "self/home"]) }
            }
            try await group.waitForAll()
        }
        memory.process.signal(SIGKILL)
        _ = try await memory.process.waitForExit()
        let restarted = try await MemoryProcess.start(directory: memory.directory, extra: ["MAMI_EMBEDDER": "hashing"])
        let rows = try await listed(restarted, "nomad")
        #expect(rows.count == 1)
        let said = [rows.first?["text"]] + (rows.first?["history"]?.arrayValue ?? []).map { $0["text"] }
        #expect(Set(said.compactMap { $0?.stringValue }) == Set(cities))
        #expect(try await restarted.search(["owner": "nomad", "query": "city", "k": 10]).count == 1)

        #expect(try await restarted.call("memory.forget_owner", ["owner": "nomad"])["memories"] == 1)
        let fresh = try await restarted.call("memory.add", ["owner": "nomad", "text": "The person lives in Van.", "topic": "self/home"])
        #expect(fresh["status"] == "added")
        #expect(try await listed(restarted, "nomad").first?["history"] == [], "forgetting erases the history too")
        try await restarted.stop()
    }

    @Test func aBadOriginIsRefusedNamingTheField() async throws {
        let memory = try await MemoryProcess.start(extra: ["MAMI_EMBEDDER": "hashing"])
        let error = await memory.error(of: "memory.add", ["owner": "o", "text": "x", "origin": ["message_id": 7]])
        #expect(error?.data?["field"] == "origin.message_id")
        #expect(await memory.error(of: "memory.add", ["owner": "o", "text": "x", "origin": "m1"])?.data?["field"] == "origin")
        try await memory.stop()
    }

    private func listed(_ memory: MemoryProcess, _ owner: String) async throws -> [JSONValue] {
        try await memory.call("memory.list", ["owner": .string(owner), "limit": 200])["items"]?.arrayValue ?? []
    }
}

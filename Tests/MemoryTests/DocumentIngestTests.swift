import Foundation
import MamiCore
import MamiWire
import ServiceTestSupport
import Testing

/// Documents are embedded in the background: accepted at once, searched once every chunk is embedded,
/// resumed after a crash, gone without a trace when deleted midway. Real process, the sentence encoder.
@Suite struct DocumentIngestTests {
    /// About twenty-five chunks (three steps and more), each with a sentence of its own; the last one is found
    /// once the document is ready.
    static func longDocument(_ marker: String) -> String {
        (1...24).map { "Section \($0) of the allotment rules: plot \($0) is watered on its own day and its shed stays locked. "
            + String(repeating: "The committee meets on Thursdays and reads the minutes aloud. ", count: 9) }
            .joined(separator: "\n\n") + "\n\nThe \(marker) is kept under the third flagstone."
    }

    @Test func aDocumentIsAcceptedAtOnceSearchedWhenReadyAndResumedAfterAKill() async throws {
        let memory = try await MemoryProcess.start()
        let accepted = try await memory.call("doc.ingest", ["owner": "aylin", "title": "Allotment rules", "text": .string(Self.longDocument("spare gate key"))])
        #expect(accepted["status"] == "pending")
        let id = try #require(accepted["id"])
        let chunks = try #require(accepted["chunks"]?.intValue)
        #expect(chunks > 16)
        let early = try await memory.call("doc.get", ["owner": "aylin", "id": id])
        #expect(early["status"] == "pending")
        #expect(try await passages(memory, ["owner": "aylin", "query": "where is the spare gate key", "k": 3]).isEmpty,
                "no chunk is searched before the whole document is")
        try await waitFor(memory, id, owner: "aylin") { ($0["embedded"]?.intValue ?? 0) >= 8 }

        memory.process.signal(SIGKILL)
        _ = try await memory.process.waitForExit()
        let restarted = try await MemoryProcess.start(directory: memory.directory)
        let ready = try await waitFor(restarted, id, owner: "aylin", within: .seconds(240)) { $0["status"] == "ready" }
        #expect(ready["embedded"]?.intValue == chunks)
        let hits = try await passages(restarted, ["owner": "aylin", "query": "where is the spare gate key kept", "k": 3])
        #expect(hits.first?["text"]?.stringValue?.contains("third flagstone") == true)
        let stored = try await restarted.call("sys.stats", [:])["stats"]
        #expect(stored?["chunks"]?.intValue == chunks, "every chunk once, none twice after the restart")
        #expect(stored?["ingest"]?["pending"] == 0)
        try await restarted.stop()
    }

    @Test func aDocumentDeletedWhileEmbeddedLeavesNothing() async throws {
        let memory = try await MemoryProcess.start()
        let accepted = try await memory.call("doc.ingest", ["owner": "emre", "title": "Rules", "text": .string(Self.longDocument("boat hook"))])
        let id = try #require(accepted["id"])
        #expect(try await memory.call("doc.delete", ["owner": "emre", "id": id])["deleted"] == true)
        let waited = try await memory.call("doc.ingest", ["owner": "emre", "title": "Note", "text": "The kayak paddles hang in the garage.", "wait": true],
                                           timeout: .seconds(120))
        #expect(waited["status"] == "ready", "the ingester went on to the next document")
        #expect(await memory.error(of: "doc.get", ["owner": "emre", "id": id])?.code == .notFound)
        let stats = try await memory.call("sys.stats", [:])["stats"]
        #expect(stats?["documents"] == 1)
        #expect(stats?["chunks"] == 1, "no chunk of the deleted document")
        try await memory.stop()
    }

    /// Ten documents accepted at once while memories are added: every one becomes ready, each found by its own sentence.
    @Test func concurrentDocumentsAndMemoriesAllArrive() async throws {
        let memory = try await MemoryProcess.start()
        let ids = try await withThrowingTaskGroup(of: (Int, JSONValue).self) { group in
            for index in 0..<10 {
                group.addTask {
                    let text = "Locker \(index) holds the spare helmets of team \(index). Its code changes every spring."
                    return (index, try await memory.call("doc.ingest", ["owner": "club", "title": .string("Locker \(index)"), "text": .string(text)])["id"] ?? .null)
                }
                group.addTask { (-1, try await memory.call("memory.add", ["owner": "club", "text": .string("Team \(index) trains on day \(index)")])) }
            }
            return try await group.reduce(into: [Int: JSONValue]()) { if $1.0 >= 0 { $0[$1.0] = $1.1 } }
        }
        for (index, id) in ids {
            _ = try await waitFor(memory, id, owner: "club") { $0["status"] == "ready" }
            let hits = try await passages(memory, ["owner": "club", "query": .string("spare helmets of team \(index)"), "k": 1])
            #expect(hits.first?["document_id"] == id)
        }
        try await memory.stop()
    }

    func passages(_ memory: MemoryProcess, _ params: JSONValue) async throws -> [JSONValue] {
        try await memory.call("doc.search", params)["results"]?.arrayValue ?? []
    }

    @discardableResult
    func waitFor(_ memory: MemoryProcess, _ id: JSONValue, owner: String, within limit: Duration = .seconds(120),
                 until done: (JSONValue) -> Bool) async throws -> JSONValue {
        let deadline = ContinuousClock.now + limit
        while true {
            let document = try await memory.call("doc.get", ["owner": .string(owner), "id": id])
            if done(document) { return document }
            guard ContinuousClock.now < deadline else { throw TestTimeout(what: "document \(id): \(document)") }
            try await Task.sleep(for: .milliseconds(50))
        }
    }
}

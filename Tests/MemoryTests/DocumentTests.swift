import Foundation
import MamiCore
import MamiWire
import ServiceTestSupport
import Testing
@testable import MamiMemory

@Suite struct ChunkerTests {
    let text = (1...600).map { "word\($0)" }.joined(separator: " ") + " " + String(repeating: "x", count: 1000)

    @Test func chunksAreBoundedHoldWholeWordsAndOverlap() {
        let chunker = Chunker(maxCharacters: 200, overlapCharacters: 40)
        let chunks = chunker.chunks(of: text)
        #expect(chunks.count > 10)
        #expect(chunks.allSatisfy { $0.count <= 200 })
        let words = Set(text.split(separator: " ").map(String.init))
        for chunk in chunks.dropLast(5) {
            #expect(chunk.split(separator: " ").allSatisfy { words.contains(String($0)) }, "a word was cut in \(chunk)")
        }
        for (previous, next) in zip(chunks, chunks.dropFirst()) where !next.hasPrefix("x") {
            let lastWord = previous.split(separator: " ").last.map(String.init) ?? ""
            #expect(next.contains(lastWord), "no overlap between '\(previous.suffix(30))' and '\(next.prefix(30))'")
        }
        // Every word of the text is in some chunk, in order.
        #expect(chunks.joined(separator: " ").contains("word600"))
    }

    @Test func aWordLongerThanAChunkIsTheOnlyThingSplit() {
        let chunks = Chunker(maxCharacters: 300, overlapCharacters: 50).chunks(of: "short " + String(repeating: "y", count: 700))
        #expect(chunks.allSatisfy { $0.count <= 300 })
        #expect(chunks.joined().filter { $0 == "y" }.count >= 700)
    }
}

@Suite struct DocumentServiceTests {
    @Test func ingestSearchListDeleteAndForget() async throws {
        let memory = try await MemoryProcess.start()
        let manual = (1...200).map { "Step \($0): keep the garden watered and weed it on Sundays." }.joined(separator: " ")
            + " The boiler password is written on the blue card in the kitchen drawer."
        let ingested = try await memory.call("doc.ingest", ["owner": "deniz", "title": "House manual", "text": .string(manual)],
                                             timeout: .seconds(180))
        #expect((ingested["chunks"]?.intValue ?? 0) > 5)
        _ = try await memory.call("doc.ingest", ["owner": "other", "title": "Secret", "text": "The boiler password is hunter2."])

        let found = try await memory.call("doc.search", ["owner": "deniz", "query": "where is the boiler password", "k": 3])
        let results = found["results"]?.arrayValue ?? []
        #expect(results.count == 3)
        #expect(results.first?["text"]?.stringValue?.contains("blue card") == true)
        #expect(results.allSatisfy { $0["document_id"] == ingested["id"] && $0["title"] == "House manual" })

        let listed = try await memory.call("doc.list", ["owner": "deniz"])
        #expect(listed["items"]?.arrayValue?.count == 1)
        let bad = await memory.error(of: "doc.ingest", ["owner": "deniz", "title": "Empty", "text": "  \n "])
        #expect(bad?.data?["field"] == "text")

        #expect(try await memory.call("doc.delete", ["owner": "deniz", "id": ingested["id"]!])["deleted"] == true)
        #expect(try await memory.call("doc.search", ["owner": "deniz", "query": "boiler"])["results"]?.arrayValue?.isEmpty == true)
        #expect(await memory.error(of: "doc.delete", ["owner": "deniz", "id": ingested["id"]!])?.code == .notFound)

        _ = try await memory.call("memory.add", ["owner": "other", "text": "likes tea"])
        _ = try await memory.call("memory.forget_owner", ["owner": "other"])
        #expect(try await memory.call("doc.search", ["owner": "other", "query": "boiler"])["results"]?.arrayValue?.isEmpty == true)
        #expect(try await memory.allTexts(of: "other").isEmpty)
        try await memory.stop()
    }
}

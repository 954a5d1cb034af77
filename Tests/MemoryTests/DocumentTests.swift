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

/// Chunks follow the document's headings and paragraphs.
@Suite struct SectionChunkerTests {
    let chunker = Chunker(maxCharacters: 400, overlapCharacters: 60)

    func paragraph(_ topic: String, sentences: Int) -> String {
        (1...sentences).map { "The \(topic) note number \($0) says something short." }.joined(separator: " ")
    }

    var manual: String {
        """
        Opening words before any heading.

        # Garden
        \(paragraph("garden", sentences: 3))

        \(paragraph("hedge", sentences: 4))

        ## Watering
        \(paragraph("water", sentences: 2))

        # Kitchen
        \(paragraph("kitchen", sentences: 5))

        \(paragraph("oven", sentences: 3))
        """
    }

    @Test func headingsNeverMixInOneChunkAndEachChunkStartsWithItsHeading() {
        let chunks = chunker.chunks(of: manual)
        #expect(chunks.first == "Opening words before any heading.")
        for chunk in chunks.dropFirst() {
            let headings = chunk.split(separator: "\n").filter { $0.hasPrefix("#") }
            #expect(headings.count == 1, "one heading per chunk: \(chunk)")
            #expect(chunk.hasPrefix(String(headings.first ?? "")), "the heading opens the chunk: \(chunk)")
            #expect(chunk.count <= 400)
        }
        #expect(chunks.filter { $0.hasPrefix("# Garden\n\n") }.count >= 1)
        #expect(chunks.contains { $0.hasPrefix("## Watering\n\n") && $0.contains("water note number 2") })
        #expect(!chunks.contains { $0.contains("garden note") && $0.contains("kitchen note") })
    }

    @Test func paragraphsThatFitAreNeverSplit() {
        let chunks = chunker.chunks(of: manual)
        for (topic, count) in [("garden", 3), ("hedge", 4), ("water", 2), ("kitchen", 5), ("oven", 3)] {
            let whole = paragraph(topic, sentences: count)
            #expect(chunks.filter { $0.contains(whole) }.count == 1, "\(topic) is whole in exactly one chunk")
        }
        // Paragraphs that fit together share a chunk, apart by a blank line.
        #expect(chunks.contains { $0 == "# Kitchen\n\n" + paragraph("kitchen", sentences: 5) + "\n\n" + paragraph("oven", sentences: 3) })
    }

    @Test func aLongParagraphIsCutAtSentenceEndsAndEveryPieceCarriesTheHeading() {
        let long = paragraph("long", sentences: 40)
        let chunks = chunker.chunks(of: "### Long section\n\n" + long)
        #expect(chunks.count > 3)
        #expect(chunks.allSatisfy { $0.hasPrefix("### Long section\n\n") && $0.count <= 400 })
        #expect(chunks.allSatisfy { $0.hasSuffix("short.") }, "each piece ends at a sentence end")
        let bodies = chunks.map { $0.dropFirst("### Long section\n\n".count) }.joined(separator: " ")
        #expect(bodies == long, "sentence cuts lose and repeat nothing")
    }

    @Test func aHeadingAloneIsAChunkAndCodeFencesHoldNoHeadings() {
        let chunks = chunker.chunks(of: "# Title\n## Part\nText of the part.\n\n```\n# not a heading\n```")
        #expect(chunks == ["# Title", "## Part\n\nText of the part.\n\n``` # not a heading ```"])
    }
}

@Suite struct DocumentServiceTests {
    @Test func ingestSearchListDeleteAndForget() async throws {
        let memory = try await MemoryProcess.start()
        let manual = (1...200).map { "Step \($0): keep the garden watered and weed it on Sundays." }.joined(separator: " ")
            + " The boiler password is written on the blue card in the kitchen drawer."
        let ingested = try await memory.call("doc.ingest", ["owner": "deniz", "title": "House manual", "text": .string(manual), "wait": true],
                                             timeout: .seconds(180))
        #expect((ingested["chunks"]?.intValue ?? 0) > 5)
        _ = try await memory.call("doc.ingest", ["owner": "other", "title": "Secret", "text": "The boiler password is hunter2.", "wait": true])

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

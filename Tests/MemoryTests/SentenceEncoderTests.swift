import Foundation
import MamiCore
import MamiWire
import ServiceTestSupport
import Testing

@testable import MamiMemory
import MamiEncoder

/// The memory service with its default embedder, multilingual-e5-small, as a real process.
@Suite struct SentenceEncoderTests {
    /// Facts as the service stores them, and questions that share few words with them, across the two languages.
    static let facts = [
        "The person works as a nurse at the city hospital.",
        "The person's birthday is on 14 March.",
        "The person lives in İzmir.",
        "The person is allergic to peanuts.",
        "The person's daughter is called Elif.",
        "The person has a cat named Pamuk.",
        "Kişi her sabah yüzmeye gider.",
    ]

    /// The margins here are clear (0.09 or more at the top); the benchmark's development set has the hard cases.
    static let questions: [(question: String, fact: Int)] = [
        ("What is my job?", 0),
        ("When is my birthday?", 1),
        ("Doğum günüm ne zaman?", 1),
        ("Hangi şehirde yaşıyorum?", 2),
        ("What am I allergic to?", 3),
        ("What is my daughter's name?", 4),
        ("Do I have a pet?", 5),
        ("Sabahları ne yaparım?", 6),
        ("What do I do every morning?", 6),
    ]

    @Test func paraphrasedQuestionsInEitherLanguageFindTheirFactFirst() async throws {
        let memory = try await MemoryProcess.start()
        for fact in Self.facts { _ = try await memory.call("memory.add", ["owner": "o", "text": .string(fact)]) }
        for (question, fact) in Self.questions {
            let top = try await memory.search(["owner": "o", "query": .string(question), "k": 3])
            #expect(top.first?["text"]?.stringValue == Self.facts[fact], "\(question) → \(top.map { $0["text"]?.stringValue ?? "" })")
        }
        let stats = try await memory.call("sys.stats", [:])
        #expect(stats["stats"]?["embedder"] == "multilingual-e5-small-q4")
        #expect(stats["stats"]?["dimension"] == 384)
        try await memory.stop()
    }

    @Test func theCenteringMeansAreForTheModelTheServiceAccepts() {
        #expect(E5Centering.modelSHA256 == SentenceEncoder.modelSHA256, "regenerate with scripts/encoder-centering.sh")
        #expect(E5Centering.query.count == 384 && E5Centering.passage.count == 384)
    }

    @Test func aMissingOrTruncatedModelFileStopsStartUpNamingTheSetting() async throws {
        let directory = try makeScratchDirectory()
        let truncated = "\(directory)/e5-small-q4.bin"
        try Data(try Data(contentsOf: URL(fileURLWithPath: encoderModelPath()), options: .alwaysMapped).prefix(1_000_000))
            .write(to: URL(fileURLWithPath: truncated))
        for path in ["\(directory)/absent.bin", truncated] {
            let service = try ServiceProcess("mami-memory", environment: serviceEnvironment(directory, extra: ["MAMI_EMBED_MODEL_PATH": path]),
                                             logPath: "\(directory)/memory-\(UUID().uuidString.prefix(4)).log")
            #expect(try await service.waitForExit() == 78)
            #expect(service.log.contains("MAMI_EMBED_MODEL_PATH"), "\(service.log)")
        }
    }

    /// A file of the right size whose bytes are not the model's is found when it is first used: the call fails, naming the setting.
    @Test func aCorruptModelFileFailsItsFirstUseNamingTheSetting() async throws {
        let directory = try makeScratchDirectory()
        var bytes = try Data(contentsOf: URL(fileURLWithPath: encoderModelPath()))
        bytes[bytes.count / 2] ^= 0xFF
        let corrupt = "\(directory)/e5-small-q4.bin"
        try bytes.write(to: URL(fileURLWithPath: corrupt))
        let memory = try await MemoryProcess.start(directory: directory, extra: ["MAMI_EMBED_MODEL_PATH": corrupt])
        let error = await memory.error(of: "memory.add", ["owner": "o", "text": "I live in İzmir"])
        #expect(error?.message.contains("MAMI_EMBED_MODEL_PATH") == true, "\(String(describing: error))")
        try await memory.stop()
    }

    @Test func theOperatorMayChooseTheHashingEmbedderWhenTheFileIsMissing() async throws {
        let memory = try await MemoryProcess.start(extra: ["MAMI_EMBED_MODEL_PATH": "/nonexistent/e5.bin", "MAMI_EMBED_FALLBACK": "hashing"])
        #expect(try await memory.call("memory.add", ["owner": "o", "text": "I keep bees"])["status"] == "added")
        #expect(try await memory.call("sys.stats", [:])["stats"]?["embedder"] == "mami-hash-ngram-v1")
        #expect(memory.process.log.contains("MAMI_EMBED_FALLBACK"))
        try await memory.stop()
    }
}

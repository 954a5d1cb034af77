import Foundation
import MamiCore
import ServiceTestSupport
import Testing

import MamiEncoder

/// The encoder's model file and tokenizer against what the package's own engine
/// produced for the same texts (Tests/Fixtures/e5-small-reference.json).
@Suite struct E5TokenizerTests {
    static let reference: JSONValue = {
        let path = projectRoot() + "/Tests/Fixtures/e5-small-reference.json"
        return (try? JSONValue(parsing: Array(FileManager.default.contents(atPath: path) ?? Data()))) ?? .null
    }()


    /// Read once, on NIO's blocking pool: the tests beside these share the cooperative threads.
    static let loaded = Task { try await blocking { try E5ModelFile(path: encoderModelPath()) } }
    static func model() async throws -> E5ModelFile { try await loaded.value }

    @Test func theFileParsesToTheShapeItDeclares() async throws {
        let model = try await Self.model()
        #expect(model.shape == .init(hidden: 384, layers: 12, heads: 12, feedForward: 1536, embeddingRows: 250_037, positions: 512,
                                     layerNormEpsilon: 1e-12))
        #expect(model.vocabulary.scores.count == 250_002)
        #expect(model.vocabulary.pieces["\u{2581}de"] == 8)
        #expect(model.tensors.count == 197)
        _ = try model.tensor("l11.fo.w", .q4, elements: 384 * 1536)
    }

    @Test func aFourBitBlockDequantizesAsTheEngineDoes() async throws {
        let model = try await Self.model()
        let block = try #require(Self.reference["intermediate"]?["l0.q.w_block0"])
        let query = try model.tensor("l0.q.w", .q4, elements: 384 * 384)
        #expect(query.offset == block["file_offset"]?.intValue.map(Int.init))
        let expected = block["dequant_32"]?.arrayValue?.compactMap(\.doubleValue).map(Float.init) ?? []
        #expect(Array(model.dequantizedRow(query, row: 0, columns: 384).prefix(32)) == expected)
    }

    @Test(arguments: [0, 1, 2]) func tokenIdsAreTheEngines(_ index: Int) async throws {
        let tokenizer = E5Tokenizer(vocabulary: try await Self.model().vocabulary)
        let sample = try #require(Self.reference["texts"]?.arrayValue?[index])
        let text = try #require(sample["text"]?.stringValue)
        let role: E5Tokenizer.Role = text.hasPrefix("query: ") ? .query : .passage
        let expected = sample["token_ids"]?.arrayValue?.compactMap(\.intValue).map(Int32.init)
        #expect(tokenizer.ids(String(text.dropFirst(role.rawValue.count)), role: role) == expected)
    }

    @Test func spacesControlsAndUnknownScalarsAreNormalizedFirst() async throws {
        let tokenizer = E5Tokenizer(vocabulary: try await Self.model().vocabulary)
        let empty = Self.reference["empty_query_token_ids"]?.arrayValue?.compactMap(\.intValue).map(Int32.init)
        #expect(tokenizer.ids("", role: .query) == empty, "the prefix's trailing space is a final ▁")
        #expect(tokenizer.ids("What  do\tI\u{0001} do", role: .query) == tokenizer.ids("What do I do", role: .query),
                "a tab becomes a space, runs of spaces are one, control characters go")
        #expect(tokenizer.ids("Kedimin adı ne?", role: .query).count > 4)
    }

    @Test func aTruncatedOrForeignFileIsAClearError() async throws {
        let whole = try Data(contentsOf: URL(fileURLWithPath: encoderModelPath()), options: .alwaysMapped)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("e5-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        for (name, bytes, problem) in [("cut", whole.prefix(5_000_000), "truncated"), ("tail", whole.prefix(whole.count - 1), "truncated"),
                                       ("other", Data("GGUF and more".utf8), "not an E5S1")] {
            let path = directory.appendingPathComponent(name).path
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            let error = await #expect(throws: E5ModelError.self) { try await blocking { try E5ModelFile(path: path) } }
            #expect(error?.description.contains(problem) == true, "\(name): \(String(describing: error))")
        }
    }
}

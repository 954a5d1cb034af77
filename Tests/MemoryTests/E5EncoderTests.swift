import Foundation
import MamiCore
import Testing

@testable import MamiMemory

/// The encoder's vectors against the package engine's for the same texts (Tests/Fixtures/e5-small-reference.json).
@Suite struct E5EncoderTests {
    static let encoder: Result<E5Encoder, any Error> = Result { try E5Encoder(file: try E5TokenizerTests.model.get()) }

    func cosine(_ a: [Float], _ b: [Float]) -> Float {
        zip(a, b).map(*).reduce(0, +) / (a.map { $0 * $0 }.reduce(0, +).squareRoot() * b.map { $0 * $0 }.reduce(0, +).squareRoot())
    }

    @Test func vectorsAreTheEnginesAndRankByMeaning() throws {
        let encoder = try Self.encoder.get()
        var vectors: [[Float]] = []
        for sample in E5TokenizerTests.reference["texts"]?.arrayValue ?? [] {
            let text = try #require(sample["text"]?.stringValue)
            let role: E5Tokenizer.Role = text.hasPrefix("query: ") ? .query : .passage
            let vector = encoder.embed(String(text.dropFirst(role.rawValue.count)), role: role)
            let expected = sample["vector"]?.arrayValue?.compactMap(\.doubleValue).map(Float.init) ?? []
            #expect(vector.count == 384)
            #expect(abs(vector.map { $0 * $0 }.reduce(0, +) - 1) < 1e-4, "normalized")
            #expect(cosine(vector, expected) >= 0.9998, "\(text)")
            vectors.append(vector)
        }
        try #require(vectors.count == 3)
        #expect(cosine(vectors[0], vectors[1]) > cosine(vectors[0], vectors[2]), "the job question is nearer the nurse than the birthday")
    }
}

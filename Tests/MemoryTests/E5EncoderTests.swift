import Foundation
import MamiCore
import Testing

import MamiEncoder

/// The encoder's vectors against the package engine's for the same texts (Tests/Fixtures/e5-small-reference.json).
@Suite struct E5EncoderTests {
    /// Built once, on NIO's blocking pool (it is seconds of CPU in a debug build).
    static let built = Task {
        let file = try await E5TokenizerTests.model()
        return try await blocking { try E5Encoder(file: file) }
    }

    func cosine(_ a: [Float], _ b: [Float]) -> Float {
        zip(a, b).map(*).reduce(0, +) / (a.map { $0 * $0 }.reduce(0, +).squareRoot() * b.map { $0 * $0 }.reduce(0, +).squareRoot())
    }

    @Test func vectorsAreTheEnginesAndRankByMeaning() async throws {
        let encoder = try await Self.built.value
        var vectors: [[Float]] = []
        for sample in E5TokenizerTests.reference["texts"]?.arrayValue ?? [] {
            let text = try #require(sample["text"]?.stringValue)
            let role: E5Tokenizer.Role = text.hasPrefix("query: ") ? .query : .passage
            let vector = try await blocking { encoder.embed(String(text.dropFirst(role.rawValue.count)), role: role) }
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

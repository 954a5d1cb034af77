import Testing
@testable import MamiMemory

@Suite struct NormalizationTests {
    @Test func turkishCapitalsFoldToTheSameText() {
        #expect(TextNormalizer.normalize("İstanbul'u seviyorum") == TextNormalizer.normalize("istanbul'u seviyorum"))
        #expect(TextNormalizer.normalize("ISPARTA ılık") == TextNormalizer.normalize("isparta ilik"))
        #expect(TextNormalizer.normalize("İ\u{0307}zmir") == "izmir")
    }

    @Test func whitespaceAndApostrophesAreNormalized() {
        #expect(TextNormalizer.normalize("  My   cat’s\tname \n") == "my cat's name")
    }

    @Test func theBuiltInEmbedderIsNormalizedAndStable() async throws {
        let embedder = HashingEmbedder()
        let vectors = try await embedder.embed(["İstanbul'u seviyorum", "istanbul'u seviyorum", "the weather is cold"], as: .passage)
        #expect(vectors.allSatisfy { $0.count == 384 })
        let length = vectors[0].reduce(0) { $0 + $1 * $1 }
        #expect(abs(length - 1) < 1e-4)
        #expect(vectors[0] == vectors[1])
        let similar = vectors[0].withUnsafeBufferPointer { a in vectors[2].withUnsafeBufferPointer { b in VectorMath.dot(a, b) } }
        #expect(similar < 0.5)
    }

    @Test func topKKeepsTheBestInOrder() {
        var top = TopK(k: 3)
        for (position, score) in [0.1, 0.9, 0.5, 0.7, 0.2, 0.95].enumerated() { top.offer(position, score: Float(score)) }
        #expect(top.sorted().map(\.position) == [5, 1, 3])
    }

    @Test func vectorsSurviveTheirBlobEncoding() {
        let vector: [Float] = [0.25, -1.5, 3.0e-8, .greatestFiniteMagnitude]
        #expect(VectorMath.vector(from: VectorMath.bytes(of: vector)) == vector)
    }
}

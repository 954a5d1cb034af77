import MamiCore
import MamiHTTP

/// Makes Ollama's models leave the GPU: `keep_alive: 0` for each resident
/// model, then `/api/ps` to confirm (MAMI_OLLAMA_URL).
struct OllamaResidency: Sendable {
    var baseURL: String
    var http = HTTPClient()

    /// The models `/api/ps` reports resident.
    func residentModels() async throws -> [String] {
        let response = try await http.send(HTTPRequest(url: baseURL + "/api/ps", timeout: .seconds(2)))
        guard response.status == 200, let models = (try? JSONValue(parsing: response.body))?["models"]?.arrayValue else {
            throw OllamaError(message: "Ollama /api/ps answered HTTP \(response.status)")
        }
        return models.compactMap { $0["name"]?.stringValue ?? $0["model"]?.stringValue }
    }

    /// Unloads every resident model and confirms; returns the models unloaded.
    func unloadAll() async throws -> [String] {
        let resident = try await residentModels()
        for model in resident {
            let body: JSONValue = ["model": .string(model), "keep_alive": 0]
            let response = try await http.send(HTTPRequest(
                method: "POST", url: baseURL + "/api/generate", headers: ["Content-Type": "application/json"],
                body: body.serialized(), timeout: .seconds(30)))
            guard response.status == 200 else { throw OllamaError(message: "unloading \(model) answered HTTP \(response.status)") }
        }
        try await confirmEmpty()
        return resident
    }

    /// Ollama unloads asynchronously: poll `/api/ps` briefly until it is empty.
    private func confirmEmpty() async throws {
        for _ in 0..<20 {
            if try await residentModels().isEmpty { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw OllamaError(message: "Ollama still reports resident models after unloading")
    }
}

struct OllamaError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}

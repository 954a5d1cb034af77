import Foundation
import MamiCore

/// What the configured engine serves, asked at most every ``lifetime`` and shared by
/// every request: the model list of `/api/v1/models` and `/v1/models`, and the check
/// that a conversation's model exists before a chat asks for it.
actor EngineModels {
    let engine: any ChatEngine
    /// `MAMI_CHAT_MODEL`: what a conversation without a model of its own uses.
    let defaultModel: String
    let lifetime: Duration
    private var cached: (names: [String], at: ContinuousClock.Instant)?
    /// The one request to the engine under way: chats that find the list stale wait for it together.
    private var refreshing: Task<[String], any Error>?

    init(engine: any ChatEngine, defaultModel: String, lifetime: Duration = .seconds(10)) {
        self.engine = engine
        self.defaultModel = defaultModel
        self.lifetime = lifetime
    }

    /// The engine's models (cached briefly); throws ``LLMError`` when the engine cannot tell.
    func names() async throws -> [String] {
        if let cached, ContinuousClock.now - cached.at < lifetime { return cached.names }
        let refresh = refreshing ?? Task { [engine] in try await engine.models(timeout: .seconds(3)) }
        refreshing = refresh
        defer { if refreshing == refresh { refreshing = nil } }
        do {
            let names = try await refresh.value
            cached = (names, .now)
            return names
        } catch let error as LLMError {
            throw error
        } catch {
            throw LLMError(kind: .unreachable, detail: "\(error)")
        }
    }

    /// The served name `model` stands for (`llama3.2` is Ollama's `llama3.2:latest`), nil when not served.
    func resolve(_ model: String) async throws -> String? {
        let names = try await names()
        return names.first { Self.sameModel($0, model) }
    }

    /// For a chat: throws `model_not_found` when the engine answered with a list that lacks
    /// `model`; an engine that cannot list its models is left to fail (or not) on the chat itself.
    func check(_ model: String) async throws {
        let served: String?
        do { served = try await resolve(model) } catch { return }  // the engine could not tell: the chat itself will
        if served == nil { throw LLMError(kind: .modelNotFound, detail: model) }
    }

    static func sameModel(_ served: String, _ asked: String) -> Bool {
        served == asked || served == asked + ":latest"
    }

    /// `{"items":[{"id","default"}],"default"}` for `/api/v1/models`.
    func listJSON() async throws -> JSONValue {
        let names = try await names()
        return ["default": .string(defaultModel),
                "items": .array(names.map { ["id": .string($0), "default": .bool(Self.sameModel($0, defaultModel))] })]
    }
}

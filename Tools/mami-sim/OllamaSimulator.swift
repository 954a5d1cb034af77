import Foundation
import MamiCore

/// Ollama's model residency and answers: a fixed set of models, the ones
/// loaded with their expiry, deterministic replies and embeddings.
actor OllamaSimulator {
    static let embeddingDimension = 384
    static let modelSize: Int64 = 2_019_393_189

    let models: [String]
    private var loaded: [String: Date] = [:]

    init(models: [String]) {
        self.models = models.map(Self.canonical)
    }

    /// `llama3.2` and `llama3.2:latest` name the same model.
    static func canonical(_ name: String) -> String {
        name.contains(":") ? name : "\(name):latest"
    }

    func knows(_ name: String) -> Bool {
        models.contains(Self.canonical(name))
    }

    /// Applies `keep_alive` after a request: 0 unloads, negative keeps forever, otherwise expires.
    func touch(_ name: String, keepAlive: JSONValue?) {
        let model = Self.canonical(name)
        let seconds = Self.seconds(keepAlive) ?? 300
        if seconds == 0 {
            loaded[model] = nil
        } else {
            loaded[model] = seconds < 0 ? Date.distantFuture : Date().addingTimeInterval(seconds)
        }
    }

    /// Seconds from a number or a duration string (`"5m"`, `"30s"`, `"1h"`, `"0"`).
    static func seconds(_ value: JSONValue?) -> Double? {
        if let number = value?.doubleValue { return number }
        guard var text = value?.stringValue, !text.isEmpty else { return nil }
        let units: [Character: Double] = ["s": 1, "m": 60, "h": 3600]
        let unit = text.last.flatMap { units[$0] }
        if unit != nil { text.removeLast() }
        return Double(text).map { $0 * (unit ?? 1) }
    }

    func resident() -> [(String, Date)] {
        let now = Date()
        loaded = loaded.filter { $0.value > now }
        return loaded.sorted { $0.key < $1.key }
    }

    /// The reply to a conversation: deterministic, one token per word.
    static func reply(to messages: [JSONValue], limit: Int?) -> (tokens: [String], truncated: Bool) {
        let last = messages.last { $0["role"]?.stringValue == "user" }?["content"]?.stringValue ?? ""
        let words = "You said: \(last)".split(separator: " ", omittingEmptySubsequences: true)
        var tokens = words.enumerated().map { $0.offset == 0 ? String($0.element) : " \($0.element)" }
        guard let limit, tokens.count > limit else { return (tokens, false) }
        tokens.removeLast(tokens.count - limit)
        return (tokens, true)
    }

    /// A unit vector that depends only on the text (character trigram hashing).
    static func embed(_ text: String) -> [Double] {
        var vector = [Double](repeating: 0, count: embeddingDimension)
        let scalars = Array(text.lowercased().unicodeScalars)
        for start in scalars.indices {
            var hash: UInt64 = 1_469_598_103_934_665_603
            for scalar in scalars[start..<min(start + 3, scalars.count)] { hash = (hash ^ UInt64(scalar.value)) &* 1_099_511_628_211 }
            vector[Int(hash % UInt64(embeddingDimension))] += (hash >> 63) == 0 ? 1 : -1
        }
        let norm = vector.reduce(0) { $0 + $1 * $1 }.squareRoot()
        return norm == 0 ? vector.enumerated().map { $0.offset == 0 ? 1 : 0 } : vector.map { $0 / norm }
    }
}

import Foundation

/// Recognises a request to draw ("draw …", "/image …", "… çiz") and extracts the prompt.
enum DrawingRequest {
    /// Command words at the start, matched as whole words ("draw me" before "draw").
    static let prefixes = ["/image", "/draw", "draw me", "draw", "çiz", "ciz"]
    static let suffixes = [" çiz", " çizer misin", " çizebilir misin", " ciz"]

    static func prompt(in text: String) -> String? {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        let lower = trimmed.lowercased()
        for prefix in prefixes where lower.hasPrefix(prefix) {
            let rest = trimmed.dropFirst(prefix.count)
            guard let next = rest.first, next.isWhitespace || next == ":" else { continue }
            return nonEmpty(String(rest))
        }
        let bare = lower.trimmingCharacters(in: CharacterSet(charactersIn: ".!?"))
        for suffix in suffixes where bare.hasSuffix(suffix) {
            return nonEmpty(String(trimmed.prefix(bare.count - suffix.count)))
        }
        return nil
    }

    private static func nonEmpty(_ text: String) -> String? {
        let prompt = text.trimmingCharacters(in: .whitespacesAndNewlines.union(CharacterSet(charactersIn: ":,")))
        return prompt.isEmpty ? nil : prompt
    }
}

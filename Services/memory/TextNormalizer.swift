import Foundation

/// Normalizes text for duplicate detection and embedding: compatibility
/// composition (NFKC), Turkish-aware case folding (İ and ı fold to i, so
/// "İstanbul" and "istanbul" match), typographic apostrophes to ', whitespace
/// collapsed and trimmed.
enum TextNormalizer {
    static func normalize(_ text: String) -> String {
        let composed = text.precomposedStringWithCompatibilityMapping
        var folded = ""
        folded.reserveCapacity(composed.utf8.count)
        for scalar in composed.unicodeScalars {
            switch scalar {
            case "\u{0130}", "\u{0131}", "I": folded.unicodeScalars.append("i")
            case "\u{0307}" where folded.unicodeScalars.last == "i": continue  // the dot of a decomposed İ
            case "\u{2019}", "\u{2018}", "\u{02BC}": folded.unicodeScalars.append("'")
            default: folded.unicodeScalars.append(scalar)
            }
        }
        return collapseWhitespace(folded.lowercased())
    }

    static func collapseWhitespace(_ text: String) -> String {
        text.split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
    }

    /// A stable 64-bit FNV-1a hash of the normalized text, as 16 hex digits.
    static func hash(ofNormalized text: String) -> String {
        let hex = String(fnv1a(text), radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }

    /// 64-bit FNV-1a over the UTF-8 bytes.
    static func fnv1a(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01B3
        }
        return hash
    }
}

import Foundation

/// Rules that keep what is remembered to what the person said (M6), in English
/// and Turkish, without a model: whether a message speaks of its writer at all,
/// whether a proposed fact is supported by the message's words, and the
/// conservative fallback when no model answers (the person's own first-person
/// statements, verbatim).
enum FactGrounding {
    /// Words that name the writer (English) or the subject of a stored fact.
    static let firstPersonWords: Set<String> = [
        "i", "i'm", "im", "i've", "i'd", "i'll", "me", "my", "mine", "myself", "we", "we're", "our", "ours", "us",
        "ben", "benim", "bana", "beni", "bende", "benden", "biz", "bizim", "bize", "bizi",
    ]
    /// Turkish first-person endings (possessive "-ım", present "-(ı)yorum", past "-dım", future "-acağım", plural "-ız").
    static let firstPersonEndings = ["ım", "im", "um", "üm", "yım", "yim", "dım", "dim", "tım", "tim", "ımız", "imiz", "umuz", "ümüz", "ız", "iz"]
    static let subjectWords: Set<String> = ["person", "person's", "persons", "kişi", "kişinin", "kişiye", "kişiyi", "kişide", "kişiden"]
    static let stopwords: Set<String> = [
        "the", "a", "an", "is", "are", "was", "were", "be", "been", "being", "has", "have", "had", "of", "in", "on", "at", "to", "for",
        "with", "and", "or", "but", "by", "from", "as", "that", "this", "their", "they", "them", "he", "she", "his", "her", "it", "its",
        "who", "which", "also", "very", "there", "s", "bir", "ve", "ile", "de", "da", "ki", "bu", "şu", "o", "için", "çok", "gibi",
        "olarak", "daha", "en", "her",
    ]

    /// Lower-cased words (letters and digits), Turkish dotted and dotless I folded to `i`, split at apostrophes.
    static func words(_ text: String) -> [String] {
        let folded = text.replacingOccurrences(of: "İ", with: "i").replacingOccurrences(of: "I", with: "i").lowercased()
            .replacingOccurrences(of: "ı", with: "i")
        return folded.split { !$0.isLetter && !$0.isNumber }.map(String.init)
    }

    /// Whether `message` says something about its writer (a first-person word or Turkish first-person ending).
    static func speaksOfThemselves(_ message: String) -> Bool {
        let folded = message.lowercased().split { !$0.isLetter && $0 != "'" }.map(String.init)
        return folded.contains { word in
            firstPersonWords.contains(word) || (word.count >= 5 && firstPersonEndings.contains { word.hasSuffix($0) })
        }
    }

    /// Whether every name and number in `fact`, and two thirds of its other content words, appear in `message`
    /// (a word appears when one of the message's words shares its first four letters, or all of the shorter one's).
    /// The words that state an attribute the message states too (``FactTopics``: "moved to" for "lives in") count as said.
    static func isGrounded(_ fact: String, in message: String) -> Bool {
        let said = words(message)
        let statedTopics = Set(FactTopics.matches(in: said).map(\.topic))
        var factWords = words(fact)
        for match in FactTopics.matches(in: factWords).reversed() where statedTopics.contains(match.topic) {
            factWords.removeSubrange(match.words)
        }
        let content = factWords.filter { !stopwords.contains($0) && !subjectWords.contains($0) }
        guard !content.isEmpty else { return false }
        let supported = content.filter { word in said.contains { sharesStem(word, $0) } }
        let names = names(in: fact)
        let namesSupported = names.allSatisfy { name in said.contains { sharesStem(name, $0) } }
        return namesSupported && supported.count * 3 >= content.count * 2
    }

    /// Capitalized words after the first, and numbers, folded like ``words(_:)``; without a Turkish case
    /// ending after an apostrophe ("Ankara'da" is Ankara, said as "Ankara'ya" too).
    static func names(in fact: String) -> [String] {
        let raw = fact.split { !$0.isLetter && !$0.isNumber && $0 != "'" && $0 != "’" }.dropFirst()
        return raw.filter { $0.first?.isUppercase == true || $0.first?.isNumber == true }
            .compactMap { words(String($0.prefix { $0 != "'" && $0 != "’" })).first }
            .filter { !subjectWords.contains($0) }
    }

    static func sharesStem(_ a: String, _ b: String) -> Bool {
        let shorter = min(a.count, b.count)
        guard shorter >= 3 || a == b else { return false }
        return zip(a, b).prefix { $0 == $1 }.count >= min(4, shorter)
    }

    /// The message's own statements about its writer: sentences that are not questions, of three
    /// words or more, in the first person; kept verbatim.
    static func firstPersonStatements(_ message: String) -> [String] {
        var sentences: [String] = []
        var current = ""
        for character in message {
            current.append(character)
            if ".!?\n".contains(character) {
                sentences.append(current)
                current = ""
            }
        }
        sentences.append(current)
        return sentences.compactMap { sentence in
            let trimmed = sentence.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !trimmed.hasSuffix("?"), words(trimmed).count >= 3, speaksOfThemselves(trimmed) else { return nil }
            return trimmed
        }
    }
}

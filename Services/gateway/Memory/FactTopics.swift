/// What a fact is about, when it is one of the things a person has one of at a time: where they live,
/// their job, where they work, their name, age and birthday, in English and Turkish. The memory service
/// replaces the person's memory of the same topic and keeps the old text in its history (M6), so
/// "lives in İzmir" then "moved to Ankara" leaves one current fact. The topic names whose attribute
/// it is, "self/home" or "sister/home": the person's sister moving does not move the person.
///
/// Rules, not the model: a small model's own labels would merge facts that are both true
/// ("loves cats", "has a dog"). A fact that matches no rule has no topic and is only merged when
/// it is a near-duplicate.
enum FactTopics {
    /// Patterns of consecutive words (folded like ``FactGrounding/words(_:)``); a word ending in `*` is a prefix,
    /// `a|b` are alternatives. The first pattern found in a fact names its attribute.
    static let attributes: [(attribute: String, pattern: [String])] = [
        ("home", ["live|lives|living"]), ("home", ["moved|move|moving|relocated", "to"]), ("home", ["resides|reside"]),
        ("home", ["yaşiyor*|yaşar|yaşariz|yaşarim|taşindi*|taşiniyor*|oturuyor*"]),
        ("job", ["works|work|working", "as"]), ("job", ["job|profession|occupation"]), ("job", ["olarak", "çaliş*"]),
        ("job", ["mesleği*"]),
        ("workplace", ["works|work|working", "at|for"]), ("workplace", ["employed"]), ("workplace", ["çaliş*"]),
        ("name", ["name|named|called"]), ("name", ["adi|adim|ismi|ismim"]),
        ("age", ["years", "old"]), ("age", ["yaşinda*"]),
        ("birthday", ["birthday"]), ("birthday", ["born", "on"]), ("birthday", ["doğum"]),
    ]
    /// Whose attribute it is when not the person's own: relation words before the attribute, to a key.
    static let relations: [(key: String, words: String)] = [
        ("sister", "sister|sisters"), ("brother", "brother|brothers"), ("sibling", "kardeş*"), ("mother", "mother|mom|anne*"),
        ("father", "father|dad|baba*"), ("partner", "wife|husband|partner|spouse|eşi|eşim"), ("son", "son|oğl*"),
        ("daughter", "daughter|kizi|kizim"), ("child", "child|children|çocuğ*"), ("friend", "friend|friends|arkadaş*"),
        ("dog", "dog|dogs|köpeğ*|köpek*"), ("cat", "cat|cats|kedi*"), ("boss", "boss|patron*"),
    ]
    /// Words that make the next one someone's or something's ("person's" folds to "person", "s").
    static let possessives: Set<String> = ["s", "my", "our", "their", "his", "her", "kişinin", "benim", "bizim"]
    /// Words before the attribute that make the fact about the past, a plan or a wish, not what is true now:
    /// "used to live in İzmir" and "plans to move to Paris" must not replace where the person lives.
    static let notNow: Set<String> = [
        "used", "formerly", "previously", "once", "longer", "eskiden", "önceden",
        "will", "going", "plan", "plans", "planning", "want", "wants", "wanted", "hope", "hopes", "would", "might", "may",
        "soon", "someday", "dream", "dreams", "considering", "thinking",
    ]
    /// Turkish future and wish endings on the attribute word ("taşınacağız", "yaşamak istiyor").
    static let notNowEndings = ["acak", "ecek", "acağ", "eceğ", "mak", "mek"]
    /// A longer statement (the first-person fallback keeps whole sentences) says more than one thing.
    static let maxWords = 14

    static func topic(of fact: String) -> String? {
        let words = FactGrounding.words(fact)
        guard words.count <= maxWords else { return nil }
        return matches(in: words).first?.topic
    }

    /// Each attribute stated in `words` (folded), in the order of ``attributes``: its topic and the words that say it.
    static func matches(in words: [String]) -> [(topic: String, words: Range<Int>)] {
        attributes.compactMap { attribute, pattern in
            guard let start = firstMatch(of: pattern, in: words) else { return nil }
            let before = words[..<start]
            if before.contains(where: notNow.contains) || notNowEndings.contains(where: { words[start].contains($0) }) { return nil }
            return ("\(owner(before))/\(attribute)", start..<(start + pattern.count))
        }
    }

    /// Whose attribute the words before it name: a known relation, else the word a possessive names ("the
    /// person's parents", "my neighbour's"), else the person's own ("The person's name", "My name").
    static func owner(_ before: ArraySlice<String>) -> String {
        if let relation = relations.first(where: { relation in before.contains { matches($0, relation.words) } }) { return relation.key }
        if let named = before.indices.dropLast().last(where: { possessives.contains(before[$0]) }) {
            return before[named + 1] == "s" ? "self" : before[named + 1]
        }
        return "self"
    }

    private static func firstMatch(of pattern: [String], in words: [String]) -> Int? {
        guard words.count >= pattern.count else { return nil }
        return (0...(words.count - pattern.count)).first { start in
            zip(words[start...], pattern).allSatisfy { matches($0, $1) }
        }
    }

    /// Whether `word` is one of `alternatives` ("a|b*": `a` exactly, or anything starting with `b`).
    static func matches(_ word: String, _ alternatives: String) -> Bool {
        Alternatives.parsed(alternatives).admit(word)
    }
}

/// The alternatives of one pattern word ("a|b*"), split once: this runs for every chat's question.
struct Alternatives: Sendable {
    var exact: Set<String> = []
    var prefixes: [String] = []

    init(_ text: String) {
        for alternative in text.split(separator: "|") {
            if alternative.hasSuffix("*") { prefixes.append(String(alternative.dropLast())) } else { exact.insert(String(alternative)) }
        }
    }

    func admit(_ word: String) -> Bool {
        exact.contains(word) || prefixes.contains { word.hasPrefix($0) }
    }

    /// Every pattern word of ``FactTopics``, parsed at first use.
    private static let table: [String: Alternatives] = {
        let words = FactTopics.attributes.flatMap(\.pattern) + FactTopics.relations.map(\.words)
        return Dictionary(words.map { ($0, Alternatives($0)) }) { first, _ in first }
    }()

    static func parsed(_ text: String) -> Alternatives {
        table[text] ?? Alternatives(text)
    }
}

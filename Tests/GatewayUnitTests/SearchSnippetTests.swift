import Testing

@testable import MamiGateway

/// A search hit's excerpt: cut around the first match, the matching words marked as the index folds them.
@Suite struct SearchSnippetTests {
    @Test func matchingWordsAreMarkedWithTheirCaseAndLettersFolded() throws {
        let (_, prefixes) = try SearchQuery.fts("çiçek KILIÇ")
        let parts = SearchSnippet.parts(of: "Çiçekler açtı, kılıç gibi yapraklar", prefixes: try #require(prefixes))
        #expect(parts.map(\.text).joined() == "Çiçekler açtı, kılıç gibi yapraklar")
        #expect(parts.filter(\.highlight).map(\.text) == ["Çiçekler", "kılıç"])
    }

    @Test func aLongTextIsCutAroundItsFirstMatch() {
        let words = (1...100).map { "w\($0)" } + ["needle"] + (1...100).map { "v\($0)" }
        let parts = SearchSnippet.parts(of: words.joined(separator: " "), prefixes: ["needle"])
        #expect(parts.first?.text == "…" && parts.last?.text == "…")
        #expect(parts.filter(\.highlight).map(\.text) == ["needle"])
        #expect(parts.map(\.text).joined() == "…" + (words[92...116]).joined(separator: " ") + "…")
    }

    @Test func syntaxQueriesAreLeftToTheIndex() throws {
        #expect(try SearchQuery.fts("\"açtı kılıç\"").prefixes == nil)
        #expect(try SearchQuery.fts("tea OR coffee").prefixes == nil)
        #expect(try SearchQuery.fts("don't stop").match == "\"don't\"* \"stop\"*")
        #expect(try SearchQuery.fts("don't stop").prefixes == ["don", "t", "stop"])
    }
}

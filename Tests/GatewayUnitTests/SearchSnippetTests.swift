import Testing

@testable import MamiGateway

/// A search hit's excerpt: cut around the first match, the matching words marked as the index folds them.
@Suite struct SearchSnippetTests {
    @Test func matchingWordsAreMarkedWithTheirCaseAndLettersFolded() throws {
        let (_, marks) = try SearchQuery.fts("çiçek KILIÇ")
        let parts = SearchSnippet.parts(of: "Çiçekler açtı, kılıç gibi yapraklar", marking: try #require(marks))
        #expect(parts.map(\.text).joined() == "Çiçekler açtı, kılıç gibi yapraklar")
        #expect(parts.filter(\.highlight).map(\.text) == ["Çiçekler", "kılıç"])
    }

    @Test func aLongTextIsCutAroundItsFirstMatch() {
        let words = (1...100).map { "w\($0)" } + ["needle"] + (1...100).map { "v\($0)" }
        let parts = SearchSnippet.parts(of: words.joined(separator: " "), marking: SearchSnippet.Marks(prefixes: ["needle"]))
        #expect(parts.first?.text == "…" && parts.last?.text == "…")
        #expect(parts.filter(\.highlight).map(\.text) == ["needle"])
        #expect(parts.map(\.text).joined() == "…" + (words[92...116]).joined(separator: " ") + "…")
    }

    @Test func syntaxQueriesAreLeftToTheIndexAndQuotedWordsAreMarkedWhole() throws {
        #expect(try SearchQuery.fts("tea OR coffee").marks == nil)
        #expect(try SearchQuery.fts("tea*").marks == nil)
        #expect(try SearchQuery.fts("\"unclosed").marks == nil)
        #expect(try SearchQuery.fts("don't stop").match == "\"don't\"* \"stop\"*")
        #expect(try SearchQuery.fts("don't stop").marks == SearchSnippet.Marks(prefixes: ["don", "t", "stop"]))
        let quoted = try #require(try SearchQuery.fts("\"açtı kılıç\" yap").marks)
        #expect(quoted == SearchSnippet.Marks(whole: ["acti", "kilic", "yap"]))
        let parts = SearchSnippet.parts(of: "Açtı açtılar kılıç yapraklar yap", marking: quoted)
        #expect(parts.filter(\.highlight).map(\.text) == ["Açtı", "kılıç", "yap"])
    }
}

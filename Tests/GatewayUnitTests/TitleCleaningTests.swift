import Testing

@testable import MamiGateway

/// What a chat model answers when asked for a title, made into one.
@Suite struct TitleCleaningTests {
    @Test func answersAreCleanedIntoShortTitles() {
        #expect(TitleWriter.clean("\"Tomatoes on the balcony.\"\nSure, here it is") == "Tomatoes on the balcony")
        #expect(TitleWriter.clean("Title: Kedi çizimi") == "Kedi çizimi")
        #expect(TitleWriter.clean("**Başlık yok**") == "Başlık yok")
        #expect(TitleWriter.clean("  \n ") == nil)
        let long = TitleWriter.clean(String(repeating: "word ", count: 30)) ?? ""
        #expect(long.count <= 60 && long.hasSuffix("word"), "\(long)")
    }
}

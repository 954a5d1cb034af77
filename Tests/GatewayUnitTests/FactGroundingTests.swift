import Testing

@testable import MamiGateway

/// What may be remembered of a message, decided without a model (M6).
@Suite struct FactGroundingTests {
    @Test(arguments: ["thanks, that is nice", "ok", "What time is it?", "teşekkürler, çok güzel", "Saat kaç?", "hello there"])
    func smallTalkSaysNothingAboutTheWriter(_ message: String) {
        #expect(!FactGrounding.speaksOfThemselves(message))
        #expect(FactGrounding.firstPersonStatements(message).isEmpty)
    }

    @Test(arguments: ["I live in İzmir and I love cats", "My sister is a teacher", "İzmir'de yaşıyorum", "Kızım yedi yaşında", "we moved to Ankara"])
    func statementsAboutTheWriterAreRecognised(_ message: String) {
        #expect(FactGrounding.speaksOfThemselves(message))
    }

    @Test func factsMustBeSupportedByTheMessagesWords() {
        let message = "I live in İzmir and I love cats"
        #expect(FactGrounding.isGrounded("The person lives in İzmir.", in: message))
        #expect(FactGrounding.isGrounded("The person loves cats.", in: message))
        #expect(FactGrounding.isGrounded("The person lives in Izmir.", in: message), "İ and I fold alike")
        #expect(!FactGrounding.isGrounded("The person owns a red Ferrari.", in: message), "invented")
        #expect(!FactGrounding.isGrounded("The person lives in Ankara.", in: message), "a name the message does not have")
        #expect(!FactGrounding.isGrounded("The person loves cats and has 3 dogs.", in: message), "a number the message does not have")
        #expect(!FactGrounding.isGrounded("The person.", in: message), "nothing but the subject")
        #expect(FactGrounding.isGrounded("Kişi İzmir'de yaşıyor.", in: "İzmir'de yaşıyorum ve kedileri severim"))
        #expect(FactGrounding.isGrounded("Kişi kedileri sever.", in: "İzmir'de yaşıyorum ve kedileri severim"))
    }

    /// "Moved to" states where the person lives: a fact that says "lives in" is supported by it, not by another's move.
    @Test func anAttributeTheMessageStatesInOtherWordsIsSupported() {
        #expect(FactGrounding.isGrounded("The person lives in Ankara.", in: "We moved to Ankara last month"))
        #expect(FactGrounding.isGrounded("Kişi Ankara'da yaşıyor.", in: "Geçen ay Ankara'ya taşındık"))
        #expect(!FactGrounding.isGrounded("The person lives in Bursa.", in: "My sister moved to Bursa"), "the sister moved")
        #expect(!FactGrounding.isGrounded("The person lives in Ankara.", in: "We visited Ankara last month"))
    }

    @Test func theFallbackKeepsFirstPersonStatementsOnly() {
        let message = "I live in İzmir. What about you? ok! My cat is called Pamuk\nthanks"
        #expect(FactGrounding.firstPersonStatements(message) == ["I live in İzmir.", "My cat is called Pamuk"])
    }

    @Test func theExtractionAnswerIsParsedToDistinctFacts() throws {
        #expect(try FactExtractor.parse(#"{"facts": ["The person lives in İzmir.", " the person lives in izmir. ", ""]}"#) == ["The person lives in İzmir."])
        #expect(try FactExtractor.parse(#"{"facts": []}"#).isEmpty)
        #expect(throws: (any Error).self) { try FactExtractor.parse("not json") }
        #expect(throws: (any Error).self) { try FactExtractor.parse(#"{"other": 1}"#) }
    }
}

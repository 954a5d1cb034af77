import MamiHTTP
import Testing

@testable import MamiGateway

/// The engine stream's lines, read as libcurl hands the body over: in pieces that split lines anywhere.
@Suite struct LineDecoderTests {
    let decoder = LineDecoder(line: OpenAIEngine.line)

    func chunk(_ content: String) -> String {
        "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"\(content)\"},\"finish_reason\":null}]}\n\n"
    }

    /// Feeds `pieces` after a 200 head; the texts delivered and whether the decoder wanted more after each.
    func feed(_ pieces: [String], status: Int = 200) -> (texts: [String], wanted: [Bool]) {
        var texts: [String] = []
        _ = decoder.receive(.head(status: status)) { _ in true }
        let wanted = pieces.map { piece in decoder.receive(.body(Array(piece.utf8))) { texts.append($0); return true } }
        return (texts, wanted)
    }

    @Test func linesSplitAcrossPiecesAreJoinedAndLinesReadTogetherGoOutAsOne() throws {
        let stream = chunk("Hel") + chunk("lo") + chunk(", world")
        let cut = stream.index(stream.startIndex, offsetBy: 30)
        let (texts, wanted) = feed([String(stream[..<cut]), String(stream[cut...])])
        #expect(texts == ["Hello, world"], "nothing before the first line is complete; then the three lines as one piece")
        #expect(wanted == [true, true])
        let thrown = #expect(throws: LLMError.self) { try decoder.finish(refusal: { _, _ in LLMError(kind: .failed, detail: "") }) { _ in } }
        #expect(thrown?.detail == "the stream ended before the answer was done")
    }

    @Test func theFinishReasonEndsTheTransferAndALastLineWithoutNewlineIsRead() throws {
        let done = "data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n"
        let (texts, wanted) = feed([chunk("a"), done, chunk("ignored")])
        #expect(texts == ["a"])
        #expect(wanted == [true, false, false], "no more is wanted once the answer is complete")
        try decoder.finish(refusal: { _, _ in LLMError(kind: .failed, detail: "") }) { _ in Issue.record("nothing is left to read") }

        let unterminated = LineDecoder(line: OpenAIEngine.line)
        _ = unterminated.receive(.head(status: 200)) { _ in true }
        _ = unterminated.receive(.body(Array((chunk("b") + "data: [DONE]").utf8))) { _ in true }
        var last: [String] = []
        try unterminated.finish(refusal: { _, _ in LLMError(kind: .failed, detail: "") }) { last.append($0) }
        #expect(last.isEmpty, "[DONE] carries no text, and it completes the answer")
    }

    @Test func anErrorInsideTheStreamStopsTheTransferAndIsThrownAfterIt() {
        let error = "data: {\"error\":{\"message\":\"the context is exceeded\",\"type\":\"exceed_context_size_error\"}}\n\n"
        let (texts, wanted) = feed([chunk("partial"), error])
        #expect(texts == ["partial"])
        #expect(wanted == [true, false])
        let thrown = #expect(throws: LLMError.self) { try decoder.finish(refusal: { _, _ in LLMError(kind: .failed, detail: "") }) { _ in } }
        #expect(thrown?.kind == .contextExceeded)
        #expect(thrown?.detail == "the context is exceeded")
    }

    @Test func aRefusalKeepsItsBodyForTheProtocolToName() {
        let (texts, wanted) = feed(["{\"error\":{\"message\":\"model ", "not found\"}}"], status: 404)
        #expect(texts.isEmpty)
        #expect(wanted == [true, true])
        let thrown = #expect(throws: LLMError.self) {
            try decoder.finish(refusal: { status, body in
                LLMError(kind: status == 404 ? .modelNotFound : .failed, detail: String(decoding: body, as: UTF8.self))
            }) { _ in }
        }
        #expect(thrown?.kind == .modelNotFound)
        #expect(thrown?.detail == "{\"error\":{\"message\":\"model not found\"}}", "the refusal gets the whole body, joined")
    }

    @Test func aReaderThatLeftEndsTheTransfer() {
        _ = decoder.receive(.head(status: 200)) { _ in true }
        #expect(!decoder.receive(.body(Array(chunk("x").utf8))) { _ in false })
    }
}

import Testing

@testable import MamiGateway

/// `multipart/form-data` bodies as browsers and curl send them, and the malformed ones a client can send.
@Suite struct MultipartFormTests {
    let boundary = "----mami7MA4YWxkTrZu0gW"

    func body(_ parts: [String], closing: Bool = true) -> [UInt8] {
        Array((parts.map { "--\(boundary)\r\n\($0)\r\n" }.joined() + (closing ? "--\(boundary)--\r\n" : "")).utf8)
    }

    @Test func theBoundaryComesFromTheContentTypeQuotedOrNot() throws {
        #expect(try MultipartForm.boundary(of: "multipart/form-data; boundary=abc") == "abc")
        #expect(try MultipartForm.boundary(of: #"Multipart/Form-Data; charset=utf-8; boundary="a b;c""#) == "a b;c")
        #expect(try MultipartForm.boundary(of: "application/json") == nil)
        #expect(try MultipartForm.boundary(of: nil) == nil)
        #expect(throws: MultipartError.self) { try MultipartForm.boundary(of: "multipart/form-data") }
    }

    @Test func partsKeepTheirNamesFileNamesTypesAndExactBytes() throws {
        let form = try MultipartForm(parsing: body([
            "Content-Disposition: form-data; name=\"title\"\r\n\r\nGarden notes",
            "Content-Disposition: form-data; name=\"file\"; filename=\"notes \\\"v2\\\".md\"\r\nContent-Type: text/markdown\r\n\r\n# Notes\r\n\r\nline two\r\n",
        ]), boundary: boundary)
        #expect(form.parts.count == 2)
        #expect(form.part(named: "title")?.text == "Garden notes")
        let file = try #require(form.part(named: "file"))
        #expect(file.filename == "notes \"v2\".md")
        #expect(file.contentType == "text/markdown")
        #expect(file.text == "# Notes\r\n\r\nline two\r\n", "the content's own line breaks are kept; only the delimiter's CRLF goes")
    }

    @Test func binaryContentWithBoundaryLikeBytesIsKept() throws {
        let bytes: [UInt8] = [0x25, 0x50, 0x44, 0x46, 0x00, 0xFF, 0x0D, 0x0A, 0x2D, 0x2D, 0x0D, 0x0A]
        var raw = Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.pdf\"\r\n\r\n".utf8)
        raw += bytes + Array("\r\n--\(boundary)--\r\n".utf8)
        let form = try MultipartForm(parsing: raw, boundary: boundary)
        #expect(form.part(named: "file")?.body == bytes)
        #expect(form.part(named: "file")?.contentType == nil)
    }

    @Test func malformedBodiesAreRefusedWithTheirReason() {
        let disposition = "Content-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\n\r\nhello"
        let cases: [([UInt8], String)] = [
            (Array("no boundary anywhere".utf8), "the body does not contain its boundary"),
            (body([disposition], closing: false), "the body ends before its closing boundary"),
            (body(["Content-Type: text/plain\r\n\r\nhello"]), "a part has no Content-Disposition: form-data with a name"),
            (body(["Content-Disposition: form-data; name=\"x\""]), "a part has no blank line after its headers"),
            (Array("--\(boundary)garbage".utf8), "a boundary is not followed by a line break"),
        ]
        for (raw, reason) in cases {
            #expect(throws: MultipartError(reason)) { try MultipartForm(parsing: raw, boundary: boundary) }
        }
    }

    @Test func theFormatComesFromTheContentTypeThenTheExtension() throws {
        #expect(try DocumentFormat(contentType: "text/html; charset=utf-8", filename: "page.txt") == .html)
        #expect(try DocumentFormat(contentType: "application/octet-stream", filename: "Notes.MD") == .markdown)
        #expect(try DocumentFormat(contentType: nil, filename: "C:\\docs\\report.pdf") == .pdf)
        let refused = #expect(throws: APIError.self) { try DocumentFormat(contentType: "image/png", filename: "x.png") }
        #expect(refused?.status == .unsupportedMediaType)
        #expect(refused?.message.contains("text/markdown (.markdown, .md)") == true)
        #expect(DocumentFormat.stem("/home/x/Plan.v2.md") == "Plan.v2")
    }
}

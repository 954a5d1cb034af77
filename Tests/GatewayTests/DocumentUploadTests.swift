import Foundation
import MamiCore
import MamiHTTP
import ServiceTestSupport
import Testing

/// Documents uploaded as files (`multipart/form-data`) through the real gateway, read there
/// (HTML by its extractor, PDF by poppler's pdftotext) and stored by the real memory service.
@Suite struct DocumentUploadTests {
    static let markdown = """
        # Greenhouse handbook

        The tomato seedlings move to the greenhouse when the nights stay above ten degrees.

        ## Watering

        Water the cucumbers every morning before the sun reaches the glass.
        """

    static let html = """
        <!DOCTYPE html><html><head><title>Bicycle repair &amp; care</title>
        <style>.secret { content: "flamingo stylesheet marker"; }</style></head>
        <body><h1>Chains</h1><p>A squeaking chain wants a drop of oil on every link, then a wipe.</p>
        <script>var note = "the vault combination is walrus seventeen";</script>
        <h2>Brakes</h2><p>Brake pads are changed once the grooves have worn away.</p></body></html>
        """

    static let pdfSentence = "The lighthouse keeper writes the tide tables by candlelight."

    @Test func markdownHTMLAndPDFUploadsAreSearchableAndListedWithTheirTitles() async throws {
        let stack = try await Stack.start()
        let session = try await stack.register("selin")
        let uploads: [(file: FilePart, title: String)] = [
            (FilePart(filename: "greenhouse.md", contentType: "text/markdown", bytes: Array(Self.markdown.utf8)), "Greenhouse handbook"),
            (FilePart(filename: "bikes.html", contentType: "text/html; charset=utf-8", bytes: Array(Self.html.utf8)), "Bicycle repair & care"),
            (FilePart(filename: "lighthouse-notes.pdf", contentType: "application/pdf", bytes: minimalPDF(saying: Self.pdfSentence)), "lighthouse-notes"),
        ]
        for upload in uploads {
            let response = try await stack.upload(upload.file, token: session.access)
            #expect(response.status == 201, "\(upload.file.filename): \(response.body)")
            #expect(response.body["title"]?.stringValue == upload.title)
            #expect((response.body["chunks"]?.intValue ?? 0) >= 1)
        }
        let json = try await stack.json("POST", "/api/v1/documents?wait=true", ["title": "Typed notes", "text": "The spare key hangs behind the barometer."],
                                        token: session.access)
        #expect(json.status == 201, "a JSON document is still taken as before")

        for sentence in ["when the nights stay above ten degrees", "a drop of oil on every link", "tide tables by candlelight",
                         "spare key hangs behind the barometer"] {
            #expect(try await stack.searchTexts(sentence, token: session.access).contains { $0.contains(sentence) }, "\(sentence) is found")
        }
        let hidden = try await stack.searchTexts("vault combination walrus seventeen flamingo stylesheet", token: session.access)
        #expect(!hidden.contains { $0.contains("walrus") || $0.contains("flamingo") }, "script and style text is not stored")
        #expect(try await stack.searchTexts("cucumbers every morning", token: session.access)
            .contains { $0.hasPrefix("## Watering\n\n") }, "a chunk opens with its heading")

        #expect(try await stack.documentTitles(token: session.access) == ["Typed notes", "lighthouse-notes", "Bicycle repair & care", "Greenhouse handbook"])
        await stack.stop()
    }

    @Test func uploadsThatCannotBeReadStoreNothing() async throws {
        let stack = try await Stack.start()
        let session = try await stack.register("mert")
        let corrupt = FilePart(filename: "broken.pdf", contentType: "application/pdf", bytes: Array("%PDF-1.4\nthis is no PDF at all\n".utf8))
        let broken = try await stack.upload(corrupt, token: session.access)
        #expect(broken.status == 422)
        #expect(broken.body["error"]?["message"]?.stringValue?.hasPrefix("the PDF could not be read: ") == true)

        let png = FilePart(filename: "x.png", contentType: "image/png", bytes: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13])
        let refused = try await stack.upload(png, token: session.access)
        #expect(refused.status == 415)
        #expect(refused.body["error"]?["message"]?.stringValue?.contains("application/pdf (.pdf)") == true)

        let notText = FilePart(filename: "notes.txt", contentType: "text/plain", bytes: [0x48, 0x69, 0xC3, 0x28])
        #expect(try await stack.upload(notText, token: session.access).status == 422)

        let huge = FilePart(filename: "huge.txt", contentType: "text/plain", bytes: Array(repeating: UInt8(ascii: "a"), count: 9 << 20))
        #expect(try await stack.upload(huge, token: session.access).status == 413)
        let long = FilePart(filename: "long.txt", contentType: "text/plain", bytes: Array(String(repeating: "many words ", count: 60_000).utf8))
        let tooLong = try await stack.upload(long, token: session.access)
        #expect(tooLong.status == 413)
        #expect(tooLong.body["error"]?["code"] == "document_too_large")

        let noFile = try await stack.upload(nil, fields: ["title": "only a title"], token: session.access)
        #expect(noFile.status == 400)
        let noBoundary = try await stack.http.send(HTTPRequest(
            method: "POST", url: stack.base + "/api/v1/documents",
            headers: ["Content-Type": "multipart/form-data", "Authorization": "Bearer \(session.access)"], body: Array("x".utf8), timeout: .seconds(30)))
        #expect(noBoundary.status == 400)

        #expect(try await stack.documentTitles(token: session.access).isEmpty, "nothing half-stored")
        await stack.stop()
    }
}

/// A file to upload.
struct FilePart {
    var filename: String
    var contentType: String
    var bytes: [UInt8]
}

extension Stack {
    /// `POST /api/v1/documents` as `multipart/form-data`: the file (when given) and text fields.
    func upload(_ file: FilePart?, fields: [String: String] = [:], token: String) async throws -> (status: Int, body: JSONValue) {
        let boundary = "mami-test-\(UUID().uuidString)"
        var body: [UInt8] = []
        for (name, value) in fields.sorted(by: { $0.key < $1.key }) {
            body += Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n".utf8)
        }
        if let file {
            body += Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"\(file.filename)\"\r\n".utf8)
            body += Array("Content-Type: \(file.contentType)\r\n\r\n".utf8) + file.bytes + Array("\r\n".utf8)
        }
        body += Array("--\(boundary)--\r\n".utf8)
        let response = try await http.send(HTTPRequest(
            method: "POST", url: base + "/api/v1/documents?wait=true",
            headers: ["Content-Type": "multipart/form-data; boundary=\(boundary)", "Authorization": "Bearer \(token)"],
            body: body, timeout: .seconds(300)))
        return (response.status, (try? JSONValue(parsing: response.body)) ?? .null)
    }

    /// The texts of the best chunks `POST /api/v1/documents/search` finds.
    func searchTexts(_ query: String, token: String) async throws -> [String] {
        let found = try await json("POST", "/api/v1/documents/search", ["query": .string(query), "k": 3], token: token)
        return (found.body["results"]?.arrayValue ?? []).compactMap { $0["text"]?.stringValue }
    }

    /// The titles `GET /api/v1/documents` lists, newest first.
    func documentTitles(token: String) async throws -> [String] {
        let listed = try await json("GET", "/api/v1/documents", token: token)
        return (listed.body["items"]?.arrayValue ?? []).compactMap { $0["title"]?.stringValue }
    }
}

/// A minimal valid PDF 1.4: catalog, pages, one page in Helvetica saying `text`, and an
/// xref table whose byte offsets are counted here.
func minimalPDF(saying text: String) -> [UInt8] {
    let content = "BT /F1 12 Tf 72 720 Td (\(text)) Tj ET"
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        "<< /Length \(content.utf8.count) >>\nstream\n\(content)\nendstream",
    ]
    var pdf = "%PDF-1.4\n"
    var offsets: [Int] = []
    for (index, object) in objects.enumerated() {
        offsets.append(pdf.utf8.count)
        pdf += "\(index + 1) 0 obj\n\(object)\nendobj\n"
    }
    let xref = pdf.utf8.count
    pdf += "xref\n0 \(objects.count + 1)\n0000000000 65535 f \n"
    for offset in offsets { pdf += String(repeating: "0", count: 10 - String(offset).count) + "\(offset) 00000 n \n" }
    pdf += "trailer\n<< /Size \(objects.count + 1) /Root 1 0 R >>\nstartxref\n\(xref)\n%%EOF\n"
    return Array(pdf.utf8)
}

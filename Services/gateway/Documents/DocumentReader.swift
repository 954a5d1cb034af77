import MamiCore

/// The title and text of an uploaded document, as `doc.ingest` takes them. All reading
/// happens here, before the memory service is called, so a file that cannot be read
/// leaves nothing stored.
struct DocumentReader: Sendable {
    /// The memory service's limit on a document's text (DocumentMethods.maxDocumentBytes there).
    static let maxTextBytes = 512 * 1024
    /// The memory service's limit on a title; a title taken from the document is shortened to it.
    static let maxTitleBytes = 500
    static let byteOrderMark: [UInt8] = [0xEF, 0xBB, 0xBF]

    var pdf = PDFText(outputLimit: Self.maxTextBytes)

    /// The upload's title (given; else the HTML `<title>`, the first Markdown heading, the file name
    /// without extension) and text.
    /// - Throws: ``APIError`` 422 when the file holds no readable text, 413 when its text is larger than
    ///   ``maxTextBytes``.
    func read(_ upload: DocumentUpload) async throws -> (title: String, text: String) {
        let (text, pageTitle) = try await extract(upload)
        guard text.utf8.count <= Self.maxTextBytes else {
            throw APIError.documentTooLarge("the document's text is \(text.utf8.count) bytes; at most \(Self.maxTextBytes) are stored")
        }
        guard text.contains(where: { !$0.isWhitespace }) else { throw APIError.unreadableDocument("the file holds no text") }
        let title = upload.title ?? Self.shortened(pageTitle ?? MarkdownHeading.first(in: text)?.text ?? DocumentFormat.stem(upload.filename))
        return (title, text)
    }

    /// The text and, for a page, its `<title>`.
    private func extract(_ upload: DocumentUpload) async throws -> (text: String, title: String?) {
        switch upload.format {
        case .plainText, .markdown: return (try Self.text(upload.bytes), nil)
        case .html:
            let page = HTMLText(try Self.text(upload.bytes))
            return (page.text, page.title)
        case .pdf: return (try await pdf.text(of: upload.bytes), nil)
        }
    }

    /// The bytes as UTF-8 text (a leading byte order mark dropped); NUL bytes mean it is no text file.
    static func text(_ bytes: [UInt8]) throws(APIError) -> String {
        let body = bytes.starts(with: byteOrderMark) ? bytes.dropFirst(byteOrderMark.count) : bytes[...]
        guard !body.contains(0), let text = String(validating: body, as: UTF8.self) else {
            throw APIError.unreadableDocument("the file is not UTF-8 text")
        }
        return text
    }

    /// At most ``maxTitleBytes`` of UTF-8, cut between characters.
    static func shortened(_ title: String) -> String {
        var result = ""
        for character in title {
            guard result.utf8.count + character.utf8.count <= maxTitleBytes else { break }
            result.append(character)
        }
        return result
    }
}

/// A `multipart/form-data` body (RFC 7578) read whole: its parts with their names,
/// file names, content types and bytes.
///
/// ```swift
/// guard let boundary = try MultipartForm.boundary(of: request.headers[.contentType]) else { … }
/// let form = try MultipartForm(parsing: bytes, boundary: boundary)
/// let file = form.part(named: "file")
/// ```
struct MultipartForm: Sendable {
    struct Part: Sendable {
        var name: String
        var filename: String?
        var contentType: String?
        var body: [UInt8]

        /// The part as text, or nil when it is not UTF-8.
        var text: String? { String(validating: body, as: UTF8.self) }
    }

    var parts: [Part]

    /// The first part called `name`.
    func part(named name: String) -> Part? { parts.first { $0.name == name } }

    /// The boundary of a `multipart/form-data` content type; nil for any other type.
    /// - Throws: ``MultipartError`` when the type is multipart/form-data without a boundary.
    static func boundary(of contentType: String?) throws(MultipartError) -> String? {
        guard let contentType, let type = HeaderValue(contentType), type.value == "multipart/form-data" else { return nil }
        guard let boundary = type.parameters["boundary"], (1...70).contains(boundary.utf8.count) else {
            throw MultipartError("the multipart/form-data content type has no boundary")
        }
        return boundary
    }

    /// Splits `body` at `--boundary` lines up to the closing `--boundary--`.
    /// - Throws: ``MultipartError`` naming what is malformed.
    init(parsing body: [UInt8], boundary: String) throws(MultipartError) {
        let opening = Array("--\(boundary)".utf8)
        let delimiter = Array("\r\n--\(boundary)".utf8)
        guard var start = body.firstOffset(of: opening, from: 0).map({ $0 + opening.count }) else {
            throw MultipartError("the body does not contain its boundary")
        }
        parts = []
        while !Self.has(Self.dashes, in: body, at: start) {
            guard Self.has(Self.lineBreak, in: body, at: start) else { throw MultipartError("a boundary is not followed by a line break") }
            guard let end = body.firstOffset(of: delimiter, from: start + 2) else { throw MultipartError("the body ends before its closing boundary") }
            parts.append(try Self.part(body, start + 2..<end))
            start = end + delimiter.count
        }
    }

    private static let dashes = Array("--".utf8)
    private static let lineBreak = Array("\r\n".utf8)
    private static let blankLine = Array("\r\n\r\n".utf8)

    /// One part in `range` of `body`: header lines, a blank line, the content.
    private static func part(_ body: [UInt8], _ range: Range<Int>) throws(MultipartError) -> Part {
        let headerEnd: Int
        let contentStart: Int
        if has(lineBreak, in: body, at: range.lowerBound) {
            (headerEnd, contentStart) = (range.lowerBound, range.lowerBound + 2)  // no headers at all
        } else if let found = body.firstOffset(of: blankLine, from: range.lowerBound), found < range.upperBound {
            (headerEnd, contentStart) = (found, found + 4)
        } else {
            throw MultipartError("a part has no blank line after its headers")
        }
        let headers = try PartHeaders(String(decoding: body[range.lowerBound..<headerEnd], as: UTF8.self))
        return Part(name: headers.name, filename: headers.filename, contentType: headers.contentType,
                    body: Array(body[min(contentStart, range.upperBound)..<range.upperBound]))
    }

    private static func has(_ prefix: [UInt8], in bytes: [UInt8], at offset: Int) -> Bool {
        offset + prefix.count <= bytes.count && bytes[offset..<(offset + prefix.count)].elementsEqual(prefix)
    }
}

/// A malformed multipart body; answered as a 400.
struct MultipartError: Error, Sendable, Equatable {
    var message: String
    init(_ message: String) { self.message = message }
}

/// The headers of one part that matter: `Content-Disposition: form-data; name=…; filename=…` and `Content-Type`.
private struct PartHeaders {
    var name: String
    var filename: String?
    var contentType: String?

    init(_ text: String) throws(MultipartError) {
        var disposition: HeaderValue?
        for line in text.split(whereSeparator: \.isNewline) {
            guard let colon = line.firstIndex(of: ":") else { throw MultipartError("a part's header line has no colon") }
            let value = String(line[line.index(after: colon)...])
            switch line[..<colon].trimmingASCIISpaces().lowercased() {
            case "content-disposition": disposition = HeaderValue(value)
            case "content-type": contentType = value.trimmingASCIISpaces()
            default: continue
            }
        }
        guard let disposition, disposition.value == "form-data", let name = disposition.parameters["name"] else {
            throw MultipartError("a part has no Content-Disposition: form-data with a name")
        }
        self.name = name
        filename = disposition.parameters["filename"]
    }
}

/// A header value with parameters: `type/subtype; key=value; key="quoted \"value\""`.
/// The value is lowercased; parameter names are lowercased, their values kept.
struct HeaderValue: Equatable {
    var value: String
    var parameters: [String: String] = [:]

    init?(_ text: String) {
        var scanner = Substring(text)
        value = Self.token(&scanner).lowercased()
        guard !value.isEmpty else { return nil }
        while scanner.first == ";" {
            scanner.removeFirst()
            let key = Self.token(&scanner, until: "=").lowercased()
            guard scanner.first == "=" else { continue }
            scanner.removeFirst()
            let parameter = scanner.trimmingLeadingASCIISpaces().first == "\"" ? Self.quoted(&scanner) : Self.token(&scanner)
            if !key.isEmpty, parameters[key] == nil { parameters[key] = parameter }
        }
    }

    /// Up to the next `;` (or `stop`), trimmed.
    private static func token(_ scanner: inout Substring, until stop: Character = ";") -> String {
        let end = scanner.firstIndex { $0 == ";" || $0 == stop } ?? scanner.endIndex
        defer { scanner = scanner[end...] }
        return String(scanner[..<end]).trimmingASCIISpaces()
    }

    /// A quoted string with backslash escapes; the scanner moves past it and up to the next `;`.
    private static func quoted(_ scanner: inout Substring) -> String {
        scanner = scanner.trimmingLeadingASCIISpaces().dropFirst()
        var result = ""
        var escaped = false
        while let character = scanner.popFirst() {
            if escaped {
                result.append(character)
                escaped = false
            } else if character == "\\" {
                escaped = true
            } else if character == "\"" {
                break
            } else {
                result.append(character)
            }
        }
        scanner = scanner[(scanner.firstIndex(of: ";") ?? scanner.endIndex)...]
        return result
    }
}

extension StringProtocol {
    func trimmingASCIISpaces() -> String {
        String(trimmingLeadingASCIISpaces().reversed().drop { $0 == " " || $0 == "\t" }.reversed())
    }

    func trimmingLeadingASCIISpaces() -> SubSequence { drop { $0 == " " || $0 == "\t" } }
}

/// The kinds of file `POST /api/v1/documents` accepts, told by the part's Content-Type and,
/// when that names none of them (absent, `application/octet-stream`, …), the file name's extension.
enum DocumentFormat: String, CaseIterable, Sendable {
    case plainText = "text/plain"
    case markdown = "text/markdown"
    case html = "text/html"
    case pdf = "application/pdf"

    /// Content types that mean the same kind (what browsers and tools send besides the registered one).
    private var contentTypes: Set<String> {
        switch self {
        case .plainText: ["text/plain"]
        case .markdown: ["text/markdown", "text/x-markdown"]
        case .html: ["text/html", "application/xhtml+xml"]
        case .pdf: ["application/pdf", "application/x-pdf"]
        }
    }

    private var extensions: Set<String> {
        switch self {
        case .plainText: ["txt", "text"]
        case .markdown: ["md", "markdown"]
        case .html: ["html", "htm", "xhtml"]
        case .pdf: ["pdf"]
        }
    }

    /// - Throws: ``APIError`` 415 naming the accepted types when neither tells a known kind.
    init(contentType: String?, filename: String?) throws(APIError) {
        let type = contentType.flatMap(HeaderValue.init)?.value
        let fileExtension = filename.flatMap(Self.fileExtension)
        let known = Self.allCases.first { type.map($0.contentTypes.contains) == true }
            ?? Self.allCases.first { fileExtension.map($0.extensions.contains) == true }
        guard let known else {
            throw APIError.unsupportedMediaType(
                "\(type ?? "a file without a content type") is not accepted; send one of \(Self.accepted)")
        }
        self = known
    }

    /// `text/plain (.txt), text/markdown (.md, .markdown), …` for error messages.
    static var accepted: String {
        allCases.map { "\($0.rawValue) (\($0.extensions.sorted().map { ".\($0)" }.joined(separator: ", ")))" }.joined(separator: ", ")
    }

    /// The lowercased extension of a file name (`Notes.MD` → `md`), if it has one.
    static func fileExtension(_ filename: String) -> String? {
        let name = baseName(filename)
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return nil }
        return name[name.index(after: dot)...].lowercased()
    }

    /// The name without folders or extension: `C:\notes\Plan.v2.md` → `Plan.v2`.
    static func stem(_ filename: String) -> String {
        let name = baseName(filename)
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return String(name) }
        return String(name[..<dot])
    }

    private static func baseName(_ filename: String) -> Substring {
        filename.split(whereSeparator: { $0 == "/" || $0 == "\\" }).last ?? filename[...]
    }
}

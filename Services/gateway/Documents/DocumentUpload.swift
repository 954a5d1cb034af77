import Foundation

/// A document sent as `multipart/form-data`: the `file` part (with its file name and
/// content type) and the optional text fields `title`, `scope` and `conversation_id`.
struct DocumentUpload: Sendable {
    var filename: String
    var format: DocumentFormat
    var bytes: [UInt8]
    var title: String?
    var scope: String?
    var conversationID: String?

    /// - Throws: ``APIError`` 400 without a file part or with a field that is not UTF-8, 415 for a file of another kind.
    init(_ form: MultipartForm) throws(APIError) {
        guard let file = form.part(named: "file") else {
            throw APIError.badRequest("the form has no file part (a part named file, with a filename)", field: "file")
        }
        guard let filename = file.filename, !filename.isEmpty else {
            throw APIError.badRequest("the file part has no filename", field: "file")
        }
        self.filename = filename
        format = try DocumentFormat(contentType: file.contentType, filename: filename)
        bytes = file.body
        title = try Self.field("title", of: form)
        scope = try Self.field("scope", of: form)
        conversationID = try Self.field("conversation_id", of: form)
    }

    /// A text field, trimmed; nil when absent or blank.
    private static func field(_ name: String, of form: MultipartForm) throws(APIError) -> String? {
        guard let part = form.part(named: name) else { return nil }
        guard let text = part.text else { throw APIError.badRequest("\(name) is not UTF-8 text", field: name) }
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        return trimmed.isEmpty ? nil : trimmed
    }
}

import MamiCore

/// A passage of the person's documents that an answer was given with: numbered as the prompt shows
/// it ("[1]"), stored with the answer and returned as its `sources`.
struct Source: Sendable, Equatable {
    var number: Int
    var documentID: String
    var title: String
    var chunkID: String
    /// The passage: whole in the prompt, its first ``excerptCharacters`` stored.
    var text: String
    static let excerptCharacters = 300

    var excerpt: String {
        text.count <= Self.excerptCharacters ? text : String(text.prefix(Self.excerptCharacters)) + "…"
    }

    /// A `doc.search` hit, not yet numbered.
    init?(hit: JSONValue) {
        guard let documentID = hit["document_id"]?.stringValue, let title = hit["title"]?.stringValue,
              let chunkID = hit["chunk_id"]?.stringValue, let text = hit["text"]?.stringValue else { return nil }
        self.init(number: 0, documentID: documentID, title: title, chunkID: chunkID, text: text)
    }

    init(number: Int, documentID: String, title: String, chunkID: String, text: String) {
        (self.number, self.documentID, self.title, self.chunkID, self.text) = (number, documentID, title, chunkID, text)
    }

    /// As stored and returned: `{"number","document_id","title","chunk_id","excerpt"}`.
    init?(stored: JSONValue) {
        guard let number = stored["number"]?.intValue, let documentID = stored["document_id"]?.stringValue,
              let title = stored["title"]?.stringValue, let chunkID = stored["chunk_id"]?.stringValue,
              let excerpt = stored["excerpt"]?.stringValue else { return nil }
        self.init(number: Int(number), documentID: documentID, title: title, chunkID: chunkID, text: excerpt)
    }

    var json: JSONValue {
        ["number": .int(Int64(number)), "document_id": .string(documentID), "title": .string(title), "chunk_id": .string(chunkID),
         "excerpt": .string(excerpt)]
    }

    func numbered(_ number: Int) -> Source {
        var copy = self
        copy.number = number
        return copy
    }
}

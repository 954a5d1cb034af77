import Foundation
import GRDB
import MamiCore

/// One search result: a message, or a conversation by its title, with the words that matched marked.
struct SearchHit: Sendable {
    enum Kind: Int, Sendable {
        case message = 0
        case conversation = 1
    }

    var kind: Kind
    var seq: Int64
    var score: Double
    var conversationID: String
    var title: String
    var messageID: String?
    var role: String?
    var createdAt: Double
    /// The excerpt, in parts; a part that matched is `highlight`.
    var snippet: [(text: String, highlight: Bool)] = []

    var cursor: SearchCursor { SearchCursor(score: score, kind: kind.rawValue, seq: seq) }

    var json: JSONValue {
        [
            "kind": .string(kind == .message ? "message" : "conversation"), "conversation_id": .string(conversationID),
            "title": .string(title), "message_id": messageID.map(JSONValue.string) ?? .null, "role": role.map(JSONValue.string) ?? .null,
            "created_at": iso(createdAt), "score": .double(-score),
            "snippet": .array(snippet.map { ["text": .string($0.text), "highlight": .bool($0.highlight)] }),
        ]
    }
}

/// Where the next page of a search starts: after this (score, kind, seq), the order results are ranked in.
struct SearchCursor: Sendable {
    var score: Double
    var kind: Int
    var seq: Int64

    static let first = SearchCursor(score: -.greatestFiniteMagnitude, kind: -1, seq: -1)

    var text: String { "\(score.bitPattern)-\(kind)-\(seq)" }

    init(score: Double, kind: Int, seq: Int64) {
        (self.score, self.kind, self.seq) = (score, kind, seq)
    }

    init?(_ text: String) {
        let parts = text.split(separator: "-")
        guard parts.count == 3, let bits = UInt64(parts[0]), let kind = Int(parts[1]), let seq = Int64(parts[2]) else { return nil }
        (score, self.kind, self.seq) = (Double(bitPattern: bits), kind, seq)
    }
}

/// What a person types, as an FTS5 query. Plain words each match as a prefix ("çiçek" finds "Çiçekler"),
/// all of them required; a query with FTS5 syntax (quotes, `*`, parentheses, AND/OR/NOT, NEAR) is taken as
/// written. Turkish ı and İ become i, as they are indexed.
enum SearchQuery {
    static let maxCharacters = 200
    static let operators: Set<Substring> = ["AND", "OR", "NOT", "NEAR"]

    /// The FTS5 query, and the words to mark in snippets when the query is plain words (each a prefix) and
    /// quoted words or phrases (whole words); nil for other FTS5 syntax, whose snippets FTS5 makes.
    static func fts(_ text: String) throws -> (match: String, marks: SearchSnippet.Marks?) {
        let folded = SearchSnippet.dotlessI(text).trimmingCharacters(in: .whitespacesAndNewlines)
        guard !folded.isEmpty else { throw FieldError(field: "q", problem: "must not be empty") }
        guard folded.count <= maxCharacters else { throw FieldError(field: "q", problem: "must be at most \(maxCharacters) characters") }
        let words = folded.split(whereSeparator: \.isWhitespace)
        if folded.contains(where: { "*()^:".contains($0) }) || words.contains(where: operators.contains) { return (folded, nil) }
        if folded.contains("\"") { return (folded, quotedMarks(folded)) }
        let prefixes = words.map(String.init).flatMap(folds)
        return (words.map { "\"\($0)\"*" }.joined(separator: " "), SearchSnippet.Marks(prefixes: prefixes))
    }

    /// Marks for a query with quoted phrases, which FTS5 reads as written: every word whole; nil when its
    /// quotes do not pair (FTS5 then refuses it).
    static func quotedMarks(_ query: String) -> SearchSnippet.Marks? {
        guard query.count(where: { $0 == "\"" }) % 2 == 0 else { return nil }
        return SearchSnippet.Marks(whole: Set(folds(query)))
    }

    /// The index's words of `text`, folded as it folds them.
    static func folds(_ text: String) -> [String] {
        SearchSnippet.wordRanges(text).map { SearchSnippet.fold(text[$0]) }
    }
}

/// Search over a person's messages and conversation titles (gateway migration 0007's FTS5 indexes).
extension ConversationStore {
    /// `userID`'s best matches for `query` after `cursor`, best first (bm25), with their snippets.
    func search(userID: String, query: String, after cursor: SearchCursor, limit: Int) async throws -> [SearchHit] {
        let (match, marks) = try SearchQuery.fts(query)
        do {
            return try await database.read { db in
                var hits = try Self.ranked(db, match: match, userID: userID, after: cursor, limit: limit)
                for index in hits.indices {
                    if let marks {
                        hits[index].snippet = SearchSnippet.parts(of: try Self.text(db, of: hits[index]), marking: marks)
                    } else {
                        hits[index].snippet = try Self.snippet(db, of: hits[index], match: match)
                    }
                }
                return hits
            }
        } catch let error as DatabaseError where error.resultCode == .SQLITE_ERROR {
            throw FieldError(field: "q", problem: "is not a search this understands (\(error.message ?? "syntax error"))")
        }
    }

    /// Messages ranked: the newest this many matches of a query. A word in a tenth of a million messages would
    /// otherwise cost a bm25 score each (hundreds of milliseconds); people look for recent things, and a
    /// second word narrows an old one.
    static let rankedWindow = 1_000

    /// The ranking alone: snippets are made for the page's hits only. The index is read first (CROSS JOIN
    /// fixes the order), newest match first, so a query costs its window, not the person's message count.
    private static func ranked(_ db: Database, match: String, userID: String, after cursor: SearchCursor, limit: Int) throws -> [SearchHit] {
        let statement = try db.cachedStatement(sql: """
            SELECT * FROM (
                SELECT * FROM (
                    SELECT 0 AS kind, m.seq AS seq, bm25(message_search) AS score, m.conversation_id AS conversation_id, c.title AS title,
                           m.id AS message_id, m.role AS role, m.created_at AS created_at
                    FROM message_search CROSS JOIN messages m ON m.seq = message_search.rowid CROSS JOIN conversations c ON c.id = m.conversation_id
                    WHERE message_search MATCH ?1 AND c.user_id = ?2 ORDER BY message_search.rowid DESC LIMIT ?7
                )
                UNION ALL
                SELECT 1, c.seq, bm25(conversation_search), c.id, c.title, NULL, NULL, c.created_at
                FROM conversation_search CROSS JOIN conversations c ON c.seq = conversation_search.rowid
                WHERE conversation_search MATCH ?1 AND c.user_id = ?2
            ) WHERE (score, kind, seq) > (?3, ?4, ?5) ORDER BY score, kind, seq LIMIT ?6
            """)
        return try Row.fetchAll(statement, arguments: [match, userID, cursor.score, cursor.kind, cursor.seq, limit, rankedWindow]).map { row in
            SearchHit(kind: SearchHit.Kind(rawValue: row["kind"]) ?? .message, seq: row["seq"], score: row["score"],
                      conversationID: row["conversation_id"], title: row["title"], messageID: row["message_id"], role: row["role"],
                      createdAt: row["created_at"])
        }
    }

    /// The text a hit matched in: the message's, or the conversation's title.
    private static func text(_ db: Database, of hit: SearchHit) throws -> String {
        guard hit.kind == .message else { return hit.title }
        return try String.fetchOne(db.cachedStatement(sql: "SELECT content FROM messages WHERE seq = ?"), arguments: [hit.seq]) ?? ""
    }

    /// The hit's excerpt around what matched (FTS5's snippet, for queries in its syntax), split at the marks it puts around each match.
    private static func snippet(_ db: Database, of hit: SearchHit, match: String) throws -> [(text: String, highlight: Bool)] {
        let table = hit.kind == .message ? "message_search" : "conversation_search"
        let text = try String.fetchOne(db.cachedStatement(sql: """
            SELECT snippet(\(table), 0, char(2), char(3), '…', 24) FROM \(table) WHERE \(table) MATCH ? AND rowid = ?
            """), arguments: [match, hit.seq]) ?? ""
        var parts: [(text: String, highlight: Bool)] = []
        for (index, piece) in text.split(separator: "\u{2}", omittingEmptySubsequences: false).enumerated() {
            let halves = piece.split(separator: "\u{3}", maxSplits: 1, omittingEmptySubsequences: false)
            if index > 0, let marked = halves.first { parts.append((String(marked), true)) }
            if let rest = index > 0 ? halves.dropFirst().first : halves.first, !rest.isEmpty { parts.append((String(rest), false)) }
        }
        return parts
    }
}

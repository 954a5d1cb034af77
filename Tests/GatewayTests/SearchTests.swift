import Foundation
import MamiCore
import ServiceTestSupport
import Testing

/// `GET /api/v1/search`: a person's messages and titles by a word in them, theirs only.
@Suite struct SearchTests {
    @Test func aWordInOneConversationOfFiftyIsFoundForItsOwnerOnly() async throws {
        let stack = try await Stack.start()
        let owner = try await stack.register("leyla")
        var conversations: [String] = []
        for index in 1...50 { conversations.append(try await stack.conversation(owner, title: "chat \(index)")) }
        for (index, conversation) in conversations.enumerated() where index < 8 {
            let text = index == 2 ? "The lighthouse keeper kept a logbook of every storm" : "ordinary chatter number \(index)"
            #expect(try await stack.chat(owner, conversation, text).status == 200)
        }
        let found = try await search(stack, owner, "logbook")
        #expect(found.status == 200)
        let items = found.body["items"]?.arrayValue ?? []
        #expect(!items.isEmpty)
        #expect(items.allSatisfy { $0["conversation_id"]?.stringValue == conversations[2] }, "\(items)")
        let hit = try #require(items.first { $0["role"] == "user" })
        #expect(hit["kind"] == "message")
        #expect(hit["title"] == "chat 3")
        let parts = hit["snippet"]?.arrayValue ?? []
        #expect(parts.contains { $0["highlight"] == true && $0["text"] == "logbook" }, "\(parts)")
        #expect(parts.compactMap { $0["text"]?.stringValue }.joined() == "The lighthouse keeper kept a logbook of every storm")
        let messages = try await stack.json("GET", "/api/v1/conversations/\(conversations[2])/messages", token: owner.access).body
        #expect(messages["items"]?.arrayValue?.contains { $0["id"] == hit["message_id"] } == true, "the hit names the message to jump to")

        let stranger = try await stack.register("mete")
        #expect(try await search(stack, stranger, "logbook").body["items"] == [])
        #expect(try await stack.request("GET", "/api/v1/search?q=logbook").status == 401)
        await stack.stop()
    }

    @Test func turkishWordsAreFoundWithOrWithoutTheirLettersAndTitlesToo() async throws {
        let stack = try await Stack.start()
        let session = try await stack.register("nazli")
        let garden = try await stack.conversation(session, title: "Bahçe planları")
        #expect(try await stack.chat(session, garden, "Çiçekler açtı, KILIÇ gibi yapraklar").status == 200)
        for query in ["çiçek", "cicek", "ÇİÇEK", "kılıç", "kilic", "yaprak"] {
            let items = try await search(stack, session, query).body["items"]?.arrayValue ?? []
            #expect(items.contains { $0["role"] == "user" && $0["conversation_id"]?.stringValue == garden }, "\(query): \(items)")
        }
        let titles = try await search(stack, session, "bahce").body["items"]?.arrayValue ?? []
        #expect(titles.first?["kind"] == "conversation")
        #expect(titles.first?["title"] == "Bahçe planları")
        // A renamed conversation is found by its new title only.
        _ = try await stack.json("PATCH", "/api/v1/conversations/\(garden)", ["title": "Garden notes"], token: session.access)
        #expect(try await search(stack, session, "bahce").body["items"]?.arrayValue?.contains { $0["kind"] == "conversation" } == false)
        #expect(try await search(stack, session, "garden").body["items"]?.arrayValue?.first?["kind"] == "conversation")
        // FTS5 syntax is taken as written; a broken query is the person's error, not the server's.
        #expect(try await search(stack, session, "\"açtı kılıç\"").body["items"]?.arrayValue?.isEmpty == false)
        for broken in ["\"unclosed", "AND", "(çiçek", "   "] {
            let answer = try await search(stack, session, broken)
            #expect(answer.status == 400, "\(broken): \(answer)")
            #expect(answer.body["error"]?["field"] == "q")
        }
        await stack.stop()
    }

    @Test func resultsArePagedByCursorWithoutRepeats() async throws {
        let stack = try await Stack.start()
        let session = try await stack.register("oya")
        for index in 1...25 { _ = try await stack.conversation(session, title: "Trip to Lisbon \(index)") }
        var seen: [String] = []
        var cursor: String?
        repeat {
            let page = try await search(stack, session, "lisbon", extra: cursor.map { "&limit=10&cursor=\($0)" } ?? "&limit=10").body
            seen += page["items"]?.arrayValue?.compactMap { $0["conversation_id"]?.stringValue } ?? []
            cursor = page["next_cursor"]?.stringValue
        } while cursor != nil
        #expect(seen.count == 25)
        #expect(Set(seen).count == 25)
        #expect(try await search(stack, session, "lisbon", extra: "&cursor=nonsense").status == 400)
        await stack.stop()
    }
}

func search(_ stack: Stack, _ session: Session, _ query: String, extra: String = "") async throws -> (status: Int, body: JSONValue) {
    let encoded = query.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? query
    return try await stack.json("GET", "/api/v1/search?q=\(encoded)\(extra)", token: session.access)
}

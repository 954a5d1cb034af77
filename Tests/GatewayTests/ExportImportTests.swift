import Foundation
import MamiCore
import ServiceTestSupport
import Testing

/// Export and import, archive and pin.
@Suite struct ExportImportTests {
    @Test func aBranchedConversationRoundTripsThroughExportAndImport() async throws {
        let stack = try await Stack.start()
        let session = try await stack.register("umay")
        let conversation = try await stack.conversation(session, title: "Round trip")
        _ = try await stack.chat(session, conversation, "first question")
        let second = try await stack.chat(session, conversation, "second question").body
        let question = try #require(second["user_message"]?["id"]?.stringValue)
        _ = try await stack.json("POST", "/api/v1/messages/\(try #require(second["message"]?["id"]?.stringValue))/regenerate", token: session.access)
        _ = try await stack.json("POST", "/api/v1/messages/\(question)/edit", ["content": "second question, edited"], token: session.access)

        let exported = try await stack.request("GET", "/api/v1/conversations/\(conversation)/export?format=json", token: session.access)
        #expect(exported.status == 200)
        let original = try JSONValue(parsing: exported.body)
        #expect(original["messages"]?.arrayValue?.count == 7)
        let imported = try await stack.json("POST", "/api/v1/conversations/import", original, token: session.access)
        #expect(imported.status == 201)
        let copy = try #require(imported.body["id"]?.stringValue)
        #expect(copy != conversation)
        #expect(imported.body["title"] == "Round trip")
        let again = try JSONValue(parsing: try await stack.request("GET", "/api/v1/conversations/\(copy)/export", token: session.access).body)
        #expect(shape(again) == shape(original), "same texts, same tree")
        #expect(Set(ids(again)).isDisjoint(with: ids(original)), "ids are new")
        // The branch shown is the same, and the copy is searchable and goes on like any conversation.
        #expect(try await branch(stack, session, copy).map(\.content) == (try await branch(stack, session, conversation)).map(\.content))
        #expect(try await search(stack, session, "edited").body["items"]?.arrayValue?.contains { $0["conversation_id"]?.stringValue == copy } == true)
        #expect(try await stack.chat(session, copy, "third question").status == 200)

        let markdown = String(decoding: try await stack.request("GET", "/api/v1/conversations/\(conversation)/export?format=markdown", token: session.access).body, as: UTF8.self)
        #expect(markdown.hasPrefix("# Round trip\n"))
        #expect(markdown.contains("second question, edited"))
        #expect(!markdown.contains("\nsecond question\n"), "the Markdown is the branch shown")
        let openAI = try JSONValue(parsing: try await stack.request("GET", "/api/v1/conversations/\(conversation)/export?format=openai", token: session.access).body)
        #expect(openAI["mapping"]?.objectValue?.count == 7)
        #expect(openAI["current_node"]?.stringValue.flatMap { openAI["mapping"]?[$0] }?["children"] == [])
        #expect(try await stack.request("GET", "/api/v1/conversations/\(conversation)/export?format=pdf", token: session.access).status == 400)
        let other = try await stack.register("veli")
        #expect(try await stack.request("GET", "/api/v1/conversations/\(conversation)/export", token: other.access).status == 404)
        await stack.stop()
    }

    @Test func aMalformedOrOversizedImportChangesNothing() async throws {
        let stack = try await Stack.start()
        let session = try await stack.register("yeliz")
        let good: JSONValue = [
            "format": "mami.conversation", "version": 1, "conversation": ["title": "Imported"],
            "messages": [["id": "a", "parent_id": nil, "role": "user", "content": "hello"],
                         ["id": "b", "parent_id": "a", "role": "assistant", "content": "hi"]],
        ]
        func with(_ change: (inout [String: JSONValue]) -> Void) -> JSONValue {
            var members = good.objectValue!
            change(&members)
            return .object(members)
        }
        let broken: [(JSONValue, String)] = [
            (with { $0["format"] = "chatgpt" }, "format"),
            (with { $0["messages"] = [["id": "b", "parent_id": "a", "role": "assistant", "content": "hi"]] }, "messages[0].parent_id"),
            (with { $0["messages"] = [["id": "a", "role": "user", "content": "x"], ["id": "a", "role": "user", "content": "y"]] }, "messages[1].id"),
            (with { $0["messages"] = [["id": "a", "role": "robot", "content": "x"]] }, "messages[0].role"),
            (with { $0["messages"] = [] }, "messages"),
            (with { $0["conversation"] = ["title": "ok", "temperature": 9] }, "temperature"),
        ]
        for (body, field) in broken {
            let answer = try await stack.json("POST", "/api/v1/conversations/import", body, token: session.access)
            #expect(answer.status == 400, "\(field): \(answer)")
            #expect(answer.body["error"]?["field"] == .string(field))
        }
        #expect(try await stack.request("POST", "/api/v1/conversations/import", token: session.access, raw: Array("{nope".utf8)).status == 400)
        let huge = with { $0["messages"] = [["id": "a", "role": "user", "content": .string(String(repeating: "x", count: 9 << 20))]] }
        #expect(try await stack.request("POST", "/api/v1/conversations/import", huge, token: session.access).status == 413)
        #expect(try await stack.json("GET", "/api/v1/conversations", token: session.access).body["items"] == [], "nothing was stored")
        #expect(try await stack.json("POST", "/api/v1/conversations/import", good, token: session.access).status == 201)
        await stack.stop()
    }

    @Test func archivedConversationsLeaveTheListAndPinnedOnesCanBeListedAlone() async throws {
        let stack = try await Stack.start()
        let session = try await stack.register("zerrin")
        let (a, b, c) = (try await stack.conversation(session, title: "a"), try await stack.conversation(session, title: "b"),
                         try await stack.conversation(session, title: "c"))
        #expect(try await stack.json("PATCH", "/api/v1/conversations/\(a)", ["archived": true], token: session.access).body["archived"] == true)
        #expect(try await stack.json("PATCH", "/api/v1/conversations/\(b)", ["pinned": true], token: session.access).body["pinned"] == true)
        func titles(_ query: String) async throws -> [String] {
            try await stack.json("GET", "/api/v1/conversations\(query)", token: session.access).body["items"]?.arrayValue?.compactMap { $0["title"]?.stringValue } ?? []
        }
        #expect(try await titles("") == ["c", "b"])
        #expect(try await titles("?archived=true") == ["a"])
        #expect(try await titles("?pinned=true") == ["b"])
        #expect(try await titles("?pinned=false") == ["c"])
        #expect(try await stack.request("GET", "/api/v1/conversations?archived=maybe", token: session.access).status == 400)
        _ = try await stack.json("PATCH", "/api/v1/conversations/\(a)", ["archived": false], token: session.access)
        #expect(try await titles("") == ["c", "b", "a"])
        _ = c
        await stack.stop()
    }
}

/// Each message's text and the index of its parent, in order: a tree's shape without its ids.
func shape(_ export: JSONValue) -> [String] {
    let messages = export["messages"]?.arrayValue ?? []
    let index = Dictionary(uniqueKeysWithValues: messages.enumerated().compactMap { offset, message in message["id"]?.stringValue.map { ($0, offset) } })
    return messages.map { message in
        let parent = message["parent_id"]?.stringValue.flatMap { index[$0] }.map(String.init) ?? "-"
        return "\(parent) \(message["role"]?.stringValue ?? "") \(message["content"]?.stringValue ?? "") \(message["status"]?.stringValue ?? "")"
    }
}

func ids(_ export: JSONValue) -> [String] {
    export["messages"]?.arrayValue?.compactMap { $0["id"]?.stringValue } ?? []
}

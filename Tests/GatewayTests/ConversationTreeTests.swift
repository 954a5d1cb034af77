import Foundation
import MamiCore
import ServiceTestSupport
import Testing

/// Regenerate, edit and branch: a conversation is a tree; one branch is shown and each answer is
/// asked with its own branch only.
@Suite struct ConversationTreeTests {
    @Test func regenerateTwiceAndEditOnceMakeSiblingsAndEachPromptHoldsOnlyItsBranch() async throws {
        let stack = try await Stack.start()
        let session = try await stack.register("ipek")
        let conversation = try await stack.conversation(session)
        let first = try await stack.chat(session, conversation, "I keep bees in the garden")
        let second = try await stack.chat(session, conversation, "My brother plays the cello")
        let question = try #require(second.body["user_message"]?["id"]?.stringValue)
        let answer = try #require(second.body["message"]?["id"]?.stringValue)

        let again = try await stack.json("POST", "/api/v1/messages/\(answer)/regenerate", token: session.access)
        #expect(again.status == 200)
        #expect(try prompt(of: await lastChatCall(stack)) == [
            "user: I keep bees in the garden", "assistant: You said: I keep bees in the garden", "user: My brother plays the cello",
        ], "a regenerate is asked with the branch up to its question, no earlier answer to it")
        let third = try await stack.json("POST", "/api/v1/messages/\(answer)/regenerate", token: session.access)
        let newest = try #require(third.body["message"]?["id"]?.stringValue)
        var shown = try await branch(stack, session, conversation)
        #expect(shown.map(\.id) == [newest, question, first.body["message"]?["id"]?.stringValue, first.body["user_message"]?["id"]?.stringValue])
        #expect(shown[0].siblings == [answer, again.body["message"]?["id"]?.stringValue ?? "", newest])
        #expect(shown[0].position == 3)

        let edited = try await stack.json("POST", "/api/v1/messages/\(question)/edit", ["content": "My sister plays the violin"], token: session.access)
        #expect(edited.status == 200)
        let editedQuestion = try #require(edited.body["user_message"]?["id"]?.stringValue)
        #expect(try prompt(of: await lastChatCall(stack)) == [
            "user: I keep bees in the garden", "assistant: You said: I keep bees in the garden", "user: My sister plays the violin",
        ], "the edit's answer never sees the text it replaced")
        shown = try await branch(stack, session, conversation)
        #expect(shown.map(\.content).prefix(2) == ["You said: My sister plays the violin", "My sister plays the violin"])
        #expect(shown[1].siblings == [question, editedQuestion])
        #expect(shown[0].siblings.count == 1)

        // Back to the first branch: its newest answer is shown, and a new message follows it.
        let switched = try await stack.json("PUT", "/api/v1/conversations/\(conversation)/path", ["message_id": .string(question)], token: session.access)
        #expect(switched.body["current_message_id"] == .string(newest))
        shown = try await branch(stack, session, conversation)
        #expect(shown.map(\.id).prefix(2) == [newest, question])
        _ = try await stack.chat(session, conversation, "What did I say about music?")
        let asked = try prompt(of: await lastChatCall(stack))
        #expect(asked.contains("user: My brother plays the cello"))
        #expect(!asked.contains { $0.contains("violin") }, "\(asked)")
        #expect(try await stack.json("PUT", "/api/v1/conversations/\(conversation)/path", ["message_id": "no-such"], token: session.access).status == 404)

        // Memory writes stay once per answer: regenerates remember nothing again; the edit's text is remembered once.
        let memories = try await stack.memoryTexts(session, count: 4)
        try await Task.sleep(for: .seconds(1))
        #expect(Set(try await stack.memoryTexts(session, count: 4)) == Set(memories))
        #expect(memories.sorted() == ["I keep bees in the garden", "My brother plays the cello", "My sister plays the violin",
                                      "What did I say about music?"].sorted(), "\(memories)")
        await stack.stop()
    }

    @Test func onlyAnswersRegenerateAndOnlyThePersonsMessagesEdit() async throws {
        let stack = try await Stack.start()
        let session = try await stack.register("jale")
        let conversation = try await stack.conversation(session)
        let chat = try await stack.chat(session, conversation, "hello there")
        let question = try #require(chat.body["user_message"]?["id"]?.stringValue)
        let answer = try #require(chat.body["message"]?["id"]?.stringValue)
        #expect(try await stack.json("POST", "/api/v1/messages/\(question)/regenerate", token: session.access).status == 400)
        #expect(try await stack.json("POST", "/api/v1/messages/\(answer)/edit", ["content": "x"], token: session.access).status == 400)
        #expect(try await stack.json("POST", "/api/v1/messages/\(question)/edit", ["content": "  "], token: session.access).status == 400)
        let other = try await stack.register("kaya")
        #expect(try await stack.json("POST", "/api/v1/messages/\(answer)/regenerate", token: other.access).status == 404)
        #expect(try await stack.json("POST", "/api/v1/messages/\(question)/edit", ["content": "mine now"], token: other.access).status == 404)
        #expect(try await stack.json("PUT", "/api/v1/conversations/\(conversation)/path", ["message_id": .string(question)], token: other.access).status == 404)
        await stack.stop()
    }
}

/// A listed message: id, text and its alternatives.
struct Shown {
    var id: String?
    var content: String
    var siblings: [String]
    var position: Int

    init(_ json: JSONValue) {
        id = json["id"]?.stringValue
        content = json["content"]?.stringValue ?? ""
        siblings = json["siblings"]?["ids"]?.arrayValue?.compactMap(\.stringValue) ?? []
        position = Int(json["siblings"]?["position"]?.intValue ?? 0)
    }
}

func branch(_ stack: Stack, _ session: Session, _ conversation: String) async throws -> [Shown] {
    let page = try await stack.json("GET", "/api/v1/conversations/\(conversation)/messages", token: session.access).body
    return (page["items"]?.arrayValue ?? []).map(Shown.init)
}

/// The newest chat request the engine received (not a fact extraction, which asks for structured output).
func lastChatCall(_ stack: Stack) async throws -> JSONValue {
    let calls = try await stack.sim.calls(to: "/api/chat").filter { $0["body"]?["format"] == nil && $0["body"]?["messages"]?.arrayValue?.isEmpty == false }
    return try #require(calls.last?["body"])
}

/// The non-system lines of a chat request, as "role: content".
func prompt(of body: JSONValue) throws -> [String] {
    (body["messages"]?.arrayValue ?? []).filter { $0["role"] != "system" }.map {
        "\($0["role"]?.stringValue ?? ""): \($0["content"]?.stringValue ?? "")"
    }
}

import Foundation
import MamiCore
import ServiceTestSupport
import Testing

/// The conversation endpoints under load: people regenerating, searching, streaming and exporting at once.
@Suite struct ConversationLoadTests {
    @Test func regeneratesSearchesStreamsAndExportsAtOnceStayEachPersonsOwn() async throws {
        let stack = try await Stack.start()
        try await stack.sim.configure(tokenMs: 10)
        var people: [(session: Session, conversation: String, answer: String, word: String)] = []
        for index in 0..<4 {
            let session = try await stack.register("load\(index)")
            let conversation = try await stack.conversation(session)
            let word = "marker\(index)word"
            let chat = try await stack.chat(session, conversation, "a note about \(word)")
            people.append((session, conversation, try #require(chat.body["message"]?["id"]?.stringValue), word))
        }
        let statuses = try await withThrowingTaskGroup(of: [Int].self) { group in
            for person in people {
                for _ in 0..<4 {
                    group.addTask { [try await stack.json("POST", "/api/v1/messages/\(person.answer)/regenerate", token: person.session.access).status] }
                    group.addTask {
                        let found = try await search(stack, person.session, person.word)
                        let foreign = found.body["items"]?.arrayValue?.contains { $0["conversation_id"]?.stringValue != person.conversation } ?? true
                        return [found.status, foreign ? -1 : 200]
                    }
                }
                for round in 0..<2 {
                    group.addTask {
                        let events = try await follow(stack, stack.streamedChat(person.session, person.conversation, "streamed \(round)"))
                        return [events.last?.event == "done" ? 200 : -2]
                    }
                }
                group.addTask { [try await stack.request("GET", "/api/v1/conversations/\(person.conversation)/export", token: person.session.access).status] }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
        let perPerson = 4 * 3 + 2 + 1  // 4 regenerates and 4 searches (two figures each), 2 streams, an export
        #expect(statuses.count == people.count * perPerson)
        #expect(statuses.allSatisfy { $0 == 200 }, "\(statuses.filter { $0 != 200 })")
        for person in people {
            let export = try JSONValue(parsing: try await stack.request("GET", "/api/v1/conversations/\(person.conversation)/export",
                                                                          token: person.session.access).body)
            let messages = export["messages"]?.arrayValue ?? []
            let question = messages.first?["id"]
            let answers = messages.filter { $0["role"] == "assistant" && $0["parent_id"] == question }
            #expect(answers.count == 5, "the first answer and its four regenerates are siblings")
            #expect(messages.allSatisfy { $0["status"] == "complete" })
        }
        await stack.stop()
    }
}

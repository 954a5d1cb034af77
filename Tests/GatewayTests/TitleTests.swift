import Foundation
import MamiCore
import ServiceTestSupport
import Testing

/// A conversation nobody named is titled by the chat model after its first exchange; a person's title always wins.
@Suite struct TitleTests {
    @Test func theFirstExchangeTitlesAnUntitledConversationAndTheOwnersSocketsHearIt() async throws {
        let stack = try await Stack.start()
        let admin = try await stack.register("admin")
        let session = try await stack.register("pelin")
        let created = try await stack.json("POST", "/api/v1/conversations", [:], token: session.access).body
        #expect(created["title"] == "New conversation")
        #expect(created["title_source"] == "default")
        let conversation = try #require(created["id"]?.stringValue)
        let url = "ws://127.0.0.1:\(stack.port)/api/v1/ws"
        async let view = runPython("ws_client.py", [url, "events", session.access, "30", "conversation_updated"])
        try await waitForSockets(stack, admin, 1)
        #expect(try await stack.chat(session, conversation, "Balkonda domates yetiştiriyorum").status == 200)
        // mami-sim answers "You said: <the person's message>"; the title is the model's answer, cleaned.
        let titled = try await waitForTitle(stack, session, conversation) { $0 != "New conversation" }
        #expect(titled["title"] == "You said: Balkonda domates yetiştiriyorum")
        #expect(titled["title_source"] == "model")
        let asked = try await stack.sim.calls(to: "/api/chat").compactMap { $0["body"]?["messages"]?.arrayValue }
            .filter { $0.first?["content"]?.stringValue?.hasPrefix("Write a title") == true }
        #expect(asked.count == 1, "one title request")
        #expect(asked.first?.last?["content"] == "Balkonda domates yetiştiriyorum")
        let events = try JSONValue(parsing: try await view.output.split(separator: "\n").last.map(String.init) ?? "")["events"]?.arrayValue ?? []
        #expect(events.last?["type"] == "conversation_updated")
        #expect(events.last?["conversation"]?["title"] == titled["title"])
        // A second exchange asks for no title again.
        _ = try await stack.chat(session, conversation, "ve biber")
        try await Task.sleep(for: .seconds(1))
        #expect(try await titleRequests(stack) == 1)
        await stack.stop()
    }

    @Test func aTitleThePersonSetNeverGivesWay() async throws {
        let stack = try await Stack.start()
        let session = try await stack.register("rana")
        let named = try await stack.conversation(session, title: "Garden")
        _ = try await stack.chat(session, named, "first words")
        // Renamed while the model is still writing its title: the person's stays.
        let untitled = try #require(try await stack.json("POST", "/api/v1/conversations", [:], token: session.access).body["id"]?.stringValue)
        try await stack.sim.configure(tokenMs: 400)
        #expect(try await stack.chat(session, untitled, "a slow first exchange").status == 200)
        let renamed = try await stack.json("PATCH", "/api/v1/conversations/\(untitled)", ["title": "Mine"], token: session.access).body
        #expect(renamed["title_source"] == "person")
        let deadline = ContinuousClock.now + .seconds(20)
        while try await titleRequests(stack) < 1, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(100)) }
        try await Task.sleep(for: .seconds(3))  // the title's five tokens at 400 ms
        let list = try await stack.json("GET", "/api/v1/conversations", token: session.access).body["items"]?.arrayValue ?? []
        #expect(list.first { $0["id"]?.stringValue == untitled }?["title"] == "Mine")
        #expect(list.first { $0["id"]?.stringValue == named }?["title"] == "Garden")
        #expect(try await titleRequests(stack) == 1, "the named conversation asked for none")
        await stack.stop()
    }
}

func waitForSockets(_ stack: Stack, _ admin: Session, _ count: Int64) async throws {
    let deadline = ContinuousClock.now + .seconds(30)
    while try await stack.json("GET", "/api/v1/admin/stats", token: admin.access).body["websockets"]?.intValue ?? 0 < count {
        guard ContinuousClock.now < deadline else { throw TestTimeout(what: "\(count) sockets") }
        try await Task.sleep(for: .milliseconds(50))
    }
}

func waitForTitle(_ stack: Stack, _ session: Session, _ conversation: String, until done: (String) -> Bool) async throws -> JSONValue {
    let deadline = ContinuousClock.now + .seconds(30)
    while ContinuousClock.now < deadline {
        let list = try await stack.json("GET", "/api/v1/conversations", token: session.access).body["items"]?.arrayValue ?? []
        if let found = list.first(where: { $0["id"]?.stringValue == conversation }), done(found["title"]?.stringValue ?? "") { return found }
        try await Task.sleep(for: .milliseconds(50))
    }
    throw TestTimeout(what: "a title")
}

func titleRequests(_ stack: Stack) async throws -> Int {
    try await stack.sim.calls(to: "/api/chat").count {
        $0["body"]?["messages"]?.arrayValue?.first?["content"]?.stringValue?.hasPrefix("Write a title") == true
    }
}

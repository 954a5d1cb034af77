import Foundation
import MamiCore
import ServiceTestSupport
import Testing

/// The gateway under concurrent load, driven by real clients (Tests/GatewayTests/python/load.py):
/// every request completes or fails with a named error, `/health` answers throughout,
/// and what is stored adds up.
@Suite(.serialized) struct LoadTests {
    /// The deadlock of a blocking database read on the cooperative pool: many first-time
    /// OpenAI chats of one user at once wedged the gateway (both cooperative threads parked
    /// in GRDB's reader semaphore) until SIGKILL.
    @Test func manyFirstTimeOpenAIChatsOfOneUserAllAnswer() async throws {
        let stack = try await Stack.start()
        let session = try await stack.register("ilkay")
        let (status, output) = try await runPython("load.py", ["burst", stack.base, session.access, "64"])
        #expect(status == 0, "\(output)")
        let result = try LoadResult(output)
        #expect(result.unexplained.isEmpty, "\(result.unexplained)")
        #expect(result.outcomes("openai") == ["ok": 64])
        #expect(try await stack.json("GET", "/health").status == 200)
        let conversations = try await LoadLedger.conversations(stack, session)
        #expect(conversations.map(\.title) == ["OpenAI API"], "concurrent first chats share one conversation")
        let messages = try await LoadLedger.messages(stack, session, conversations)
        #expect(messages.filter { $0.role == "user" }.count == 64)
        #expect(LoadLedger.answers(messages) == result.answers(of: "openai"), "every answer stored once, as streamed")
        await stack.stop()
    }

    /// 64 OpenAI and 64 native streams at once over several users (new and existing
    /// conversations), with memory searches, model lists, images submitted and cancelled,
    /// and WebSocket clients, while `/health` is polled; with the LLM behind either protocol.
    @Test(arguments: EngineProtocol.allCases)
    func theGatewayHoldsAMixedLoadAndEveryAnswerIsStoredOnce(_ engine: EngineProtocol) async throws {
        let stack = try await Stack.start(engine: engine)
        var users: [(session: Session, conversations: [String])] = []
        for name in ["jale", "kaan", "lale", "mert"] {
            let session = try await stack.register(name)
            users.append((session, [try await stack.conversation(session), try await stack.conversation(session)]))
        }
        // Each stream's chats in a row; scripts/release-load-test.sh asks for more against the release build.
        let rounds = Int(ProcessInfo.processInfo.environment["MAMI_LOAD_ROUNDS"] ?? "") ?? 3
        let config: JSONValue = [
            "rounds": .int(Int64(rounds)), "openai": 64, "native": 64, "websockets": 8,
            "users": .array(users.map { user in
                ["token": .string(user.session.access), "id": .string(user.session.userID),
                 "conversations": .array(user.conversations.map(JSONValue.string))]
            }),
        ]
        let configPath = "\(stack.directory)/load.json"
        try Data(config.serialized()).write(to: URL(fileURLWithPath: configPath))
        let (status, output) = try await runPython("load.py", ["mixed", stack.base, configPath])
        #expect(status == 0, "\(output)")
        let result = try LoadResult(output)
        #expect(result.unexplained.isEmpty, "\(result.unexplained)")
        #expect(result.outcomes("openai") == ["ok": 64 * rounds])
        #expect(result.outcomes("native") == ["ok": 64 * rounds])
        #expect(result.outcomes("memory_search") == ["ok": 4 * rounds])
        #expect(result.outcomes("models") == ["ok": 4 * rounds])
        #expect(result.outcomes("image")["submitted"] == 2 * rounds)
        #expect(result.outcomes("image_cancel") == ["ok": rounds])
        #expect(result.outcomes("websocket") == ["ok": 8])
        let health = result.json["health"]
        #expect(health?["failures"] == [], "/health failed under load: \(health ?? .null)")
        #expect(health?["statuses"] == ["200": health?["answers"] ?? 0], "\(health ?? .null)")

        var stored: [String: String] = [:]
        for user in users {
            let messages = try await LoadLedger.messages(stack, user.session, try await LoadLedger.conversations(stack, user.session))
            let answers = LoadLedger.answers(messages)
            #expect(answers.count == messages.filter { $0.role == "assistant" && $0.kind == "text" }.count, "no answer stored twice")
            stored.merge(answers) { first, _ in first }
        }
        #expect(stored == result.answers(of: "openai").merging(result.answers(of: "native")) { $1 }, "every answer stored once, as streamed")
        for job in result.json["jobs"]?.arrayValue?.compactMap(\.stringValue) ?? [] {
            let final = try await waitForJob(stack, users[0].session, job)
            #expect(["succeeded", "cancelled"].contains(final["status"]?.stringValue ?? ""), "\(final)")
        }
        let submitted = Set(result.json["jobs"]?.arrayValue?.compactMap(\.stringValue) ?? [])
        for socket in result.json["sockets"]?.arrayValue ?? [] {
            let seen = Set(socket["jobs"]?.arrayValue?.compactMap(\.stringValue) ?? [])
            let isOwner = socket["user"]?.stringValue == users[0].session.userID
            #expect(isOwner ? seen.isSubset(of: submitted) : seen.isEmpty, "a socket sees its owner's jobs only: \(socket)")
        }
        await stack.stop()
    }
}

/// load.py's report.
struct LoadResult {
    var json: JSONValue

    init(_ output: String) throws {
        json = try JSONValue(parsing: output.split(separator: "\n").last.map(String.init) ?? "")
    }

    var unexplained: [JSONValue] { json["unexplained"]?.arrayValue ?? [] }

    func outcomes(_ kind: String) -> [String: Int] {
        (json["kinds"]?[kind]?.objectValue ?? [:]).mapValues { Int($0.intValue ?? 0) }
    }

    /// Answer id → text, as the clients of `api` saw them.
    func answers(of api: String) -> [String: String] {
        var answers: [String: String] = [:]
        for answer in json["answers"]?.arrayValue ?? [] where answer["api"]?.stringValue == api {
            answers[answer["id"]?.stringValue ?? ""] = answer["text"]?.stringValue ?? ""
        }
        return answers
    }
}

/// What the gateway stored, read back through the API, page by page.
enum LoadLedger {
    struct Conversation { var id: String; var title: String }
    struct Message { var id: String; var role: String; var kind: String; var status: String; var content: String }

    static func conversations(_ stack: Stack, _ session: Session) async throws -> [Conversation] {
        try await pages(stack, session, "/api/v1/conversations").map {
            Conversation(id: $0["id"]?.stringValue ?? "", title: $0["title"]?.stringValue ?? "")
        }
    }

    static func messages(_ stack: Stack, _ session: Session, _ conversations: [Conversation]) async throws -> [Message] {
        var messages: [Message] = []
        for conversation in conversations {
            messages += try await pages(stack, session, "/api/v1/conversations/\(conversation.id)/messages").map { item in
                Message(id: item["id"]?.stringValue ?? "", role: item["role"]?.stringValue ?? "", kind: item["kind"]?.stringValue ?? "",
                        status: item["status"]?.stringValue ?? "", content: item["content"]?.stringValue ?? "")
            }
        }
        return messages
    }

    /// Completed text answers: id → content.
    static func answers(_ messages: [Message]) -> [String: String] {
        var answers: [String: String] = [:]
        for message in messages where message.role == "assistant" && message.kind == "text" && message.status == "complete" {
            answers[message.id] = message.content
        }
        return answers
    }

    static func pages(_ stack: Stack, _ session: Session, _ path: String) async throws -> [JSONValue] {
        var items: [JSONValue] = []
        var cursor: String?
        repeat {
            let page = try await stack.json("GET", path + "?limit=200" + (cursor.map { "&cursor=\($0)" } ?? ""), token: session.access).body
            items += page["items"]?.arrayValue ?? []
            cursor = page["next_cursor"]?.stringValue
        } while cursor != nil
        return items
    }
}

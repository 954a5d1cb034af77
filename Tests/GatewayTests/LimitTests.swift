import Foundation
import MamiCore
import ServiceTestSupport
import Testing

/// Rate limits on chat, per user and per address (sliding minute, 429 with Retry-After), and the cap
/// on a user's open image jobs: one person or one runaway script cannot monopolise the engine or the GPU.
@Suite struct LimitTests {
    @Test func theMessageOverAUsersLimitIs429WithRetryAfterAndOthersGoOn() async throws {
        let stack = try await Stack.start(extra: ["MAMI_CHAT_PER_MINUTE": "3"])
        let busy = try await stack.register("busy")
        let conversation = try await stack.conversation(busy)
        for _ in 0..<3 { #expect(try await stack.chat(busy, conversation, "hello").status == 200) }
        let refused = try await stack.chat(busy, conversation, "hello")
        #expect(refused.status == 429)
        #expect(refused.body["error"]?["code"] == "rate_limited")
        let printed = try await runPython("chat_once.py", [stack.base, busy.access, conversation]).output.split(separator: " ")
        #expect(printed.first == "429")
        let retryAfter = Int(printed.last?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "") ?? 0
        #expect((1...60).contains(retryAfter), "Retry-After: \(printed)")
        let openAI = try await stack.json("POST", "/v1/chat/completions", ["messages": [["role": "user", "content": "hi"]]], token: busy.access)
        #expect(openAI.status == 429, "the OpenAI surface counts too")

        let other = try await stack.register("calm")
        #expect(try await stack.chat(other, try await stack.conversation(other), "hello").status == 200, "another user is unaffected")
        let page = try await stack.json("GET", "/api/v1/conversations/\(conversation)/messages", token: busy.access)
        #expect(page.body["items"]?.arrayValue?.count == 6, "a refused message is not stored")
        await stack.stop()
    }

    @Test func anAddressOverItsLimitIsRefusedForEveryUserOnIt() async throws {
        let stack = try await Stack.start(extra: ["MAMI_CHAT_PER_MINUTE_PER_IP": "4"])
        let sessions = [try await stack.register("one"), try await stack.register("two")]
        var statuses: [Int] = []
        for round in 0..<3 {
            for session in sessions { statuses.append(try await stack.chat(session, try await stack.conversation(session), "round \(round)").status) }
        }
        #expect(statuses == [200, 200, 200, 200, 429, 429])
        await stack.stop()
    }

    /// Jobs stay queued and drawing (the simulated Forge is slow): past two, a drawing request is 429, by chat or by the API.
    @Test func aUsersOpenImageJobsAreCapped() async throws {
        let stack = try await Stack.start(extra: ["MAMI_IMAGE_JOBS_PER_USER": "2"], stepMs: 200)
        let painter = try await stack.register("painter")
        let conversation = try await stack.conversation(painter)
        let accepted = try await withThrowingTaskGroup(of: Int.self) { group in
            for index in 0..<4 { group.addTask { try await stack.chat(painter, conversation, "draw a lighthouse number \(index)").status } }
            return try await group.reduce(into: [Int]()) { $0.append($1) }
        }
        #expect(accepted.sorted() == [202, 202, 429, 429], "concurrent requests cannot pass the cap together")
        let byAPI = try await stack.json("POST", "/api/v1/images", ["prompt": "a red fox"], token: painter.access)
        #expect(byAPI.status == 429)
        #expect(byAPI.body["error"]?["code"] == "image_queue_full")
        #expect(byAPI.body["error"]?["message"]?.stringValue?.contains("2 images") == true, "the message names the limit")
        let other = try await stack.register("sketcher")
        #expect(try await stack.json("POST", "/api/v1/images", ["prompt": "a blue fox"], token: other.access).status == 202)
        await stack.stop()
    }
}

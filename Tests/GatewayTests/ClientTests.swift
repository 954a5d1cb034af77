import Foundation
import MamiCore
import ServiceTestSupport
import Testing

/// Real clients against the gateway: the `openai` package and a WebSocket client (Python, from .venv).
@Suite struct ClientTests {
    @Test func theOpenAIPackageChatsWholeAndStreamed() async throws {
        let stack = try await Stack.start()
        let session = try await stack.register("sila")
        let (status, output) = try await runPython("openai_chat.py", [], environment: ["MAMI_BASE": stack.base, "MAMI_TOKEN": session.access])
        #expect(status == 0, "\(output)")
        let result = try JSONValue(parsing: output.split(separator: "\n").last.map(String.init) ?? "")
        #expect(result["whole"] == "You said: hello from the openai package")
        #expect(result["streamed"] == "You said: hello from the openai package")
        #expect(result["finish_reason"] == "stop")
        #expect(result["models"]?.arrayValue?.contains("llama3.2:latest") == true, "the engine's own list: \(result)")
        // The same pipeline: the conversation is stored; a greeting states no fact about the person.
        let conversations = try await stack.json("GET", "/api/v1/conversations", token: session.access).body["items"]?.arrayValue ?? []
        #expect(conversations.first?["title"] == "OpenAI API")
        #expect(try await stack.memoryTexts(session, count: 1, within: .milliseconds(500)).isEmpty)
        let sent = try await stack.sim.calls(to: "/api/chat").last?["body"]?["messages"]?.arrayValue ?? []
        #expect(sent.first?["content"]?.stringValue?.contains("Be brief.") == true, "the client's system message reaches the model")
        await stack.stop()
    }

    @Test func anUnauthenticatedSocketIsClosed() async throws {
        let stack = try await Stack.start()
        let url = "ws://127.0.0.1:\(stack.port)/api/v1/ws"
        for mode in ["badauth", "noauth"] {
            let (status, output) = try await runPython("ws_client.py", [url, mode])
            #expect(status == 0, "\(output)")
            #expect(try JSONValue(parsing: output.split(separator: "\n").last.map(String.init) ?? "")["close_code"] == 4001, "\(mode): \(output)")
        }
        await stack.stop()
    }

    /// G5: a socket is closed when its session is revoked (4003) or its token expires (4002).
    @Test func aSocketIsClosedWhenItsSessionIsRevokedOrItsTokenExpires() async throws {
        let stack = try await Stack.start(extra: ["MAMI_WS_HEARTBEAT_S": "1", "MAMI_ACCESS_TOKEN_TTL_S": "10"])
        let admin = try await stack.register("admin")
        let revoked = try await stack.register("wanda")
        let expiring = try await stack.register("xavi")
        let url = "ws://127.0.0.1:\(stack.port)/api/v1/ws"
        async let revokedView = runPython("ws_client.py", [url, "until_close", revoked.access])
        async let expiringView = runPython("ws_client.py", [url, "until_close", expiring.access])
        let deadline = ContinuousClock.now + .seconds(30)
        while try await stack.json("GET", "/api/v1/admin/stats", token: admin.access).body["websockets"]?.intValue ?? 0 < 2 {
            guard ContinuousClock.now < deadline else { throw TestTimeout(what: "two sockets") }
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(try await stack.request("POST", "/api/v1/auth/logout", ["refresh_token": .string(revoked.refresh)]).status == 204)
        let revokedClose = try JSONValue(parsing: try await revokedView.output.split(separator: "\n").last.map(String.init) ?? "")
        #expect(revokedClose["close_code"] == 4003)
        let expiredClose = try JSONValue(parsing: try await expiringView.output.split(separator: "\n").last.map(String.init) ?? "")
        #expect(expiredClose["close_code"] == 4002)
        await stack.stop()
    }

    /// G5: a socket sees its owner's progress, to the end, and nobody else's.
    @Test func aSocketReceivesOnlyItsOwnersImageProgress() async throws {
        let stack = try await Stack.start(stepMs: 20)
        let admin = try await stack.register("admin")
        let owner = try await stack.register("tuna")
        let stranger = try await stack.register("umut")
        let url = "ws://127.0.0.1:\(stack.port)/api/v1/ws"
        async let ownerView = runPython("ws_client.py", [url, "events", owner.access, "60"])
        async let strangerView = runPython("ws_client.py", [url, "events", stranger.access, "8"])
        let deadline = ContinuousClock.now + .seconds(30)
        while try await stack.json("GET", "/api/v1/admin/stats", token: admin.access).body["websockets"]?.intValue ?? 0 < 2 {
            guard ContinuousClock.now < deadline else { throw TestTimeout(what: "two sockets") }
            try await Task.sleep(for: .milliseconds(50))
        }
        let created = try await stack.json("POST", "/api/v1/images", ["prompt": "progress please", "steps": 50, "width": 64, "height": 64], token: owner.access)
        let jobID = try #require(created.body["job_id"]?.stringValue)
        let ownerEvents = try JSONValue(parsing: try await ownerView.output.split(separator: "\n").last.map(String.init) ?? "")["events"]?.arrayValue ?? []
        #expect(ownerEvents.allSatisfy { $0["type"] == "image_progress" && $0["job_id"]?.stringValue == jobID })
        #expect(ownerEvents.last?["status"] == "succeeded")
        #expect(ownerEvents.last?["image_url"]?.stringValue == "/api/v1/images/\(jobID)")
        #expect(ownerEvents.last?["message_id"] == created.body["message_id"])
        #expect(ownerEvents.contains { $0["status"] == "running" })
        let strangerEvents = try JSONValue(parsing: try await strangerView.output.split(separator: "\n").last.map(String.init) ?? "")["events"]?.arrayValue
        #expect(strangerEvents == [], "another user's progress leaked")
        await stack.stop()
    }

    /// docs/openapi.yaml is what the gateway serves, and every path in it is routed.
    @Test func theServedOpenAPIDocumentIsDocsOpenAPIYaml() async throws {
        let (status, output) = try await runPython("../../../scripts/openapi.py", ["--check"])
        #expect(status == 0, "\(output)")
        let stack = try await Stack.start()
        let document = try await stack.json("GET", "/api/v1/openapi.json").body
        #expect(document["openapi"] == "3.1.0")
        let paths = document["paths"]?.objectValue ?? [:]
        #expect(paths.count > 25)
        let session = try await stack.register("vedat")
        for (path, item) in paths where !path.contains("{") && path != "/api/v1/ws" {
            for method in (item.objectValue ?? [:]).keys {
                let status = try await stack.request(method.uppercased(), path, [:], token: session.access).status
                #expect(status != 404 && status != 405, "\(method.uppercased()) \(path) is documented but answers \(status)")
            }
        }
        await stack.stop()
    }
}

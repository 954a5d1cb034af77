import Foundation
import MamiCore
import ServiceTestSupport
import Testing

@Suite struct ImageTests {
    /// I1, I3: the answer to an image request already names the message and the job;
    /// the message follows the job to its end; the image is its owner's only.
    @Test func aDrawingRequestInChatQueuesAJobAndTheMessageFollowsIt() async throws {
        let stack = try await Stack.start()
        let session = try await stack.register("nazli")
        let conversation = try await stack.conversation(session)
        let queued = try await stack.chat(session, conversation, "draw a lighthouse at dusk")
        #expect(queued.status == 202)
        let jobID = try #require(queued.body["job_id"]?.stringValue)
        let messageID = try #require(queued.body["message_id"]?.stringValue)
        #expect(queued.body["queue_position"] != nil)
        #expect(queued.body["estimated_seconds"] != nil)
        let job = try await waitForJob(stack, session, jobID)
        #expect(job["status"] == "succeeded")
        #expect(job["message_id"]?.stringValue == messageID)
        #expect(job["prompt"] == "a lighthouse at dusk")
        #expect(job["result_path"] == nil, "file paths stay inside")
        let image = try await stack.request("GET", "/api/v1/images/\(jobID)", token: session.access)
        #expect(image.status == 200)
        #expect(image.body.starts(with: [0x89, 0x50, 0x4E, 0x47]))
        try await waitForMessage(stack, session, conversation, messageID, status: "succeeded")

        let other = try await stack.register("stranger")
        #expect(try await stack.request("GET", "/api/v1/images/\(jobID)", token: other.access).status == 404)
        #expect(try await stack.request("GET", "/api/v1/jobs/\(jobID)", token: other.access).status == 404)
        #expect(try await stack.request("POST", "/api/v1/jobs/\(jobID)/cancel", token: other.access).status == 404)
        #expect(try await stack.request("GET", "/api/v1/conversations/\(conversation)/messages", token: other.access).status == 404)
        #expect(try await stack.json("POST", "/api/v1/conversations/\(conversation)/messages", ["content": "hi"], token: other.access).status == 404)
        #expect(try await stack.request("DELETE", "/api/v1/conversations/\(conversation)", token: other.access).status == 404)
        #expect(try await stack.request("POST", "/api/v1/messages/\(messageID)/regenerate", token: other.access).status == 404)
        await stack.stop()
    }

    @Test func cancelRetryAndRegenerate() async throws {
        let stack = try await Stack.start(stepMs: 30)
        let session = try await stack.register("oya")
        let created = try await stack.json("POST", "/api/v1/images", ["prompt": "slow painting", "steps": 100, "width": 64, "height": 64], token: session.access)
        #expect(created.status == 202)
        let jobID = try #require(created.body["job_id"]?.stringValue)
        let cancelled = try await stack.json("POST", "/api/v1/jobs/\(jobID)/cancel", token: session.access)
        #expect(cancelled.body["status"] == "cancelled")
        let retried = try await stack.json("POST", "/api/v1/jobs/\(jobID)/retry", token: session.access)
        #expect(retried.body["status"] == "queued")
        try await stack.sim.configure(stepMs: 1)
        #expect(try await waitForJob(stack, session, jobID)["status"] == "succeeded")
        let messageID = try #require(created.body["message_id"]?.stringValue)
        let again = try await stack.json("POST", "/api/v1/messages/\(messageID)/regenerate", token: session.access)
        #expect(again.status == 202)
        #expect(again.body["job_id"] != created.body["job_id"])
        #expect(try await waitForJob(stack, session, again.body["job_id"]!.stringValue!)["params"]?["steps"] == 100)
        await stack.stop()
    }

    /// With the image worker dead, chat goes on and image requests fail fast, saying so on the message.
    @Test func aDeadImageWorkerFailsImagesFastAndChatGoesOn() async throws {
        let stack = try await Stack.start()
        let session = try await stack.register("pelin")
        let conversation = try await stack.conversation(session)
        try await stack.kill("image-worker")
        let started = ContinuousClock.now
        let refused = try await stack.chat(session, conversation, "draw a boat")
        #expect(refused.status == 503)
        #expect(refused.body["error"]?["code"] == "image_worker_unavailable")
        #expect(refused.body["message"]?["status"] == "failed")
        #expect(refused.body["message"]?["error"]?.stringValue?.contains("image worker") == true)
        #expect(ContinuousClock.now - started < .seconds(5), "failing fast, not waiting")
        #expect(try await stack.chat(session, conversation, "still there?").status == 200)
        await stack.stop()
    }
}

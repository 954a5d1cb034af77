import Foundation
import MamiCore
import MamiHTTP
import ServiceTestSupport
import Testing

/// mami-sim behaves as ../shared/docs/EXTERNAL-APIS.md says Forge and Ollama do.
@Suite struct SimulatorTests {
    @Test func ollamaStreamsNDJSONAndTracksResidency() async throws {
        let sim = try await SimProcess(directory: try makeScratchDirectory())
        let chat: JSONValue = ["model": "llama3.2", "messages": [["role": "user", "content": "two words"]], "keep_alive": "5m"]
        let streamed = try await sim.send("POST", "/api/chat", chat, api: .ollama)
        let lines = streamed.text.split(separator: "\n").map { try? JSONValue(parsing: String($0)) }
        #expect(lines.count == 5)
        #expect(lines.dropLast().allSatisfy { $0?["done"] == false && $0?["message"]?["role"] == "assistant" })
        #expect(lines.last??["done_reason"] == "stop")
        #expect(lines.compactMap { $0?["message"]?["content"]?.stringValue }.joined() == "You said: two words")
        let resident = try JSONValue(parsing: try await sim.get("/api/ps", api: .ollama).body)["models"]?.arrayValue
        #expect(resident?.first?["name"] == "llama3.2:latest")

        let unload = try await sim.send("POST", "/api/generate", ["model": "llama3.2", "keep_alive": 0], api: .ollama)
        #expect(try JSONValue(parsing: unload.body)["done_reason"] == "unload")
        #expect(try JSONValue(parsing: try await sim.get("/api/ps", api: .ollama).body)["models"]?.arrayValue?.isEmpty == true)
        let missing = try await sim.send("POST", "/api/chat", ["model": "nope", "messages": []], api: .ollama)
        #expect(missing.status == 404)
        await sim.stop()
    }

    @Test func aMidStreamErrorArrivesAsALineUnderStatus200() async throws {
        let sim = try await SimProcess(directory: try makeScratchDirectory())
        try await sim.fault(["endpoint": "/api/chat", "mode": "stream_error", "count": 1], api: .ollama)
        let chat: JSONValue = ["model": "llama3.2", "messages": [["role": "user", "content": "one two three four"]]]
        let response = try await sim.send("POST", "/api/chat", chat, api: .ollama)
        #expect(response.status == 200)
        let lines = response.text.split(separator: "\n").compactMap { try? JSONValue(parsing: String($0)) }
        #expect(lines.count == 3)
        #expect(lines.last?["error"] != nil)
        await sim.stop()
    }

    @Test func forgeInterruptReturnsPartialImagesAndProgressIsGlobal() async throws {
        let sim = try await SimProcess(directory: try makeScratchDirectory(), stepMs: 20)
        let generation = Task { try await sim.send("POST", "/sdapi/v1/txt2img", ["prompt": "p", "steps": 100, "width": 64, "height": 64], api: .forge) }
        var progress = 0.0
        while progress == 0 {
            progress = try JSONValue(parsing: try await sim.get("/sdapi/v1/progress", api: .forge).body)["progress"]?.doubleValue ?? 0
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(progress > 0.01 && progress < 1)
        try await sim.send("POST", "/sdapi/v1/interrupt", [:], api: .forge)
        let answer = try await generation.value
        #expect(answer.status == 200)
        let images = try JSONValue(parsing: answer.body)["images"]?.arrayValue
        let png = Data(base64Encoded: images?.first?.stringValue ?? "")
        #expect(png?.starts(with: [0x89, 0x50, 0x4E, 0x47]) == true)
        let idle = try JSONValue(parsing: try await sim.get("/sdapi/v1/progress", api: .forge).body)
        #expect(idle["progress"] == 0.0)
        #expect(idle["state"]?["job_count"] == 0)
        await sim.stop()
    }

    @Test func forgeRunsOneGenerationAtATimeAndRefusesUnknownCheckpoints() async throws {
        let sim = try await SimProcess(directory: try makeScratchDirectory(), stepMs: 20)
        let started = ContinuousClock.now
        async let first = sim.send("POST", "/sdapi/v1/txt2img", ["prompt": "a", "steps": 10, "width": 64, "height": 64], api: .forge)
        async let second = sim.send("POST", "/sdapi/v1/txt2img", ["prompt": "b", "steps": 10, "width": 64, "height": 64], api: .forge)
        #expect(try await first.status == 200)
        #expect(try await second.status == 200)
        #expect(ContinuousClock.now - started >= .milliseconds(400), "two generations overlapped")
        let refused = try await sim.send("POST", "/sdapi/v1/options", ["sd_model_checkpoint": "missing"], api: .forge)
        #expect(refused.status == 500)
        #expect(try JSONValue(parsing: refused.body)["message"]?.stringValue?.contains("not found") == true)
        await sim.stop()
    }
}

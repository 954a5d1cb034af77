import Foundation
import MamiCore
import MamiWire
import ServiceTestSupport
import Testing

@Suite struct GPUTests {
    /// I10: the LLM leaves the GPU once before a run of image jobs, confirmed with /api/ps.
    @Test func theLLMIsUnloadedExactlyOnceBeforeARunOfImageJobs() async throws {
        let worker = try await WorkerProcess.start()
        try await worker.sim.send("POST", "/api/chat", ["model": "llama3.2", "messages": [], "stream": false], api: .ollama)
        var ids: [String] = []
        for index in 0..<5 { ids.append(try await worker.submit("run \(index)")["id"]!.stringValue!) }
        for id in ids { #expect(try await worker.waitForEnd(id)["status"] == "succeeded") }
        let unloads = try await worker.sim.calls(to: "/api/generate").filter { $0["body"]?["keep_alive"] == 0 }
        #expect(unloads.count == 1)
        #expect(unloads.first?["body"]?["model"] == "llama3.2:latest")
        let resident = try await worker.sim.get("/api/ps", api: .ollama)
        #expect(try JSONValue(parsing: resident.body)["models"]?.arrayValue?.isEmpty == true)
        #expect(try await worker.stats()["gpu"]?["resident"] == "image")
        await worker.stop()
    }

    @Test func aJobNamingAnotherCheckpointSwitchesForgeOnce() async throws {
        let worker = try await WorkerProcess.start()
        for index in 0..<3 {
            let id = try await worker.submit("xl \(index)", extra: ["model": "sd_xl_base_1.0"])["id"]!.stringValue!
            #expect(try await worker.waitForEnd(id)["status"] == "succeeded")
        }
        let switches = try await worker.sim.calls(to: "/sdapi/v1/options").filter { $0["method"] == "POST" }
        #expect(switches.count == 1)
        #expect(switches.first?["body"]?["sd_model_checkpoint"]?.stringValue?.hasPrefix("sd_xl_base_1.0.safetensors") == true)
        await worker.stop()
    }

    /// The LLM is granted between image jobs, never during one.
    @Test func theLLMIsGrantedOnlyBetweenJobs() async throws {
        let worker = try await WorkerProcess.start(stepMs: 20)
        let id = try await worker.submit("long", steps: 50)["id"]!.stringValue!
        try await worker.waitForJob(id) { $0["status"] == "running" }
        await #expect(throws: RPCError.self) { try await worker.call("gpu.acquire", ["mode": "llm"], timeout: .milliseconds(200)) }
        let granted = try await worker.call("gpu.acquire", ["mode": "llm"])
        #expect(granted["granted"] == true)
        #expect(try await worker.job(id)["status"] == "succeeded", "the LLM was granted while the job still ran")
        #expect(try await worker.stats()["gpu"]?["resident"] == "llm")
        #expect(await worker.error(of: "gpu.acquire", ["mode": "disk"])?.code == .invalidParams)
        await worker.stop()
    }

    /// An engine spoken to through the OpenAI protocol cannot be unloaded: the worker says so, never
    /// calls Ollama's residency API, and neither a job nor a chat's GPU request waits on it.
    @Test func anEngineThatCannotUnloadIsUnmanagedAndBlocksNothing() async throws {
        let worker = try await WorkerProcess.start(stepMs: 20, extra: ["MAMI_LLM_API": "openai", "MAMI_LLM_URL": "http://127.0.0.1:9"])
        #expect(try await worker.stats()["gpu"]?["resident"] == "unmanaged")
        let id = try await worker.submit("long", steps: 50)["id"]!.stringValue!
        try await worker.waitForJob(id) { $0["status"] == "running" }
        let granted = try await worker.call("gpu.acquire", ["mode": "llm"], timeout: .milliseconds(500))
        #expect(granted["granted"] == true, "a chat does not wait for the job to end")
        #expect(try await worker.job(id)["status"] == "running")
        #expect(try await worker.waitForEnd(id)["status"] == "succeeded")
        #expect(try await worker.sim.calls(to: "/api/ps").isEmpty)
        #expect(try await worker.sim.calls(to: "/api/generate").isEmpty)
        #expect(try await worker.stats()["gpu"]?["resident"] == "unmanaged")
        await worker.stop()
    }
}

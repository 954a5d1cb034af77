import Foundation
import MamiCore
import MamiHTTP
import MamiWire
import ServiceTestSupport
import Testing

/// The gateway's /health and mamictl health, against the three real processes.
@Suite struct GatewayHealthTests {
    @Test func healthReportsAHungDependencyPromptlyAndRecovers() async throws {
        let stack = try await Stack.start()
        let ok = try await stack.getHealth()
        #expect(ok.status == 200)
        #expect(ok.body["status"] == "ok", "\(ok.body)")
        #expect(try await stack.mamictlHealth() == 0)

        try await stack.memory.freeze()
        let start = ContinuousClock.now
        let hung = try await stack.getHealth()
        let elapsed = ContinuousClock.now - start
        #expect(hung.status == 200)
        #expect(hung.body["status"] == "degraded", "\(hung.body.jsonText)")
        #expect(hung.body["services"]?["memory"]?["status"] == "failing")
        #expect(hung.body["services"]?["image-worker"]?["status"] == "ok")
        // The probe deadline is 250 ms; this bound only catches an endpoint that waits on the stopped service.
        #expect(elapsed < .seconds(5), "health took \(elapsed) with memory stopped")
        #expect(try await stack.mamictlHealth() == 1)

        stack.memory.signal(SIGCONT)
        let recovered = try await stack.getHealth()
        #expect(recovered.body["status"] == "ok", "\(recovered.body)")
        try await stack.stop()
    }
}

/// The three services on scratch directories, the gateway's HTTP on a free port.
struct Stack {
    var directory: String
    var httpAddress: String
    var gateway: ServiceProcess
    var memory: ServiceProcess
    var imageWorker: ServiceProcess

    static func start() async throws -> Stack {
        let directory = try makeScratchDirectory()
        let httpAddress = "127.0.0.1:\(freeLoopbackPort())"
        let environment = serviceEnvironment(directory, extra: ["MAMI_HTTP_ADDR": httpAddress])
        let memory = try ServiceProcess("mami-memory", environment: environment, logPath: "\(directory)/memory.log")
        let imageWorker = try ServiceProcess("mami-image-worker", environment: environment, logPath: "\(directory)/image-worker.log")
        let gateway = try ServiceProcess("mami-gateway", environment: environment, logPath: "\(directory)/gateway.log")
        for name in ServiceName.allCases {
            try await waitForService(at: "\(directory)/run/\(name.socketFileName)").close()
        }
        let stack = Stack(directory: directory, httpAddress: httpAddress, gateway: gateway, memory: memory, imageWorker: imageWorker)
        try await stack.waitForHTTP()
        return stack
    }

    func getHealth() async throws -> (status: Int, body: JSONValue) {
        let response = try await HTTPClient().send(HTTPRequest(url: "http://\(httpAddress)/health", timeout: .seconds(10)))
        return (response.status, try JSONValue(parsing: response.body))
    }

    func waitForHTTP() async throws {
        let deadline = ContinuousClock.now + .seconds(20)
        while (try? await getHealth()) == nil {
            guard ContinuousClock.now < deadline else { throw RPCError(.unavailable, "gateway HTTP never answered") }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    func mamictlHealth() async throws -> Int32 {
        let arguments = ["health", "--runtime-dir", "\(directory)/run", "--http-addr", httpAddress, "--timeout-ms", "500"]
        let probe = try ServiceProcess("mamictl", arguments: arguments, environment: [:], logPath: "\(directory)/mamictl.log")
        return try await probe.waitForExit()
    }

    func stop() async throws {
        for service in [gateway, imageWorker, memory] { service.signal(SIGTERM) }
        for service in [gateway, imageWorker, memory] { #expect(try await service.waitForExit() == 0, "\(service.log)") }
    }
}

import Foundation
import MamiCore
import ServiceTestSupport
import Testing

/// Configuration is validated at start-up with messages that name the setting.
@Suite struct ConfigurationTests {
    @Test func theEnvironmentWinsOverTheFileAndDefaultsApply() throws {
        let directory = try makeScratchDirectory()
        let file = "\(directory)/mami.env"
        try "# comment\nMAMI_MAX_FRAME_BYTES=4096\nMAMI_RUNTIME_DIR=/from/file\n".write(toFile: file, atomically: true, encoding: .utf8)
        let source = try ConfigSource.load(environment: ["MAMI_CONFIG_FILE": file, "MAMI_RUNTIME_DIR": "/from/env"])
        let configuration = try CommonConfiguration(source: source)
        #expect(configuration.maxFrameBytes == 4096)
        #expect(configuration.runtimeDirectory == "/from/env")
        #expect(configuration.stateDirectory == "./var/lib")
        #expect(configuration.socketPath(of: .imageWorker) == "/from/env/image-worker.sock")
        #expect(configuration.allowedPeerUIDs.contains(0) && configuration.allowedPeerUIDs.contains(getuid()))
    }

    @Test func systemdDirectoriesAreTheDefaultsWhenSet() throws {
        let source = ConfigSource(values: ["RUNTIME_DIRECTORY": "/run/mami", "STATE_DIRECTORY": "/var/lib/mami/memory"])
        let configuration = try CommonConfiguration(source: source)
        #expect(configuration.runtimeDirectory == "/run/mami")
        #expect(configuration.stateDirectory == "/var/lib/mami/memory")
    }

    @Test func badValuesAreRefusedNamingTheKey() {
        for (key, value) in [("MAMI_MAX_FRAME_BYTES", "lots"), ("MAMI_MAX_INFLIGHT", "0"), ("MAMI_ALLOWED_UIDS", "root"), ("MAMI_DEBUG_METHODS", "maybe")] {
            #expect(throws: ConfigError.self) { try CommonConfiguration(source: ConfigSource(values: [key: value])) }
            do {
                _ = try CommonConfiguration(source: ConfigSource(values: [key: value]))
            } catch let error as ConfigError {
                #expect(error.key == key)
            } catch {
                Issue.record("unexpected \(error)")
            }
        }
    }

    @Test func aServiceWithBadConfigurationExitsWith78AndSaysWhy() async throws {
        let directory = try makeScratchDirectory()
        let memory = try ServiceProcess(
            "mami-memory", environment: serviceEnvironment(directory, extra: ["MAMI_MAX_FRAME_BYTES": "lots"]), logPath: "\(directory)/memory.log")
        #expect(try await memory.waitForExit() == 78)
        #expect(memory.log.contains("MAMI_MAX_FRAME_BYTES"))
        let gateway = try ServiceProcess(
            "mami-gateway", environment: serviceEnvironment(directory, extra: ["MAMI_HTTP_ADDR": "nowhere"]), logPath: "\(directory)/gateway.log")
        #expect(try await gateway.waitForExit() == 78)
        #expect(gateway.log.contains("MAMI_HTTP_ADDR"))
    }

    /// The LLM engine's settings: an unknown protocol, a URL that does not parse, openai without a URL.
    @Test(arguments: [
        ["MAMI_LLM_API": "foo"], ["MAMI_LLM_URL": "not a url"], ["MAMI_OLLAMA_URL": "ftp://ollama"], ["MAMI_LLM_API": "openai"],
    ])
    func badEngineSettingsExitWith78NamingTheVariable(_ settings: [String: String]) async throws {
        let directory = try makeScratchDirectory()
        let gateway = try ServiceProcess("mami-gateway", environment: serviceEnvironment(directory, extra: settings), logPath: "\(directory)/gateway.log")
        #expect(try await gateway.waitForExit() == 78)
        let named = settings["MAMI_LLM_API"] == "openai" ? "MAMI_LLM_URL" : settings.keys.first!
        #expect(gateway.log.contains(named), "\(gateway.log)")
    }
}

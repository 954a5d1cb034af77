import ArgumentParser
import Foundation
import MamiCore
import MamiHTTP
import MamiWire

/// mamictl: probes and calls Mami's services for operators.
@main
struct MamiCtl: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mamictl",
        abstract: "Probe and call Mami's services.",
        subcommands: [Health.self, Call.self]
    )
}

/// Options every subcommand shares: where the sockets are and how long to wait.
struct Endpoints: ParsableArguments {
    @Option(name: .long, help: "Runtime directory holding the sockets (default: MAMI_RUNTIME_DIR, RUNTIME_DIRECTORY, ./var/run).")
    var runtimeDir: String?

    @Option(name: .long, help: "Deadline of each probe or call, in milliseconds.")
    var timeoutMs: Int = 1000

    func common() throws -> CommonConfiguration {
        var source = try ConfigSource.load()
        if let runtimeDir { source = ConfigSource(values: source.values.merging(["MAMI_RUNTIME_DIR": runtimeDir]) { $1 }) }
        return try CommonConfiguration(source: source)
    }

    func client(_ service: ServiceName, _ common: CommonConfiguration) -> RPCClient {
        RPCClient(configuration: .init(path: common.socketPath(of: service), maxFrameBytes: common.maxFrameBytes))
    }

    var timeout: Duration { .milliseconds(timeoutMs) }
}

extension MamiCtl {
    struct Call: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Call one method of one service and print its result as JSON.")

        @OptionGroup var endpoints: Endpoints

        @Argument(help: "gateway, image-worker or memory.")
        var service: String

        @Argument(help: "The method, for example sys.stats.")
        var method: String

        @Argument(help: "Params as a JSON object.")
        var params: String?

        func run() async throws {
            guard let name = ServiceName(rawValue: service) else {
                throw ValidationError("unknown service '\(service)'; expected gateway, image-worker or memory")
            }
            let parsed: JSONValue?
            do {
                parsed = try params.map { try JSONValue(parsing: $0) }
            } catch {
                throw ValidationError("params are not valid JSON: \(error)")
            }
            let client = endpoints.client(name, try endpoints.common())
            defer { Task { await client.close() } }
            do {
                let result = try await client.call(method, params: parsed, timeout: endpoints.timeout)
                print(result.jsonText)
            } catch {
                let rpcError = RPCError(from: error)
                FileHandle.standardError.write(Data("\(service) \(method): \(rpcError)\n".utf8))
                throw ExitCode(1)
            }
        }
    }
}

import ArgumentParser
import Foundation
import MamiCore
import MamiHTTP
import MamiWire

extension MamiCtl {
    struct Health: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Probe every service socket and the gateway's HTTP /health; exit 0 only when all are ok."
        )

        @OptionGroup var endpoints: Endpoints

        @Option(name: .long, help: "The gateway's HTTP address (default: MAMI_HTTP_ADDR or 127.0.0.1:8080).")
        var httpAddr: String?

        @Flag(name: .long, help: "Print one JSON object instead of lines.")
        var json = false

        func run() async throws {
            let common = try endpoints.common()
            async let sockets = probeSockets(common)
            async let http = probeHTTP()
            var results = await sockets
            results.append(await http)
            print(json ? render(json: results) : results.map(\.line).joined(separator: "\n"))
            if !results.allSatisfy({ $0.status == "ok" }) { throw ExitCode(1) }
        }

        struct Probe: Sendable {
            var name: String
            var status: String
            var detail: String
            var report: JSONValue

            var line: String {
                "\(name.padding(toLength: 14, withPad: " ", startingAt: 0)) \(status.padding(toLength: 9, withPad: " ", startingAt: 0)) \(detail)"
            }
        }

        func probeSockets(_ common: CommonConfiguration) async -> [Probe] {
            await withTaskGroup(of: Probe.self) { group in
                for service in ServiceName.allCases {
                    group.addTask { await probeSocket(service, common) }
                }
                var probes: [Probe] = []
                for await probe in group { probes.append(probe) }
                return probes.sorted { $0.name < $1.name }
            }
        }

        func probeSocket(_ service: ServiceName, _ common: CommonConfiguration) async -> Probe {
            let client = endpoints.client(service, common)
            defer { Task { await client.close() } }
            do {
                let report = try await client.call("sys.health", timeout: endpoints.timeout)
                let status = report["status"]?.stringValue ?? "unknown"
                let failing = report["checks"]?.objectValue?.filter { $0.value["ok"] != .bool(true) }.keys.sorted() ?? []
                var detail = "pid=\(report["pid"]?.intValue ?? 0) uptime=\(report["uptime_s"]?.doubleValue ?? 0)s"
                if !failing.isEmpty { detail += " failing: \(failing.joined(separator: ", "))" }
                if service == .memory { detail += await reindexing(client) }
                return Probe(name: service.rawValue, status: status, detail: detail, report: report)
            } catch {
                let rpcError = RPCError(from: error)
                return Probe(name: service.rawValue, status: "failing", detail: rpcError.description, report: rpcError.json)
            }
        }

        /// " re-indexing to X: done/total" while the memory service moves to another embedder.
        func reindexing(_ client: RPCClient) async -> String {
            guard let progress = try? await client.call("sys.stats", timeout: endpoints.timeout)["stats"]?["reindex"], progress != .null else { return "" }
            let error = progress["error"]?.stringValue.map { " (last batch failed: \($0))" } ?? ""
            return " re-indexing to \(progress["to"]?.stringValue ?? "?"): \(progress["done"]?.intValue ?? 0)/\(progress["total"]?.intValue ?? 0)\(error)"
        }

        func probeHTTP() async -> Probe {
            let address = httpAddr ?? ProcessInfo.processInfo.environment["MAMI_HTTP_ADDR"] ?? "127.0.0.1:8080"
            let request = HTTPRequest(url: "http://\(address)/health", timeout: endpoints.timeout)
            do {
                let response = try await HTTPClient().send(request)
                let report = (try? JSONValue(parsing: response.body)) ?? .string(response.text)
                let status = report["status"]?.stringValue ?? "failing"
                return Probe(name: "http /health", status: status, detail: "HTTP \(response.status) from \(address)", report: report)
            } catch {
                return Probe(name: "http /health", status: "failing", detail: "\(address): \(error)", report: .string("\(error)"))
            }
        }

        func render(json results: [Probe]) -> String {
            let members = results.map { probe -> (String, JSONValue) in
                (probe.name, ["status": .string(probe.status), "detail": .string(probe.detail), "report": probe.report])
            }
            let ok = results.allSatisfy { $0.status == "ok" }
            return JSONValue.object(["ok": .bool(ok), "probes": .object(Dictionary(uniqueKeysWithValues: members))]).jsonText
        }
    }
}

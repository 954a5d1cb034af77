import MamiCore
import MamiService
import MamiWire

/// Probes the services the gateway depends on, each with a short deadline, so
/// `/health` answers promptly whatever state they are in.
struct DependencyHealth: Sendable {
    var clients: [ServiceName: RPCClient]
    var deadline: Duration

    init(environment: ServiceEnvironment, deadline: Duration) {
        clients = [
            .memory: environment.client(of: .memory),
            .imageWorker: environment.client(of: .imageWorker),
        ]
        self.deadline = deadline
    }

    /// Each dependency's `sys.health`, or a failing entry saying why it could not be had.
    func probeAll() async -> [ServiceName: JSONValue] {
        await withTaskGroup(of: (ServiceName, JSONValue).self) { group in
            for (name, client) in clients {
                group.addTask { (name, await probe(name, client)) }
            }
            var reports: [ServiceName: JSONValue] = [:]
            for await (name, report) in group { reports[name] = report }
            return reports
        }
    }

    private func probe(_ name: ServiceName, _ client: RPCClient) async -> JSONValue {
        do {
            return try await client.call("sys.health", timeout: deadline)
        } catch {
            let error = RPCError(from: error)
            return ["status": "failing", "service": .string(name.rawValue), "error": .string(error.description)]
        }
    }
}

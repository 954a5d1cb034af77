import MamiCore
import MamiService
import MamiWire
import NIOCore

/// Probes the services the gateway depends on, each with a short deadline, so
/// `/health` answers promptly whatever state they are in. Everything happens on
/// event loops: the probe never waits on the cooperative pool.
struct DependencyHealth: Sendable {
    var clients: [ServiceName: RPCClient]
    var deadline: Duration

    init(environment: ServiceEnvironment, deadline: Duration) {
        self.init(clients: [.memory: environment.client(of: .memory), .imageWorker: environment.client(of: .imageWorker)], deadline: deadline)
    }

    init(clients: [ServiceName: RPCClient], deadline: Duration) {
        self.clients = clients
        self.deadline = deadline
    }

    /// Each dependency's `sys.health`, or a failing entry saying why it could not be had; completes on `loop`.
    func probeAll(on loop: any EventLoop) -> EventLoopFuture<[ServiceName: JSONValue]> {
        let probes = clients.map { name, client in
            client.callFuture("sys.health", timeout: deadline)
                .hop(to: loop)
                .map { (name, $0) }
                .recover { (name, Self.failing(name, $0)) }
        }
        return EventLoopFuture.whenAllSucceed(probes, on: loop).map { Dictionary(uniqueKeysWithValues: $0) }
    }

    private static func failing(_ name: ServiceName, _ error: any Error) -> JSONValue {
        ["status": "failing", "service": .string(name.rawValue), "error": .string(RPCError(from: error).description)]
    }
}

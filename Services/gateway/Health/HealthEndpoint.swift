import HTTPTypes
import Hummingbird
import MamiCore
import MamiService
import NIOCore

/// `GET /health`: the gateway's own health and both dependencies', probed live.
///
/// `status` is `ok` when all three are ok, `failing` when the gateway itself
/// is failing, `degraded` otherwise (chat still answers without a dependency).
/// HTTP 200 unless the gateway itself is failing (then 503).
///
/// The report is built on an event loop from recorded check outcomes and the
/// dependencies' answers, so a starved cooperative pool shows up as `failing`
/// instead of a hang (``HealthResponder`` serves it before Hummingbird's router).
struct HealthEndpoint: Sendable {
    var own: HealthState
    var dependencies: DependencyHealth
    var group: any EventLoopGroup

    /// The status and body, completed on `loop`.
    func report(on loop: any EventLoop) -> EventLoopFuture<(status: HTTPResponse.Status, body: JSONValue)> {
        let gateway = own.report()
        return dependencies.probeAll(on: loop).map { reports in
            var services: [String: JSONValue] = [ServiceName.gateway.rawValue: gateway]
            for (name, report) in reports { services[name.rawValue] = report }
            let ownStatus = gateway["status"]?.stringValue ?? "failing"
            let allOK = services.values.allSatisfy { $0["status"]?.stringValue == "ok" }
            let status = ownStatus == "failing" ? "failing" : (allOK ? "ok" : "degraded")
            let body: JSONValue = ["status": .string(status), "services": .object(services)]
            return (ownStatus == "failing" ? .serviceUnavailable : .ok, body)
        }
    }

    /// The same report through the router (a request pipelined behind another reaches it there).
    func respond() async -> Response {
        guard let (status, body) = try? await report(on: group.next()).get() else { return JSONResponse.make(["status": "failing"], status: .serviceUnavailable) }
        return JSONResponse.make(body, status: status)
    }

    static let paths: Set<String> = ["/health", "/api/v1/health"]
}

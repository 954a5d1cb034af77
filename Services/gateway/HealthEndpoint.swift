import Hummingbird
import MamiCore
import MamiService

/// `GET /health`: the gateway's own health and both dependencies', probed live.
///
/// `status` is `ok` when all three are ok, `failing` when the gateway itself
/// is failing, `degraded` otherwise (chat still answers without a dependency).
/// HTTP 200 unless the gateway itself is failing (then 503).
struct HealthEndpoint: Sendable {
    var own: HealthState
    var dependencies: DependencyHealth

    func respond() async -> Response {
        let gateway = own.report()
        let reports = await dependencies.probeAll()
        var services: [String: JSONValue] = [ServiceName.gateway.rawValue: gateway]
        for (name, report) in reports { services[name.rawValue] = report }
        let ownStatus = gateway["status"]?.stringValue ?? "failing"
        let allOK = services.values.allSatisfy { $0["status"]?.stringValue == "ok" }
        let status = ownStatus == "failing" ? "failing" : (allOK ? "ok" : "degraded")
        let body: JSONValue = ["status": .string(status), "services": .object(services)]
        return JSONResponse.make(body, status: ownStatus == "failing" ? .serviceUnavailable : .ok)
    }
}

import Hummingbird
import MamiCore
import MamiWire
import Prometheus

/// Admin-only (`role: admin`, M4): statistics, the operating mode, cache clearing;
/// and `GET /metrics` (Prometheus text) for everyone who can reach the port.
struct AdminRoutes: Sendable {
    var authenticator: Authenticator
    var mode: OperatingMode
    var memory: RPCClient
    var worker: RPCClient
    var fanout: EventFanout
    var registry: PrometheusCollectorRegistry
    var bodyLimit: Int

    func add(to group: RouterGroup<GatewayContext>) {
        group.get("/admin/stats") { request, _ in
            try await requireAdmin(request)
            async let memoryStats = try? memory.call("sys.stats", timeout: .seconds(1))
            async let workerStats = try? worker.call("sys.stats", timeout: .seconds(1))
            return JSONResponse.make([
                "mode": .string(mode.name), "websockets": .int(Int64(fanout.socketCount)),
                "memory": await memoryStats ?? ["status": "unavailable"], "image_worker": await workerStats ?? ["status": "unavailable"],
            ])
        }
        group.post("/admin/mode") { request, _ in
            try await requireAdmin(request)
            try mode.set(try await JSONResponse.object(request, limit: bodyLimit).requireString("mode"))
            return JSONResponse.make(["mode": .string(mode.name)])
        }
        group.post("/admin/cache/clear") { request, _ in
            try await requireAdmin(request)
            return JSONResponse.make(["memory": try await memory.call("cache.clear", timeout: .seconds(2))])
        }
    }

    func addMetrics(to router: Router<GatewayContext>) {
        router.get("/metrics") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"], body: ResponseBody(byteBuffer: ByteBuffer(bytes: registry.emitToBuffer())))
        }
    }

    private func requireAdmin(_ request: Request) async throws {
        guard try await authenticator.principal(request).user.role == .admin else { throw APIError.forbidden }
    }
}

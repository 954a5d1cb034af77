import Foundation
import MamiService

/// mami-gateway: the public HTTP API, and `gateway.sock` for probes.
let status = await ServiceHost.run(GatewayService.definition)
exit(status)

import Logging
import MamiCore

/// What the worker's pieces share, built once at start-up.
struct WorkerParts: Sendable {
    var configuration: ImageConfiguration
    var store: JobStore
    var hub: EventHub
    var arbiter: GPUArbiter
    var forge: ForgeClient
    var catalog: ModelCatalog
    var breaker: CircuitBreaker
    var placeholders: Placeholders
    var imagesDirectory: String
    var logger: Logger

    var defaultEstimate: Double { configuration.defaultEstimate.seconds }
}

import MamiCore
import Metrics
import NIOConcurrencyHelpers

/// `normal` or `degraded` (M4): in degraded mode chat answers without the LLM and
/// image requests are refused; everything else works. Set by an admin at run time.
final class OperatingMode: Sendable {
    private let degraded = NIOLockedValueBox(false)

    static let degradedReply = "The assistant's AI is switched off by the operator for now (degraded mode). Your message is saved; please try again later."
    static let imagesRefused = APIError(.serviceUnavailable, "degraded_mode", "image generation is switched off by the operator (degraded mode)")

    var isDegraded: Bool { degraded.withLockedValue { $0 } }
    var name: String { isDegraded ? "degraded" : "normal" }

    func set(_ mode: String) throws {
        switch mode {
        case "normal": degraded.withLockedValue { $0 = false }
        case "degraded": degraded.withLockedValue { $0 = true }
        default: throw FieldError(field: "mode", problem: "must be normal or degraded")
        }
        Gauge(label: "mami_degraded_mode").record(isDegraded ? 1 : 0)
    }
}

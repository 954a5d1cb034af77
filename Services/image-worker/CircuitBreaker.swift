import MamiCore
import NIOConcurrencyHelpers

/// Closed → open after `threshold` consecutive failures → half-open after
/// `openTime`, admitting one probe at a time; the probe's outcome closes or
/// reopens it (I6). Thread-safe; read by `sys.stats`.
final class CircuitBreaker: Sendable {
    enum State: Sendable, Equatable {
        case closed(failures: Int)
        case open(until: ContinuousClock.Instant)
        case halfOpen(probing: Bool)
    }

    enum Admission: Sendable, Equatable {
        case allowed, probe, rejected
    }

    let threshold: Int
    let openTime: Duration
    private let state = NIOLockedValueBox(State.closed(failures: 0))

    init(threshold: Int, openTime: Duration) {
        self.threshold = threshold
        self.openTime = openTime
    }

    /// May a call go to Forge now? A half-open breaker admits one probe.
    func admit() -> Admission {
        state.withLockedValue { state in
            switch state {
            case .closed:
                return .allowed
            case .open(let until) where ContinuousClock.now < until:
                return .rejected
            case .open, .halfOpen(probing: false):
                state = .halfOpen(probing: true)
                return .probe
            case .halfOpen(probing: true):
                return .rejected
            }
        }
    }

    func recordSuccess() {
        state.withLockedValue { $0 = .closed(failures: 0) }
    }

    /// A probe that ended without an outcome (cancelled) lets the next call probe.
    func abandonProbe() {
        state.withLockedValue { state in
            if state == .halfOpen(probing: true) { state = .halfOpen(probing: false) }
        }
    }

    func recordFailure() {
        state.withLockedValue { state in
            switch state {
            case .closed(let failures) where failures + 1 < threshold:
                state = .closed(failures: failures + 1)
            default:
                state = .open(until: .now + openTime)
            }
        }
    }

    /// `closed`, `open` or `half_open`, for statistics.
    var name: String {
        state.withLockedValue { state in
            switch state {
            case .closed: return "closed"
            case .open(let until): return ContinuousClock.now < until ? "open" : "half_open"
            case .halfOpen: return "half_open"
            }
        }
    }

    var json: JSONValue {
        let failures: Int = state.withLockedValue { if case .closed(let count) = $0 { return count } else { return threshold } }
        return ["state": .string(name), "consecutive_failures": .int(Int64(failures)), "threshold": .int(Int64(threshold))]
    }
}

import Foundation
import MamiCore
import NIOConcurrencyHelpers

/// Routes image events to their owner's open WebSockets, and only theirs (G5).
/// Each socket has a bounded buffer: a socket that falls behind loses its oldest
/// events (the newest state of a job always follows).
final class EventFanout: Sendable {
    private let sockets = NIOLockedValueBox<[String: [UUID: AsyncStream<JSONValue>.Continuation]]>([:])
    static let bufferPerSocket = 256

    /// A stream of `owner`'s events until `cancel` is called.
    func open(owner: String) -> (events: AsyncStream<JSONValue>, cancel: @Sendable () -> Void) {
        let id = UUID()
        let (stream, continuation) = AsyncStream<JSONValue>.makeStream(bufferingPolicy: .bufferingNewest(Self.bufferPerSocket))
        sockets.withLockedValue { $0[owner, default: [:]][id] = continuation }
        let cancel: @Sendable () -> Void = { [sockets] in
            sockets.withLockedValue { table in
                table[owner]?[id]?.finish()
                table[owner]?[id] = nil
                if table[owner]?.isEmpty == true { table[owner] = nil }
            }
        }
        return (stream, cancel)
    }

    func publish(_ event: JSONValue, to owner: String) {
        let targets = sockets.withLockedValue { Array(($0[owner] ?? [:]).values) }
        for socket in targets { socket.yield(event) }
    }

    var socketCount: Int { sockets.withLockedValue { $0.values.reduce(0) { $0 + $1.count } } }
}

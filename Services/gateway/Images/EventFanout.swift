import Foundation
import MamiCore
import NIOConcurrencyHelpers

/// Routes events to their owner's open WebSockets, and only theirs (G5).
/// Each socket has a bounded buffer: a socket that falls behind loses its oldest
/// events (the newest state of a job always follows).
///
/// Every event gets an `event_id` (`<start>.<n>`, increasing per owner) and the newest events of each
/// owner are kept for a while, so a client that reconnects with the last id it saw is sent what it
/// missed (``open(owner:after:)``); when they are no longer all kept (or the gateway restarted), it
/// is told to read its state again from the API instead.
final class EventFanout: Sendable {
    private struct Journal {
        var next: Int64 = 1
        var recent: [(number: Int64, event: JSONValue)] = []
    }

    private struct State {
        var sockets: [String: [UUID: AsyncStream<JSONValue>.Continuation]] = [:]
        var journals: [String: Journal] = [:]
        /// Owners in the order their journals began: whose journal goes first when there are too many.
        var order: [String] = []
    }

    private let state = NIOLockedValueBox(State())
    static let bufferPerSocket = 256
    static let keptPerOwner = 256
    static let ownersKept = 4096
    /// What this run's event ids begin with: an id from an earlier run is never taken for one of this run.
    let epoch = String(Int64(Date().timeIntervalSince1970 * 1000))

    /// A stream of `owner`'s events until `cancel` is called, and, when `lastSeen` names an event of this
    /// run still followed by every later one, the events after it (`missed`; nil otherwise). Both are
    /// taken at one instant, so nothing falls between them and nothing is in both.
    func open(owner: String, after lastSeen: String? = nil)
        -> (events: AsyncStream<JSONValue>, cancel: @Sendable () -> Void, missed: [JSONValue]?) {
        let id = UUID()
        let (stream, continuation) = AsyncStream<JSONValue>.makeStream(bufferingPolicy: .bufferingNewest(Self.bufferPerSocket))
        let missed = state.withLockedValue { state in
            state.sockets[owner, default: [:]][id] = continuation
            return lastSeen.flatMap { Self.events(of: owner, after: $0, epoch: epoch, in: state) }
        }
        let cancel: @Sendable () -> Void = { [state] in
            state.withLockedValue { state in
                state.sockets[owner]?[id]?.finish()
                state.sockets[owner]?[id] = nil
                if state.sockets[owner]?.isEmpty == true { state.sockets[owner] = nil }
            }
        }
        return (stream, cancel, missed)
    }

    func publish(_ event: JSONValue, to owner: String) {
        let (stamped, targets) = state.withLockedValue { state in
            let stamped = Self.record(event, of: owner, epoch: epoch, in: &state)
            return (stamped, Array((state.sockets[owner] ?? [:]).values))
        }
        for socket in targets { socket.yield(stamped) }
    }

    /// The events of `owner` after `lastSeen`, oldest first; nil when some are no longer kept or the id is not of this run.
    private static func events(of owner: String, after lastSeen: String, epoch: String, in state: State) -> [JSONValue]? {
        let parts = lastSeen.split(separator: ".")
        guard parts.count == 2, parts[0] == epoch, let number = Int64(parts[1]) else { return nil }
        let journal = state.journals[owner] ?? Journal()
        guard number < journal.next else { return nil }
        let missed = journal.recent.filter { $0.number > number }
        // The journal must still hold the event right after the last one seen.
        guard number + 1 == journal.next || missed.first?.number == number + 1 else { return nil }
        return missed.map(\.event)
    }

    var socketCount: Int { state.withLockedValue { $0.sockets.values.reduce(0) { $0 + $1.count } } }

    private static func record(_ event: JSONValue, of owner: String, epoch: String, in state: inout State) -> JSONValue {
        var journal = state.journals[owner] ?? Journal()
        var members = event.objectValue ?? [:]
        members["event_id"] = .string("\(epoch).\(journal.next)")
        let stamped = JSONValue.object(members)
        journal.recent.append((journal.next, stamped))
        if journal.recent.count > keptPerOwner { journal.recent.removeFirst(journal.recent.count - keptPerOwner) }
        journal.next += 1
        if state.journals[owner] == nil {
            state.order.append(owner)
            if state.order.count > ownersKept { state.journals[state.order.removeFirst()] = nil }
        }
        state.journals[owner] = journal
        return stamped
    }
}

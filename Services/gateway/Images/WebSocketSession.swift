import Foundation
import HummingbirdWebSocket
import Logging
import MamiCore
import NIOCore
import NIOWebSocket

/// One `/api/v1/ws` connection (G5): the first message must be
/// `{"type":"auth","token":"…","since":"<event_id>"?}` within 5 s (tokens never in the URL); then the
/// socket receives `ready` (`resumed`: whether the events after `since` follow, else the client reads
/// its state again from the API), its owner's events (each with an `event_id`) and a heartbeat every
/// 15 s (`MAMI_WS_HEARTBEAT_S`). It is closed with 4001 when authentication fails, 4002 when the token
/// expires, 4003 when the session is revoked.
struct WebSocketSession: Sendable {
    var authenticator: Authenticator
    var fanout: EventFanout
    var logger: Logger
    var heartbeat: Duration = .seconds(15)
    var authWait: Duration = .seconds(5)

    enum CloseCode: UInt16 {
        case authenticationFailed = 4001
        case tokenExpired = 4002
        case revoked = 4003
    }

    func run(_ inbound: WebSocketInboundStream, _ outbound: WebSocketOutboundWriter) async throws {
        var messages = inbound.messages(maxSize: 64 * 1024).makeAsyncIterator()
        // Nothing in time: the timer closes the socket, which ends the read below.
        let timer = Task {
            try await Task.sleep(for: authWait)
            try await close(outbound, .authenticationFailed, "no authentication within \(authWait)")
        }
        let first = try await messages.next()
        timer.cancel()
        guard let (principal, since) = await authenticate(first) else {
            return try await close(outbound, .authenticationFailed, "authenticate first with {\"type\":\"auth\",\"token\":…}")
        }
        let (events, cancel, missed) = fanout.open(owner: principal.user.id, after: since)
        try await send(["type": "ready", "user_id": .string(principal.user.id), "resumed": .bool(missed != nil)], outbound)
        for event in missed ?? [] { try await send(event, outbound) }
        let forwarder = Task { try await forward(events, to: outbound, principal: principal) }
        defer {
            cancel()
            forwarder.cancel()
        }
        // The client's own messages are not used; reading them notices when it closes.
        while try await messages.next() != nil {}
    }

    private func authenticate(_ message: WebSocketMessage?) async -> (Principal, since: String?)? {
        guard case .text(let text)? = message, let json = try? JSONValue(parsing: text), json["type"] == "auth",
              let token = json["token"]?.stringValue, let principal = try? await authenticator.principal(token: token) else { return nil }
        return (principal, json["since"]?.stringValue)
    }

    /// Events and heartbeats; when the principal stops being valid, closes the socket with the reason.
    private func forward(_ events: AsyncStream<JSONValue>, to outbound: WebSocketOutboundWriter, principal: Principal) async throws {
        let heartbeats = Task {
            while true {
                try await Task.sleep(for: heartbeat)
                guard await authenticator.stillValid(principal) else {
                    let expired = principal.expiresAt.map { $0 <= Date() } == true
                    return try await close(outbound, expired ? .tokenExpired : .revoked, expired ? "the access token expired" : "the session was revoked")
                }
                try await outbound.write(.text("{\"type\":\"heartbeat\"}"))
            }
        }
        defer { heartbeats.cancel() }
        for await event in events { try await send(event, outbound) }
    }

    private func send(_ value: JSONValue, _ outbound: WebSocketOutboundWriter) async throws {
        try await outbound.write(.text(String(decoding: value.serialized(), as: UTF8.self)))
    }

    /// The closing handshake with `code` (the writer's own close: a raw close frame would make the
    /// framework send a second one, and browsers would report 1006 instead of the code).
    private func close(_ outbound: WebSocketOutboundWriter, _ code: CloseCode, _ reason: String) async throws {
        try await outbound.close(.unknown(code.rawValue), reason: reason)
        logger.info("websocket closed", metadata: ["code": "\(code.rawValue)"])
    }
}

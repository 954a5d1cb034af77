import CSystemd

/// Talks to systemd's notification socket (`NOTIFY_SOCKET`) through libsystemd.
///
/// Every call is a no-op when the process is not run by systemd (no
/// `NOTIFY_SOCKET`), so services call it unconditionally.
public struct SystemdNotifier: Sendable {
    public init() {}

    /// Sends one notification (`READY=1`, `STATUS=…`, …); returns whether systemd received it.
    @discardableResult
    public func notify(_ state: String) -> Bool {
        sd_notify(0, state) > 0
    }

    /// `READY=1` with a status line: the service listens and its migrations ran.
    public func ready(status: String) {
        notify("READY=1\nSTATUS=\(Self.oneLine(status))")
    }

    /// `STATUS=` with a one-line summary.
    public func status(_ status: String) {
        notify("STATUS=\(Self.oneLine(status))")
    }

    /// `WATCHDOG=1`: the service's liveness check just passed.
    public func watchdogPing() {
        notify("WATCHDOG=1")
    }

    /// `STOPPING=1`: graceful shutdown has begun.
    public func stopping(status: String) {
        notify("STOPPING=1\nSTATUS=\(Self.oneLine(status))")
    }

    /// The watchdog interval systemd expects (`WATCHDOG_USEC`, when `WATCHDOG_PID` is unset or ours), or nil.
    public var watchdogInterval: Duration? {
        var microseconds: UInt64 = 0
        guard sd_watchdog_enabled(0, &microseconds) > 0, microseconds > 0 else { return nil }
        return .microseconds(Int64(microseconds))
    }

    static func oneLine(_ text: String) -> String {
        String(text.map { $0.isNewline ? " " : $0 })
    }
}

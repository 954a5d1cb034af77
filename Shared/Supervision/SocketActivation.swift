import CSystemd
#if canImport(Glibc)
import Glibc
#endif

/// Listening sockets passed by systemd (`LISTEN_FDS`, `LISTEN_PID`).
public enum SocketActivation {
    /// The first inherited listening Unix stream socket, or nil when the process
    /// was not socket-activated. The `LISTEN_*` variables are removed so that
    /// child processes do not inherit them.
    public static func inheritedUnixListener() -> Int32? {
        let count = sd_listen_fds(1)
        guard count > 0 else { return nil }
        for offset in 0..<count {
            let fd = SD_LISTEN_FDS_START + offset
            if sd_is_socket_unix(fd, Int32(SOCK_STREAM.rawValue), 1, nil, 0) > 0 { return fd }
        }
        return nil
    }
}

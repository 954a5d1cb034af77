import Foundation
import MamiCore
import ServiceTestSupport
import Testing

/// The server checks who connects (SO_PEERCRED) and refuses uids outside its allow-list.
@Suite struct PeerCredentialTests {
    static let canDropPrivileges = getuid() == 0 && FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv")
        && FileManager.default.isExecutableFile(atPath: "/usr/bin/python3")

    @Test(.enabled(if: canDropPrivileges, "needs root, setpriv and /usr/bin/python3 to connect as another uid; PeerPolicyTests cover the decision"))
    func aPeerWithAnUnlistedUIDIsRefused() async throws {
        let directory = try makeScratchDirectory()
        chmod(directory, 0o755)
        let service = try ServiceProcess("mami-memory", environment: serviceEnvironment(directory), logPath: "\(directory)/memory.log")
        let socketPath = "\(directory)/run/memory.sock"
        let client = try await waitForService(at: socketPath)
        chmod("\(directory)/run", 0o755)
        chmod(socketPath, 0o666)  // let the kernel admit the connection, so the service's own check decides

        let asNobody = try await runPython(asUID: 65534, socketPath: socketPath, directory: directory)
        #expect(asNobody.contains("-32003"), "answer to uid 65534: \(asNobody)")
        #expect(asNobody.contains("CLOSED"), "answer to uid 65534: \(asNobody)")
        let asRoot = try await runPython(asUID: 0, socketPath: socketPath, directory: directory)
        #expect(asRoot.contains("\"status\""), "answer to root: \(asRoot)")

        service.signal(SIGTERM)
        #expect(try await service.waitForExit() == 0)
        await client.close()
    }

    /// Connects as `uid`, sends one sys.health frame, prints the answer and whether the server closed.
    func runPython(asUID uid: Int, socketPath: String, directory: String) async throws -> String {
        // A refused peer is told at once and the socket closed, so read before sending.
        let script = """
            import socket, struct, sys
            s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.settimeout(0.5)
            data = b''
            try:
                while True:
                    chunk = s.recv(65536)
                    if not chunk: print(data[4:].decode()); print('CLOSED'); sys.exit(0)
                    data += chunk
            except socket.timeout:
                pass
            s.settimeout(5)
            body = b'{"jsonrpc":"2.0","id":1,"method":"sys.health"}'
            s.sendall(struct.pack('>I', len(body)) + body)
            while len(data) < 4 or len(data) < 4 + struct.unpack('>I', data[:4])[0]:
                data += s.recv(65536)
            print(data[4:].decode())
            """
        let arguments = ["--reuid=\(uid)", "--regid=\(uid)", "--clear-groups", "/usr/bin/python3", "-c", script, socketPath]
        let child = try ServiceProcess("/usr/bin/setpriv", arguments: arguments, environment: [:], logPath: "\(directory)/client-\(uid).log")
        _ = try await child.waitForExit()
        return child.log
    }
}

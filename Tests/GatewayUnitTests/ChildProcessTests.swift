import Testing

@testable import MamiGateway

/// Child processes end, whatever they do: they exit, write too much, or outlive their timeout.
@Suite struct ChildProcessTests {
    func run(_ script: String, timeout: Duration = .seconds(10), outputLimit: Int = 1 << 16) async throws -> ChildProcess.Result {
        try await ChildProcess(executable: "/bin/sh", arguments: ["-c", script], timeout: timeout, outputLimit: outputLimit).run()
    }

    @Test func outputErrorsAndStatusAreReported() async throws {
        let result = try await run("printf 'hello'; printf 'oops' >&2; exit 3")
        #expect(result.ending == .exited(3))
        #expect(result.output == Array("hello".utf8))
        #expect(result.errorOutput == "oops")
    }

    @Test func aChildThatOutlivesItsTimeoutIsKilled() async throws {
        let started = ContinuousClock.now
        let result = try await run("exec sleep 60", timeout: .milliseconds(300))
        #expect(result.ending == .timedOut)
        #expect(ContinuousClock.now - started < .seconds(10))
    }

    @Test func aChildThatWritesTooMuchIsStopped() async throws {
        let result = try await run("exec yes", outputLimit: 100_000)
        #expect(result.ending == .outputLimitReached)
        #expect(result.output.count == 100_001)
    }

    @Test func aMissingProgramThrows() async {
        await #expect(throws: (any Error).self) {
            try await ChildProcess(executable: "/nonexistent/tool", arguments: [], timeout: .seconds(1), outputLimit: 10).run()
        }
    }
}

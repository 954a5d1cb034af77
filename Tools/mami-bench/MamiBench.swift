import ArgumentParser
import Foundation
import MamiCore
import MamiWire
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// mami-bench: what a Swift caller sees of a service's socket through ``RPCClient``.
/// Prints one JSON object per measurement; `scripts/bench.sh` runs it beside the C floor.
@main
struct MamiBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mami-bench", abstract: "Benchmarks of Mami's services.",
        subcommands: [WireBench.self, MemoryBench.self, MemorySoak.self, ImageBench.self, GatewayBench.self, StreamBench.self, EngineBench.self, RecallBench.self, EncoderBench.self, EncoderCentering.self, StackSoak.self], defaultSubcommand: WireBench.self)
}

/// Round trips, throughput, deadline and down-peer figures of RPCClient against a service socket.
struct WireBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "wire", abstract: "Measure RPC round trips and throughput over a Unix socket.")

    @Option(help: "The service socket.") var socket: String
    @Option(help: "The method to call.") var method = "sys.health"
    @Option(help: "Sequential calls timed one by one.") var count = 20_000
    @Option(help: "Seconds per throughput run.") var seconds = 5.0
    @Option(help: "Calls kept in flight per connection.") var window = 64
    @Option(parsing: .upToNextOption, help: "Connection counts for throughput runs.") var connections: [Int] = [1, 8]

    @Option(help: "Calls timed against a server that never answers.") var deadlineCalls = 50

    func run() async throws {
        try await unavailableLatency()
        try await deadlineAccuracy()
        try await latency()
        for connectionCount in connections { try await throughput(connectionCount) }
    }

    func latency() async throws {
        let client = RPCClient(configuration: .init(path: socket))
        for _ in 0..<(count / 10) { _ = try await client.call(method, timeout: .seconds(5)) }
        var samples: [Double] = []
        samples.reserveCapacity(count)
        let clock = ContinuousClock()
        for _ in 0..<count {
            let start = clock.now
            _ = try await client.call(method, timeout: .seconds(5))
            samples.append(microseconds(clock.now - start))
        }
        samples.sort()
        let mean = samples.reduce(0, +) / Double(samples.count)
        print(JSONValue.object([
            "client": "swift", "mode": "latency", "count": .int(Int64(count)),
            "p50_us": .double(samples[count / 2].rounded()), "p99_us": .double(samples[count * 99 / 100].rounded()),
            "mean_us": .double(mean.rounded()),
        ]).jsonText)
        await client.close()
    }

    func throughput(_ connectionCount: Int) async throws {
        let clients = (0..<connectionCount).map { _ in RPCClient(configuration: .init(path: socket)) }
        for client in clients { _ = try await client.call(method, timeout: .seconds(5)) }
        let completed = NIOLockedValueBox(0)
        let clock = ContinuousClock()
        let start = clock.now
        let end = start + .milliseconds(Int(seconds * 1000))
        try await withThrowingTaskGroup(of: Void.self) { group in
            for client in clients {
                for _ in 0..<window {
                    group.addTask {
                        var done = 0
                        while clock.now < end {
                            _ = try await client.call(method, timeout: .seconds(10))
                            done += 1
                        }
                        completed.withLockedValue { $0 += done }
                    }
                }
            }
            try await group.waitForAll()
        }
        let elapsed = microseconds(clock.now - start) / 1e6
        let calls = completed.withLockedValue { $0 }
        print(JSONValue.object([
            "client": "swift", "mode": "throughput", "connections": .int(Int64(connectionCount)), "window": .int(Int64(window)),
            "calls": .int(Int64(calls)), "seconds": .double((elapsed * 100).rounded() / 100),
            "calls_per_s": .double((Double(calls) / elapsed).rounded()),
        ]).jsonText)
        for client in clients { await client.close() }
    }

    /// How fast a call fails while the peer is down (target: within 10 ms): a path nobody listens on.
    func unavailableLatency() async throws {
        let path = (socket as NSString).deletingLastPathComponent + "/nobody-\(getpid()).sock"
        let client = RPCClient(configuration: .init(path: path))
        var samples: [Double] = []
        let clock = ContinuousClock()
        for _ in 0..<deadlineCalls {
            let start = clock.now
            _ = try? await client.call("sys.health", timeout: .seconds(5))
            samples.append(microseconds(clock.now - start))
        }
        samples.sort()
        print(JSONValue.object([
            "client": "swift", "mode": "unavailable", "count": .int(Int64(deadlineCalls)),
            "p50_us": .double(samples[samples.count / 2].rounded()), "max_us": .double(samples.last!.rounded()),
        ]).jsonText)
        await client.close()
    }

    /// How late a call fails when the peer never answers: a 100 ms deadline against a
    /// socket that accepts and reads but never writes.
    func deadlineAccuracy() async throws {
        let path = (socket as NSString).deletingLastPathComponent + "/silent-\(getpid()).sock"
        let silent = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton).bind(unixDomainSocketPath: path).get()
        let client = RPCClient(configuration: .init(path: path))
        var lateness: [Double] = []
        let clock = ContinuousClock()
        for _ in 0..<deadlineCalls {
            let start = clock.now
            _ = try? await client.call("sys.health", timeout: .milliseconds(100))
            lateness.append(microseconds(clock.now - start) / 1000 - 100)
        }
        lateness.sort()
        print(JSONValue.object([
            "client": "swift", "mode": "deadline", "count": .int(Int64(deadlineCalls)), "deadline_ms": 100,
            "lateness_p50_ms": .double((lateness[lateness.count / 2] * 100).rounded() / 100),
            "lateness_max_ms": .double((lateness.last! * 100).rounded() / 100),
            "earliest_ms": .double((lateness.first! * 100).rounded() / 100),
        ]).jsonText)
        await client.close()
        try await silent.close()
        unlink(path)
    }

}

func microseconds(_ duration: Duration) -> Double {
    let (seconds, attoseconds) = duration.components
    return Double(seconds) * 1e6 + Double(attoseconds) / 1e12
}

/// `{"n","p50","p99","max"}` of millisecond samples, rounded to 0.01 ms; null when there are none.
func percentiles(_ samples: [Double]) -> JSONValue {
    let sorted = samples.filter(\.isFinite).sorted()
    guard let worst = sorted.last else { return .null }
    let round: (Double) -> JSONValue = { .double(($0 * 100).rounded() / 100) }
    return ["n": .int(Int64(sorted.count)), "p50": round(sorted[sorted.count / 2]), "p99": round(sorted[min(sorted.count - 1, sorted.count * 99 / 100)]),
            "max": round(worst)]
}

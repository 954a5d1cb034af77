import ArgumentParser
import Foundation
import MamiCore
import MamiWire

/// A steady add/search/delete load on mami-memory, sampling its resident memory
/// once a minute. The data set does not grow (each added memory is deleted again,
/// and duplicates add nothing), so resident growth after warm-up is a leak.
struct MemorySoak: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "memory-soak", abstract: "Soak mami-memory and sample its resident memory.")

    @Option(help: "The mami-memory executable.") var service: String
    @Option(help: "A scratch directory for its socket and database.") var directory: String
    @Option(help: "Minutes of load after warm-up.") var minutes = 10
    @Option(help: "Memories loaded before the soak.") var preload = 20_000

    func run() async throws {
        let bench = MemoryBench.parseOrExit(["--service", service, "--directory", directory, "--count", "\(preload)", "--owners", "50"])
        var generator = BenchGenerator(seed: 99)
        let process = try bench.startService()
        let client = try await bench.connect()
        let data = (0..<preload).map { ("owner-\($0 % 50)", "memory \($0)", randomUnitVector(&generator)) }
        _ = try await bench.insert(data, client)
        try await cycle(client, until: .now + .seconds(60), &generator)  // warm-up minute
        var samples = [residentBytes(process.processIdentifier)]
        for _ in 0..<minutes {
            try await cycle(client, until: .now + .seconds(60), &generator)
            samples.append(residentBytes(process.processIdentifier))
        }
        await client.close()
        process.terminate()
        process.waitUntilExit()
        print(JSONValue.object([
            "mode": "memory-soak", "minutes": .int(Int64(minutes)), "preload": .int(Int64(preload)),
            "resident_mb": .array(samples.map { .double((Double($0) / 10_485.76).rounded() / 100) }),
            "growth_mb": .double((Double(samples.last! - samples.first!) / 10_485.76).rounded() / 100),
        ]).jsonText)
    }

    /// One round after another until `end`: add a new memory, add it again (a duplicate),
    /// search twice, delete it.
    func cycle(_ client: RPCClient, until end: ContinuousClock.Instant, _ generator: inout BenchGenerator) async throws {
        var round = 0
        while ContinuousClock.now < end {
            round += 1
            let owner = "owner-\(Int.random(in: 0..<50, using: &generator))"
            let vector = base64(randomUnitVector(&generator))
            let item: JSONValue = ["owner": .string(owner), "text": .string("soak \(round) \(Int.random(in: 0..<1_000_000, using: &generator))"), "embedding_b64": .string(vector)]
            let added = try await client.call("memory.add", params: item, timeout: .seconds(10))
            _ = try await client.call("memory.add", params: item, timeout: .seconds(10))
            for _ in 0..<2 {
                let query: JSONValue = ["owner": .string(owner), "k": 5, "embedding_b64": .string(base64(randomUnitVector(&generator)))]
                _ = try await client.call("memory.search", params: query, timeout: .seconds(10))
            }
            if added["status"] == "added", let id = added["id"] {
                _ = try await client.call("memory.delete", params: ["owner": .string(owner), "id": id], timeout: .seconds(10))
            }
        }
    }
}

/// Resident memory of process `pid` in bytes (VmRSS), 0 when it cannot be read.
func residentBytes(_ pid: Int32) -> Int64 {
    guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
        let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") })
    else { return 0 }
    return (Int64(line.split(separator: " ").dropFirst().first ?? "0") ?? 0) * 1024
}

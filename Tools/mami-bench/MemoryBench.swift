import ArgumentParser
import Foundation
import MamiCore
import MamiWire

/// The memory service at the anchor's shape: N memories with random L2-normalized
/// embeddings passed in by the client, spread over owners; single timed queries
/// with random owners; recall against a brute-force answer; a restart; resident memory.
struct MemoryBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "memory", abstract: "Insert, search and restart mami-memory at scale.")

    @Option(help: "The mami-memory executable.") var service: String
    @Option(help: "A scratch directory for its socket and database.") var directory: String
    @Option(help: "Memories to insert.") var count = 100_000
    @Option(help: "Distinct owners.") var owners = 100
    @Option(help: "Timed queries.") var queries = 200
    @Option(help: "Results per query.") var k = 5
    @Option(help: "Memories per memory.add_many call.") var batch = 100
    @Option(help: "memory.add_many calls in flight at once.") var inFlight = 4
    static let dimension = 384

    func run() async throws {
        var generator = BenchGenerator(seed: 42)
        let data = (0..<count).map { number in
            (owner: "owner-\(Int.random(in: 0..<owners, using: &generator))", text: "memory \(number)", vector: randomUnitVector(&generator))
        }
        var process = try startService()
        var client = try await connect()
        let insertSeconds = try await insert(data, client)
        let (latencies, recall) = try await timedQueries(data, client, &generator)
        let resident = try await client.call("sys.stats", timeout: .seconds(10))["resident_bytes"]?.intValue ?? 0
        var textLatencies = try await timedTextSearches(data[0].owner, client)
        let residentWithEncoder = try await client.call("sys.stats", timeout: .seconds(10))["resident_bytes"]?.intValue ?? 0
        await client.close()
        process.terminate()
        process.waitUntilExit()
        process = try startService()
        client = try await connect()
        let firstQuery = try await timeOne(data[0].owner, randomUnitVector(&generator), client)
        await client.close()
        process.terminate()
        process.waitUntilExit()
        var result = report(insertSeconds: insertSeconds, latencies: latencies, recall: recall, resident: resident, firstQuery: firstQuery)
        if case .object(var members) = result {
            textLatencies.sort()
            members["search_by_text_p50_us"] = .double(textLatencies[textLatencies.count / 2].rounded())
            members["search_by_text_p99_us"] = .double(textLatencies[textLatencies.count * 99 / 100].rounded())
            members["resident_bytes_with_encoder"] = .int(residentWithEncoder)
            result = .object(members)
        }
        print(result.jsonText)
    }

    func startService() throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: service)
        process.environment = ProcessInfo.processInfo.environment.merging([
            "MAMI_RUNTIME_DIR": "\(directory)/run", "MAMI_STATE_DIR": "\(directory)/lib", "MAMI_LOG_LEVEL": "warning",
        ]) { $1 }
        try process.run()
        return process
    }

    func connect() async throws -> RPCClient {
        let client = RPCClient(configuration: .init(path: "\(directory)/run/memory.sock", initialBackoff: .milliseconds(5), maximumBackoff: .milliseconds(20)))
        for _ in 0..<1000 {
            if (try? await client.call("sys.health", timeout: .seconds(1))) != nil { return client }
            try await Task.sleep(for: .milliseconds(10))
        }
        throw RPCError(.unavailable, "mami-memory did not come up")
    }

    func insert(_ data: [(owner: String, text: String, vector: [Float])], _ client: RPCClient) async throws -> Double {
        let clock = ContinuousClock()
        let start = clock.now
        let batchStarts = Array(stride(from: 0, to: data.count, by: batch))
        // An import keeps a few batches in flight, so parsing one overlaps writing the previous.
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (number, first) in batchStarts.enumerated() {
                if number >= inFlight { try await group.next() }
                let items: [JSONValue] = data[first..<min(first + batch, data.count)].map {
                    ["owner": .string($0.owner), "text": .string($0.text), "embedding_b64": .string(base64($0.vector))]
                }
                group.addTask { _ = try await client.call("memory.add_many", params: ["items": .array(items)], timeout: .seconds(120)) }
            }
            try await group.waitForAll()
        }
        return microseconds(clock.now - start) / 1e6
    }

    func timedQueries(_ data: [(owner: String, text: String, vector: [Float])], _ client: RPCClient,
                      _ generator: inout BenchGenerator) async throws -> ([Double], Double) {
        var latencies: [Double] = []
        var answers: [(owner: String, query: [Float], returned: Set<String>)] = []
        for round in 0..<(queries + 20) {
            let owner = "owner-\(Int.random(in: 0..<owners, using: &generator))"
            let query = randomUnitVector(&generator)
            let clock = ContinuousClock()
            let start = clock.now
            let answer = try await client.call("memory.search", params: searchParams(owner, query), timeout: .seconds(10))
            let elapsed = microseconds(clock.now - start)
            guard round >= 20 else { continue }  // warm-up
            latencies.append(elapsed)
            answers.append((owner, query, Set((answer["results"]?.arrayValue ?? []).compactMap { $0["text"]?.stringValue })))
        }
        // Recall against a brute-force answer, computed after the timed queries.
        let found = answers.reduce(0) { total, answer in
            total + exactTopK(data, owner: answer.owner, query: answer.query).filter { answer.returned.contains($0) }.count
        }
        return (latencies.sorted(), Double(found) / Double(queries * k))
    }

    /// Searches by text (the service embeds each query), timed one at a time after one that loads the sentence encoder.
    func timedTextSearches(_ owner: String, _ client: RPCClient) async throws -> [Double] {
        let questions = ["where do I live?", "what is my job?", "Hangi şehirde yaşıyorum?", "when is my birthday?"]
        func search(_ question: String, timeout: Duration) async throws {
            let params: JSONValue = ["owner": .string(owner), "query": .string(question), "k": .int(Int64(k))]
            _ = try await client.call("memory.search", params: params, timeout: timeout)
        }
        try await search(questions[0], timeout: .seconds(60))
        var latencies: [Double] = []
        for question in questions {
            for _ in 0..<25 {
                let start = ContinuousClock.now
                try await search(question, timeout: .seconds(10))
                latencies.append(microseconds(ContinuousClock.now - start))
            }
        }
        return latencies
    }

    func timeOne(_ owner: String, _ query: [Float], _ client: RPCClient) async throws -> Double {
        let clock = ContinuousClock()
        let start = clock.now
        _ = try await client.call("memory.search", params: searchParams(owner, query), timeout: .seconds(10))
        return microseconds(clock.now - start)
    }

    func searchParams(_ owner: String, _ query: [Float]) -> JSONValue {
        ["owner": .string(owner), "k": .int(Int64(k)), "embedding_b64": .string(base64(query))]
    }

    func exactTopK(_ data: [(owner: String, text: String, vector: [Float])], owner: String, query: [Float]) -> [String] {
        data.filter { $0.owner == owner }
            .map { item in (item.text, zip(item.vector, query).reduce(Float(0)) { $0 + $1.0 * $1.1 }) }
            .sorted { $0.1 > $1.1 }.prefix(k).map(\.0)
    }

    func report(insertSeconds: Double, latencies: [Double], recall: Double, resident: Int64, firstQuery: Double) -> JSONValue {
        [
            "mode": "memory", "count": .int(Int64(count)), "owners": .int(Int64(owners)), "queries": .int(Int64(queries)), "k": .int(Int64(k)),
            "insert_seconds": .double((insertSeconds * 100).rounded() / 100),
            "search_p50_us": .double(latencies[latencies.count / 2].rounded()),
            "search_p99_us": .double(latencies[latencies.count * 99 / 100].rounded()),
            "recall_at_k": .double(recall),
            "first_query_after_restart_us": .double(firstQuery.rounded()),
            "resident_bytes": .int(resident),
        ]
    }
}

/// A seeded generator (SplitMix64), so runs insert the same data.
struct BenchGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

func randomUnitVector(_ generator: inout BenchGenerator) -> [Float] {
    let vector = (0..<MemoryBench.dimension).map { _ in Float.random(in: -1...1, using: &generator) }
    let length = vector.reduce(0) { $0 + $1 * $1 }.squareRoot()
    return vector.map { $0 / length }
}

/// Little-endian float32 values as base64, the compact form memory.add accepts as `embedding_b64`.
func base64(_ vector: [Float]) -> String {
    var bytes = [UInt8]()
    bytes.reserveCapacity(vector.count * 4)
    for value in vector { withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes.append(contentsOf: $0) } }
    return Data(bytes).base64EncodedString()
}

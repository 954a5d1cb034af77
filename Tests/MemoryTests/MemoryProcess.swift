import Foundation
import MamiCore
import MamiWire
import ServiceTestSupport

/// A real mami-memory process on a scratch directory, with a client of its socket.
struct MemoryProcess {
    var directory: String
    var process: ServiceProcess
    var client: RPCClient

    static func start(directory: String? = nil, extra: [String: String] = [:]) async throws -> MemoryProcess {
        let directory = try directory ?? makeScratchDirectory()
        let process = try ServiceProcess(
            "mami-memory", environment: serviceEnvironment(directory, extra: extra), logPath: "\(directory)/memory-\(UUID().uuidString.prefix(4)).log")
        let client = try await waitForService(at: "\(directory)/run/memory.sock")
        return MemoryProcess(directory: directory, process: process, client: client)
    }

    /// Generous: a document's chunks go through the sentence encoder one by one, at a low priority.
    func call(_ method: String, _ params: JSONValue, timeout: Duration = .seconds(30)) async throws -> JSONValue {
        try await client.call(method, params: params, timeout: timeout)
    }

    func search(_ params: JSONValue) async throws -> [JSONValue] {
        guard case .array(let results)? = try await call("memory.search", params)["results"] else { return [] }
        return results
    }

    func error(of method: String, _ params: JSONValue) async -> RPCError? {
        await client.error(of: method, params)
    }

    /// Every text the owner has, through memory.list's cursor pages.
    func allTexts(of owner: String) async throws -> Set<String> {
        var texts = Set<String>()
        var cursor: JSONValue = .null
        repeat {
            let page = try await call("memory.list", ["owner": .string(owner), "cursor": cursor, "limit": 200])
            if case .array(let items)? = page["items"] { texts.formUnion(items.compactMap { $0["text"]?.stringValue }) }
            cursor = page["next_cursor"] ?? .null
        } while cursor != .null
        return texts
    }

    func stop() async throws {
        process.signal(SIGTERM)
        _ = try await process.waitForExit()
        await client.close()
    }
}

/// A deterministic generator, so failures reproduce.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed &+ 0x9E37_79B9_7F4A_7C15 }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

func randomFloats(_ generator: inout SeededGenerator, count: Int = 384) -> [Float] {
    (0..<count).map { _ in Float.random(in: -1...1, using: &generator) }
}

func normalize(_ vector: [Float]) -> [Float] {
    let length = vector.reduce(0) { $0 + $1 * $1 }.squareRoot()
    return vector.map { $0 / length }
}

func json(_ vector: [Float]) -> JSONValue {
    .array(vector.map { .double(Double($0)) })
}

func randomVector(_ generator: inout SeededGenerator) -> JSONValue {
    json(normalize(randomFloats(&generator)))
}

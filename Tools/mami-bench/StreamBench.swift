import ArgumentParser
import Foundation
import MamiCore
import MamiWire

/// Streamed chats at 1, 32 and 256 concurrent clients against mami-sim answering
/// at once (`--token-ms 0`): the simulator's own `/api/chat`, Mami's OpenAI
/// surface and Mami's native SSE API, alternating in one run. Each client keeps
/// one connection and sends its next chat as soon as the last one ended.
/// Per target and level: first-token p50/p99, chats per second, failures, the
/// serving process's CPU per chat (from `/proc/PID/stat`), that of every process
/// the chat runs through, and resident memory.
struct StreamBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "streams", abstract: "Streamed chats at 1, 32 and 256 clients.")

    @Option(help: "Directory holding the mami-* executables.") var binaries: String
    @Option(help: "A scratch directory.") var directory: String
    @Option(help: "Seconds per target and level in each round.") var seconds = 3.0
    @Option(help: "Rounds (each target once per round, alternating).") var rounds = 3
    @Option(help: "Concurrency levels.") var levels: [Int] = [1, 32, 256]

    func run() async throws {
        let stack = try await GatewayStack.start(binaries: binaries, directory: directory)
        defer { stack.stop() }
        var cells: [JSONValue] = []
        for streams in levels {
            let targets = try await StreamTarget.all(stack, streams: streams)
            var results = Dictionary(uniqueKeysWithValues: targets.map { ($0.name, CellResult()) })
            for target in targets { _ = try await drive(target, streams: streams, for: 0.5) }  // warm-up
            for _ in 0..<rounds {
                for target in targets { results[target.name]!.add(try await drive(target, streams: streams, for: seconds)) }
            }
            cells += targets.map { results[$0.name]!.json(target: $0.name, streams: streams) }
        }
        print(JSONValue.object(["mode": "streams", "seconds_per_cell": .double(seconds), "rounds": .int(Int64(rounds)), "cells": .array(cells)]).jsonText)
    }

    /// `streams` clients chatting back to back for `duration` seconds.
    func drive(_ target: StreamTarget, streams: Int, for duration: Double) async throws -> CellResult {
        let cpuBefore = cpuMilliseconds(target.pid)
        let stackBefore = target.stack.map(cpuMilliseconds).reduce(0, +)
        let started = ContinuousClock.now
        let end = started + .milliseconds(Int(duration * 1000))
        var result = try await withThrowingTaskGroup(of: CellResult.self) { group in
            for client in 0..<streams {
                group.addTask { try await runClient(target.request(client), port: target.port, until: end) }
            }
            return try await group.reduce(into: CellResult()) { $0.add($1) }
        }
        result.seconds = microseconds(ContinuousClock.now - started) / 1e6
        result.cpuMilliseconds = cpuMilliseconds(target.pid) - cpuBefore
        result.stackCPUMilliseconds = target.stack.map(cpuMilliseconds).reduce(0, +) - stackBefore
        result.residentMB = Double(residentBytes(target.pid)) / 1_048_576
        return result
    }

    func runClient(_ request: StreamRequest, port: Int, until end: ContinuousClock.Instant) async throws -> CellResult {
        var result = CellResult()
        do {
            try await StreamConnection.connect(port: port).run { exchange in
                while ContinuousClock.now < end {
                    let answer = try await exchange(request)
                    if answer.status == 200, let first = answer.firstToken { result.firstTokens.append(first) } else { result.failures += 1 }
                }
            }
        } catch {
            result.failures += 1
        }
        return result
    }
}

/// What one target is driven with.
struct StreamTarget: Sendable {
    var name: String
    var port: Int
    /// The process that serves it, whose CPU and memory are read.
    var pid: Int32
    /// Every process a chat of this target runs through (the simulator alone, or the simulator and Mami's three).
    var stack: [Int32]
    var request: @Sendable (_ client: Int) -> StreamRequest

    static func all(_ stack: GatewayStack, streams: Int) async throws -> [StreamTarget] {
        let token = try await stack.register().token
        var created: [String] = []
        for _ in 0..<streams { created.append(try await stack.conversation(.init(token: token))) }
        let conversations = created
        let question: JSONValue = ["role": "user", "content": "how are you today?"]
        let auth = [("Authorization", "Bearer \(token)")]
        let ollama: JSONValue = ["model": "llama3.2", "messages": [question], "stream": true]
        let openAI: JSONValue = ["model": "llama3.2", "messages": [question], "stream": true]
        let gateway = stack.processes["gateway"]!.processIdentifier
        let sim = stack.processes["sim"]!.processIdentifier
        let mami = [sim] + ["gateway", "memory", "image-worker"].map { stack.processes[$0]!.processIdentifier }
        return [
            StreamTarget(name: "simulator_direct", port: stack.ollamaPort, pid: sim, stack: [sim]) { _ in
                StreamRequest(path: "/api/chat", headers: [], body: ollama.serialized(), firstToken: .nonEmptyContent)
            },
            StreamTarget(name: "mami_openai", port: stack.port, pid: gateway, stack: mami) { _ in
                StreamRequest(path: "/v1/chat/completions", headers: auth, body: openAI.serialized(), firstToken: .nonEmptyContent)
            },
            StreamTarget(name: "mami_native_sse", port: stack.port, pid: gateway, stack: mami) { client in
                StreamRequest(path: "/api/v1/conversations/\(conversations[client])/messages", headers: auth + [("Accept", "text/event-stream")],
                              body: (["content": "how are you today?"] as JSONValue).serialized(), firstToken: .deltaEvent)
            },
        ]
    }
}

/// The figures of one target at one level, summed over clients and rounds.
struct CellResult: Sendable {
    var firstTokens: [Double] = []
    var failures = 0
    var seconds = 0.0
    var cpuMilliseconds = 0.0
    var stackCPUMilliseconds = 0.0
    var residentMB = 0.0

    mutating func add(_ other: CellResult) {
        firstTokens += other.firstTokens
        failures += other.failures
        seconds += other.seconds
        cpuMilliseconds += other.cpuMilliseconds
        stackCPUMilliseconds += other.stackCPUMilliseconds
        residentMB = max(residentMB, other.residentMB)
    }

    func json(target: String, streams: Int) -> JSONValue {
        let chats = Double(firstTokens.count)
        let round2: (Double) -> JSONValue = { .double(($0 * 100).rounded() / 100) }
        return [
            "target": .string(target), "streams": .int(Int64(streams)), "first_token_ms": percentiles(firstTokens),
            "chats": .int(Int64(chats)), "failures": .int(Int64(failures)),
            "chats_per_s": round2(seconds > 0 ? chats / seconds : 0),
            "cpu_ms_per_chat": round2(chats > 0 ? cpuMilliseconds / chats : 0),
            "stack_cpu_ms_per_chat": round2(chats > 0 ? stackCPUMilliseconds / chats : 0), "resident_mb": round2(residentMB),
        ]
    }
}

/// User plus system CPU time of process `pid` so far, in milliseconds (fields 14 and 15 of `/proc/PID/stat`).
func cpuMilliseconds(_ pid: Int32) -> Double {
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
          let close = stat.lastIndex(of: ")") else { return 0 }
    let fields = stat[stat.index(after: close)...].split(separator: " ")
    guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return 0 }
    return (user + system) * 1000 / Double(sysconf(Int32(_SC_CLK_TCK)))
}

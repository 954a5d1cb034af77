import ArgumentParser
import Foundation
import MamiCore
import MamiHTTP
import MamiWire

/// What the gateway costs a real engine: an OpenAI-compatible server (llama.cpp's
/// with the demonstration model, started by scripts/bench.sh) called directly and
/// through Mami's OpenAI surface and native SSE, at 1 and 4 concurrent streams,
/// the targets alternating round by round. The direct call sends the prompt the
/// gateway builds (its system prompt, the one remembered sentence, the question),
/// so both make the engine do the same work; the engine's own counters
/// (`/metrics`) give the prompt and answer tokens of every cell, which shows it.
struct EngineBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "engine", abstract: "A real engine directly and through the gateway.")

    @Option(help: "Directory holding the mami-* executables.") var binaries: String
    @Option(help: "A scratch directory.") var directory: String
    @Option(help: "The engine's base URL (OpenAI protocol, llama.cpp's /metrics served).") var engine: String
    @Option(help: "The model the engine serves.") var model = "smollm2-135m"
    @Option(help: "Answer length in tokens (the question asks for more, so every answer reaches it).") var maxTokens = 128
    @Option(help: "Rounds (each target once per round, alternating).") var rounds = 4
    @Option(help: "Chats each stream sends per round.") var chats = 4
    @Option(help: "Concurrent streams.") var levels: [Int] = [1, 4]
    @Option(help: "The engine's process, whose CPU is read.") var enginePID: Int32?

    static let system = "You are Mami, a helpful assistant."
    static let question = "Tell me a long story about a cat who lives in a lighthouse."

    func run() async throws {
        guard let port = URL(string: engine)?.port else { throw ValidationError("--engine needs a URL with a port") }
        let stack = try await GatewayStack.start(binaries: binaries, directory: directory, extra: [
            "MAMI_LLM_API": "openai", "MAMI_LLM_URL": engine, "MAMI_CHAT_MODEL": model,
            "MAMI_LLM_MAX_TOKENS": "\(maxTokens)", "MAMI_SYSTEM_PROMPT": Self.system,
        ])
        defer { stack.stop() }
        let targets = try await EngineTarget.all(stack, enginePort: port, model: model, maxTokens: maxTokens)
        let counters = EngineCounters(url: engine, http: stack.http)
        let mami = ["gateway", "memory", "image-worker"].compactMap { stack.processes[$0]?.processIdentifier }
        // Through the gateway first: the question is remembered after the first answer, so every later prompt carries it.
        var reference = ""
        for target in targets.reversed() { reference = try await warmUp(target) }
        var cells: [JSONValue] = []
        for streams in levels {
            for target in targets { _ = try await drive(target, streams: streams, chats: 1, counters: counters, mami: mami) }  // every slot's cache primed
            var results = Dictionary(uniqueKeysWithValues: targets.map { ($0.name, EngineCell()) })
            for _ in 0..<rounds {
                for target in targets { results[target.name]!.add(try await drive(target, streams: streams, chats: chats, counters: counters, mami: mami)) }
            }
            cells += targets.map { results[$0.name]!.json(target: $0.name, streams: streams, reference: reference) }
        }
        print(JSONValue.object(["mode": "engine", "model": .string(model), "max_tokens": .int(Int64(maxTokens)), "rounds": .int(Int64(rounds)),
                                "chats_per_stream": .int(Int64(chats)), "cells": .array(cells)]).jsonText)
    }

    /// Two chats on `target`; the second one's answer.
    func warmUp(_ target: EngineTarget) async throws -> String {
        var answer = ""
        for _ in 0..<2 {
            let exchange = try await target.chat()
            guard exchange.status == 200, exchange.firstToken != nil else {
                throw RPCError(.unavailable, "\(target.name) answered \(exchange.status): \(String(decoding: exchange.body.prefix(400), as: UTF8.self))")
            }
            answer = AnswerText.of(exchange.body)
        }
        return answer
    }

    /// `streams` clients, each sending `chats` chats one after another.
    /// Also reads the CPU time the engine and Mami's three services spent meanwhile.
    func drive(_ target: EngineTarget, streams: Int, chats: Int, counters: EngineCounters, mami: [Int32]) async throws -> EngineCell {
        let before = try await counters.read()
        let cpu = { (mami.map(cpuMilliseconds).reduce(0, +), enginePID.map(cpuMilliseconds) ?? 0) }
        let cpuBefore = cpu()
        var cell = try await withThrowingTaskGroup(of: EngineCell.self) { group in
            for _ in 0..<streams { group.addTask { try await runClient(target, chats: chats) } }
            return try await group.reduce(into: EngineCell()) { $0.add($1) }
        }
        let cpuAfter = cpu()
        let after = try await counters.read()
        cell.promptTokens = after.prompt - before.prompt
        cell.answerTokens = after.predicted - before.predicted
        cell.mamiCPUMilliseconds = cpuAfter.0 - cpuBefore.0
        cell.engineCPUMilliseconds = cpuAfter.1 - cpuBefore.1
        return cell
    }

    func runClient(_ target: EngineTarget, chats: Int) async throws -> EngineCell {
        var cell = EngineCell()
        for _ in 0..<chats {
            guard let answer = try? await target.chat(), answer.status == 200, let first = answer.firstToken, let last = answer.lastToken else {
                cell.failures += 1
                continue
            }
            cell.chats.append(.init(firstToken: first, lastToken: last, total: answer.total, text: AnswerText.of(answer.body)))
        }
        return cell
    }
}

/// One way of asking the engine the question.
struct EngineTarget: Sendable {
    var name: String
    var port: Int
    /// The next chat's request (the native target opens a new conversation for each, outside the timing).
    var request: @Sendable () async throws -> StreamRequest

    /// One chat on a connection of its own: llama.cpp's server closes the connection after a streamed answer, so every target gets the same.
    func chat() async throws -> Exchange {
        let request = try await request()
        return try await StreamConnection.connect(port: port).run { try await $0(request) }
    }

    static func all(_ stack: GatewayStack, enginePort: Int, model: String, maxTokens: Int) async throws -> [EngineTarget] {
        let session = try await stack.register()
        let auth = [("Authorization", "Bearer \(session.token)")]
        let question: JSONValue = ["role": "user", "content": .string(EngineBench.question)]
        // The gateway's prompt once the question is remembered (PromptBuilder): the system prompt, then what it remembers.
        let system = EngineBench.system + "\n\nWhat you remember about this person:\n- " + EngineBench.question
        let direct: JSONValue = ["model": .string(model), "messages": [["role": "system", "content": .string(system)], question],
                                 "stream": true, "max_tokens": .int(Int64(maxTokens))]
        let openAI: JSONValue = ["model": .string(model), "messages": [question], "stream": true]
        let native: JSONValue = ["content": .string(EngineBench.question)]
        return [
            EngineTarget(name: "engine_direct", port: enginePort) {
                StreamRequest(path: "/v1/chat/completions", headers: [], body: direct.serialized(), firstToken: .nonEmptyContent, keepBody: true)
            },
            EngineTarget(name: "mami_openai", port: stack.port) {
                StreamRequest(path: "/v1/chat/completions", headers: auth, body: openAI.serialized(), firstToken: .nonEmptyContent, keepBody: true)
            },
            EngineTarget(name: "mami_native_sse", port: stack.port) {
                let conversation = try await stack.conversation(session)
                return StreamRequest(path: "/api/v1/conversations/\(conversation)/messages", headers: auth + [("Accept", "text/event-stream")],
                                     body: native.serialized(), firstToken: .deltaEvent, keepBody: true)
            },
        ]
    }
}

/// The text of a streamed answer: the `content` of Mami's `delta` events, or of `choices[0].delta` in OpenAI chunks (events without a name).
enum AnswerText {
    static func of(_ body: [UInt8]) -> String {
        var name: Substring?
        var text = ""
        for line in String(decoding: body, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false) {
            if line.isEmpty { name = nil }
            if line.hasPrefix("event: ") { name = line.dropFirst(7) }
            guard line.hasPrefix("data: "), let data = try? JSONValue(parsing: Array(line.dropFirst(6).utf8)) else { continue }
            switch name {
            case "delta": text += data["content"]?.stringValue ?? ""
            case nil: text += data["choices"]?.arrayValue?.first?["delta"]?["content"]?.stringValue ?? ""
            default: break
            }
        }
        return text
    }
}

/// llama.cpp's token counters (`GET /metrics`, Prometheus text): prompt tokens (evaluated plus reused from its cache) and answer tokens.
struct EngineCounters: Sendable {
    var url: String
    var http: HTTPClient

    func read() async throws -> (prompt: Double, predicted: Double) {
        let response = try await http.send(HTTPRequest(url: url + "/metrics", timeout: .seconds(10)))
        guard response.status == 200 else { throw RPCError(.unavailable, "\(url)/metrics answered \(response.status)") }
        var values: [String: Double] = [:]
        for line in String(decoding: response.body, as: UTF8.self).split(separator: "\n") where !line.hasPrefix("#") {
            let parts = line.split(separator: " ")
            if parts.count == 2, let value = Double(parts[1]) { values[String(parts[0])] = value }
        }
        let prompt = (values["llamacpp:prompt_tokens_total"] ?? 0) + (values["llamacpp:prompt_tokens_cached_total"] ?? 0)
        return (prompt, values["llamacpp:tokens_predicted_total"] ?? 0)
    }
}

/// The figures of one target at one level, summed over rounds.
struct EngineCell: Sendable {
    /// One answer as the client saw it, in milliseconds from sending.
    struct Chat: Sendable {
        var firstToken: Double
        var lastToken: Double
        /// The end of the response: after the last token the gateway stores the answer and remembers the question.
        var total: Double
        var text: String
    }

    var chats: [Chat] = []
    var failures = 0
    var promptTokens = 0.0
    var answerTokens = 0.0
    var mamiCPUMilliseconds = 0.0
    var engineCPUMilliseconds = 0.0

    mutating func add(_ other: EngineCell) {
        chats += other.chats
        failures += other.failures
        promptTokens += other.promptTokens
        answerTokens += other.answerTokens
        mamiCPUMilliseconds += other.mamiCPUMilliseconds
        engineCPUMilliseconds += other.engineCPUMilliseconds
    }

    func json(target: String, streams: Int, reference: String) -> JSONValue {
        let count = Double(max(chats.count, 1))
        let tokens = answerTokens / count
        let round2: (Double) -> JSONValue = { .double(($0 * 100).rounded() / 100) }
        return [
            "target": .string(target), "streams": .int(Int64(streams)), "chats": .int(Int64(chats.count)), "failures": .int(Int64(failures)),
            "first_token_ms": percentiles(chats.map(\.firstToken)),
            // Per stream: the answer's tokens over the time from sending to its last token; and after the first token only.
            "tokens_per_s": percentiles(chats.map { tokens / $0.lastToken * 1000 }),
            "decode_tokens_per_s": percentiles(chats.map { (tokens - 1) / max($0.lastToken - $0.firstToken, 0.001) * 1000 }),
            "after_last_token_ms": percentiles(chats.map { $0.total - $0.lastToken }),
            "prompt_tokens_per_chat": round2(promptTokens / count), "answer_tokens_per_chat": round2(tokens),
            "same_answer_as_warm_up": .int(Int64(chats.filter { $0.text == reference }.count)),
            "mami_cpu_ms_per_chat": round2(mamiCPUMilliseconds / count), "engine_cpu_ms_per_chat": round2(engineCPUMilliseconds / count),
        ]
    }
}

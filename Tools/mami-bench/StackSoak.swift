import ArgumentParser
import Foundation
import MamiCore
import MamiHTTP
import MamiWire

/// The whole product under a steady mixed load (chat as JSON and SSE, memory
/// add/search/delete, images with some cancelled) for N minutes after a warm-up
/// minute, sampling each service's resident memory once a minute.
struct StackSoak: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "stack-soak", abstract: "Soak the whole stack and sample resident memory.")

    @Option(help: "Directory holding the mami-* executables.") var binaries: String
    @Option(help: "A scratch directory.") var directory: String
    @Option(help: "Minutes of load after the warm-up minute.") var minutes = 30
    @Option(help: "Concurrent chat clients.") var chatters = 4

    static let services = ["memory", "image-worker", "gateway"]
    static let loads = ["chat", "memory", "image"]

    func run() async throws {
        let stack = try await GatewayStack.start(binaries: binaries, directory: directory)
        defer { stack.stop() }
        let counts = Tally()
        let load = Task { await runLoad(stack, counts) }
        try await Task.sleep(for: .seconds(60))
        var samples: [String: [Double]] = [:]
        for minute in 0...minutes {
            if minute > 0 { try await Task.sleep(for: .seconds(60)) }
            for service in Self.services { samples[service, default: []].append(stack.residentMB(service)) }
            FileHandle.standardError.write(Data("minute \(minute): \(samples.mapValues { $0.last ?? 0 })\n".utf8))
        }
        load.cancel()
        _ = await load.value
        print(JSONValue.object([
            "mode": "stack-soak", "minutes": .int(Int64(minutes)), "chatters": .int(Int64(chatters)),
            "resident_mb": .object(samples.mapValues { .array($0.map { .double(($0 * 10).rounded() / 10) }) }),
            "growth_mb": .object(samples.mapValues { .double((($0.last! - $0.first!) * 10).rounded() / 10) }),
            "operations": ["chats": .int(Int64(counts.value("chat"))), "memory": .int(Int64(counts.value("memory"))),
                           "images": .int(Int64(counts.value("image"))), "errors": .int(Int64(Self.loads.map { counts.value("error \($0)") }.reduce(0, +)))],
        ]).jsonText)
    }

    func runLoad(_ stack: GatewayStack, _ counts: Tally) async {
        await withTaskGroup(of: Void.self) { group in
            for index in 0..<chatters { group.addTask { await loop("chat", counts) { try await chat(stack, user: "chatter\(index)", counts) } } }
            group.addTask { await loop("memory", counts) { try await memory(stack, counts) } }
            group.addTask { await loop("image", counts) { try await images(stack, counts) } }
        }
    }

    /// Runs `body` again and again, 50 ms apart, until cancelled; failures are
    /// counted, not fatal, and the first of each load is shown.
    func loop(_ load: String, _ counts: Tally, _ body: @Sendable () async throws -> Void) async {
        while !Task.isCancelled {
            do { try await body() } catch {
                guard !Task.isCancelled else { break }
                if counts.value("error \(load)") == 0 { FileHandle.standardError.write(Data("first \(load) error: \(error)\n".utf8)) }
                counts.add("error \(load)")
            }
            try? await Task.sleep(for: .milliseconds(50))
        }
    }

    func chat(_ stack: GatewayStack, user: String, _ counts: Tally) async throws {
        let session = try await stack.session(user)
        let conversation = try await stack.conversation(session)
        for round in 0..<50 where !Task.isCancelled {
            let content = "Today I did thing number \(round % 7) at the market"
            if round % 2 == 0 {
                _ = try await stack.firstDelta(session, conversation: conversation, content: content)
            } else {
                _ = try await stack.call("POST", "/api/v1/conversations/\(conversation)/messages", ["content": .string(content)], token: session.token)
            }
            counts.add("chat")
        }
    }

    func memory(_ stack: GatewayStack, _ counts: Tally) async throws {
        let session = try await stack.session("rememberer")
        let added = try await stack.call("POST", "/api/v1/memories", ["text": .string("a passing thought \(Int.random(in: 0..<1_000_000))")], token: session.token)
        _ = try await stack.call("POST", "/api/v1/memories/search", ["query": "passing thought", "k": 5], token: session.token)
        if let id = added["id"]?.stringValue { _ = try? await stack.call("DELETE", "/api/v1/memories/\(id)", token: session.token) }
        counts.add("memory")
    }

    func images(_ stack: GatewayStack, _ counts: Tally) async throws {
        let session = try await stack.session("painter")
        let job = try await stack.call("POST", "/api/v1/images", ["prompt": "a small sketch", "steps": 3, "width": 64, "height": 64], token: session.token)
        guard let id = job["job_id"]?.stringValue else { throw RPCError(.internalError, "no job") }
        if Int.random(in: 0..<5) == 0 { _ = try await stack.call("POST", "/api/v1/jobs/\(id)/cancel", token: session.token) }
        while !Task.isCancelled {
            let status = try await stack.call("GET", "/api/v1/jobs/\(id)", token: session.token)["status"]?.stringValue ?? ""
            if ["succeeded", "failed", "cancelled"].contains(status) { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        counts.add("image")
    }
}

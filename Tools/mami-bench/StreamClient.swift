import MamiCore
import MamiWire
import NIOCore
import NIOHTTP1
import NIOPosix

/// What counts as the first token of a streamed answer.
enum FirstToken: Sendable {
    /// A non-empty `"content":"…"` (Ollama's NDJSON lines, OpenAI's chunks, whose first chunk has empty content).
    case nonEmptyContent
    /// An `event: delta` (Mami's native SSE).
    case deltaEvent

    func found(in bytes: [UInt8]) -> Bool {
        switch self {
        case .deltaEvent: return bytes.firstRange(of: Array("event: delta".utf8)) != nil
        case .nonEmptyContent:
            let key = Array("\"content\":\"".utf8)
            var start = bytes.startIndex
            while let range = bytes[start...].firstRange(of: key) {
                if range.upperBound < bytes.endIndex, bytes[range.upperBound] != UInt8(ascii: "\"") { return true }
                start = range.upperBound
            }
            return false
        }
    }
}

/// One streamed exchange as the client saw it.
struct Exchange: Sendable {
    var status: Int
    /// Milliseconds from sending to the first token; nil when none came.
    var firstToken: Double?
    /// Milliseconds from sending to the last read that carried a token.
    var lastToken: Double?
    /// Milliseconds from sending to the end of the answer.
    var total = 0.0
    /// The answer's bytes, when the request asked to keep them.
    var body: [UInt8] = []
}

/// A keep-alive HTTP/1.1 connection on NIO for benchmark clients: requests one
/// after another, each answer read as it streams. Hundreds of these cost one
/// event loop, not a thread each, so the client does not compete with the
/// server it measures for the machine's two cores.
struct StreamConnection {
    typealias Channel = NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>
    let channel: Channel
    let host: String

    static func connect(port: Int, host: String = "127.0.0.1") async throws -> StreamConnection {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: host, port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    return try Channel(wrappingChannelSynchronously: channel)
                }
            }
        return StreamConnection(channel: channel, host: "\(host):\(port)")
    }

    /// Runs `work` with a function that performs one exchange on this connection; closes it afterwards.
    func run<T: Sendable>(_ work: (_ exchange: (StreamRequest) async throws -> Exchange) async throws -> T) async throws -> T {
        try await channel.executeThenClose { inbound, outbound in
            var responses = inbound.makeAsyncIterator()
            return try await work { request in
                try await Self.exchange(request, host: host, outbound: outbound, responses: &responses)
            }
        }
    }

    private static func exchange(_ request: StreamRequest, host: String, outbound: NIOAsyncChannelOutboundWriter<HTTPClientRequestPart>,
                                 responses: inout NIOAsyncChannelInboundStream<HTTPClientResponsePart>.AsyncIterator) async throws -> Exchange {
        var head = HTTPRequestHead(version: .http1_1, method: .POST, uri: request.path)
        head.headers.add(name: "Host", value: host)
        head.headers.add(name: "Content-Type", value: "application/json")
        head.headers.add(name: "Content-Length", value: String(request.body.count))
        for (name, value) in request.headers { head.headers.add(name: name, value: value) }
        let started = ContinuousClock.now
        try await outbound.write(contentsOf: [.head(head), .body(.byteBuffer(ByteBuffer(bytes: request.body))), .end(nil)])
        var exchange = Exchange(status: 0, firstToken: nil)
        let elapsed = { microseconds(ContinuousClock.now - started) / 1000 }
        while let part = try await responses.next() {
            switch part {
            case .head(let response): exchange.status = Int(response.status.code)
            case .body(let buffer) where exchange.firstToken == nil:
                exchange.body += Array(buffer: buffer)
                if request.firstToken.found(in: exchange.body) { (exchange.firstToken, exchange.lastToken) = (elapsed(), elapsed()) }
            case .body(let buffer) where request.keepBody:
                let bytes = Array(buffer: buffer)
                exchange.body += bytes
                if request.firstToken.found(in: bytes) { exchange.lastToken = elapsed() }
            case .body: break
            case .end:
                exchange.total = elapsed()
                if !request.keepBody { exchange.body = [] }
                return exchange
            }
        }
        throw RPCError(.unavailable, "the connection closed mid-answer")
    }
}

/// A POST of a streamed chat.
struct StreamRequest: Sendable {
    var path: String
    var headers: [(String, String)]
    var body: [UInt8]
    var firstToken: FirstToken
    /// Whether the exchange returns the whole answer and the time of its last token (otherwise only what came until the first).
    var keepBody = false
}

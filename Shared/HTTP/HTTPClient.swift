import CCurl
import NIOConcurrencyHelpers
import MamiCore
import NIOPosix

/// An HTTP request for ``HTTPClient``.
public struct HTTPRequest: Sendable {
    public var method: String
    public var url: String
    public var headers: [String: String]
    public var body: [UInt8]?
    /// The whole exchange, connecting included, must finish within this.
    public var timeout: Duration
    /// When set, a transfer that receives nothing for this long (whole seconds) fails as timed out.
    public var stallTimeout: Duration?

    public init(method: String = "GET", url: String, headers: [String: String] = [:], body: [UInt8]? = nil, timeout: Duration,
                stallTimeout: Duration? = nil) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeout = timeout
        self.stallTimeout = stallTimeout
    }
}

/// What came back: status and body.
public struct HTTPResponse: Sendable {
    public var status: Int
    public var body: [UInt8]

    public var text: String { String(decoding: body, as: UTF8.self) }
}

/// A transfer that failed before a response: refused, timed out, cancelled, malformed.
public struct HTTPError: Error, Sendable, CustomStringConvertible {
    /// libcurl's result code (`CURLE_*`).
    public var code: Int32
    public var message: String

    public var isTimeout: Bool { code == Int32(CURLE_OPERATION_TIMEDOUT.rawValue) }
    public var isCancelled: Bool { code == Int32(CURLE_ABORTED_BY_CALLBACK.rawValue) }
    public var description: String { "HTTP transfer failed (\(code)): \(message)" }
}

/// HTTP over libcurl. Each transfer runs on NIO's blocking thread pool, never on
/// a cooperative thread; cancelling the calling task aborts the transfer
/// within libcurl's progress interval.
public struct HTTPClient: Sendable {
    let pool: NIOThreadPool

    /// A client whose transfers run on `pool`. Each transfer holds one of the pool's
    /// threads while it runs, so a service with long transfers (a minute-long
    /// txt2img, a streamed chat) gives them a pool of their own (``dedicatedPool(threads:)``).
    public init(pool: NIOThreadPool = .singleton) {
        CurlGlobal.initialize()
        self.pool = pool
    }

    /// Performs `request`; throws ``HTTPError`` when no response arrives.
    public func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        let transfer = CurlTransfer(request: request)
        return try await withTaskCancellationHandler {
            try await pool.perform { try transfer.perform() }
        } onCancel: {
            transfer.cancel()
        }
    }
}

extension HTTPClient {
    /// A started thread pool of `threads` threads for long transfers, living as long as the process.
    public static func dedicatedPool(threads: Int) -> NIOThreadPool {
        let pool = NIOThreadPool(numberOfThreads: threads)
        pool.start()
        return pool
    }
}

/// A piece of a streamed response: the status first, then the body as it arrives.
public enum HTTPStreamPart: Sendable {
    case head(status: Int)
    case body([UInt8])
}

extension HTTPClient {
    /// Performs `request`, handing the status and then each piece of the body to
    /// `receive` on the transfer's own thread as it arrives, with no task switch per
    /// piece. `receive` returns false to end the transfer early; this then returns
    /// normally. Cancelling the calling task aborts the transfer. A transfer that
    /// fails throws ``HTTPError``.
    public func stream(_ request: HTTPRequest, receive: @escaping @Sendable (HTTPStreamPart) -> Bool) async throws {
        let headSent = NIOLockedValueBox(false)
        let head: @Sendable (Int) -> Bool = { status in
            headSent.withLockedValue { sent in defer { sent = true }; return sent } || receive(.head(status: status))
        }
        let transfer = CurlTransfer(request: request) { status, bytes in head(status) && receive(.body(bytes)) }
        do {
            let response = try await withTaskCancellationHandler {
                try await pool.perform { try transfer.perform() }
            } onCancel: {
                transfer.cancel()
            }
            _ = head(response.status)
        } catch where transfer.wasStoppedByReceiver {
            return
        }
    }

    /// Performs `request` and yields the status, then each piece of the body as
    /// it arrives. Ending the iteration (or cancelling the consuming task) aborts
    /// the transfer. A transfer that fails throws ``HTTPError`` from the sequence.
    public func stream(_ request: HTTPRequest) -> AsyncThrowingStream<HTTPStreamPart, any Error> {
        let (parts, continuation) = AsyncThrowingStream<HTTPStreamPart, any Error>.makeStream()
        let task = Task {
            do {
                try await stream(request) { part in
                    if case .terminated = continuation.yield(part) { return false }
                    return true
                }
                continuation.finish()
            } catch {
                continuation.finish(throwing: error)
            }
        }
        continuation.onTermination = { _ in task.cancel() }
        return parts
    }
}

enum CurlGlobal {
    private static let once: Void = { curl_global_init(Int(CURL_GLOBAL_DEFAULT)) }()
    static func initialize() { _ = once }
}

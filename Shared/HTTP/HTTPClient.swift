import CCurl
import NIOConcurrencyHelpers
import NIOPosix

/// An HTTP request for ``HTTPClient``.
public struct HTTPRequest: Sendable {
    public var method: String
    public var url: String
    public var headers: [String: String]
    public var body: [UInt8]?
    /// The whole exchange, connecting included, must finish within this.
    public var timeout: Duration

    public init(method: String = "GET", url: String, headers: [String: String] = [:], body: [UInt8]? = nil, timeout: Duration) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeout = timeout
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
    private let pool: NIOThreadPool

    public init(pool: NIOThreadPool = .singleton) {
        CurlGlobal.initialize()
        self.pool = pool
    }

    /// Performs `request`; throws ``HTTPError`` when no response arrives.
    public func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        let transfer = CurlTransfer(request: request)
        return try await withTaskCancellationHandler {
            try await pool.runIfActive { try transfer.perform() }
        } onCancel: {
            transfer.cancel()
        }
    }
}

enum CurlGlobal {
    private static let once: Void = { curl_global_init(Int(CURL_GLOBAL_DEFAULT)) }()
    static func initialize() { _ = once }
}

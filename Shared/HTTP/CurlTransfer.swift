import CCurl
import NIOConcurrencyHelpers

/// One libcurl easy transfer. `perform()` blocks its thread; `cancel()` may be
/// called from any thread and makes the progress callback abort the transfer.
final class CurlTransfer: Sendable {
    /// Receives each piece of the body as it arrives, with the response status; false ends the transfer.
    typealias ChunkHandler = @Sendable (_ status: Int, _ bytes: [UInt8]) -> Bool

    let request: HTTPRequest
    private let cancelled = NIOLockedValueBox(false)
    private let stoppedByReceiver = NIOLockedValueBox(false)
    private let received = NIOLockedValueBox<[UInt8]>([])
    private let chunkHandler: ChunkHandler?
    /// The easy handle while `perform()` runs (read by the write callback for the status).
    private let handle = NIOLockedValueBox<UInt>(0)  // the pointer's bits (pointers are not Sendable)

    init(request: HTTPRequest, chunkHandler: ChunkHandler? = nil) {
        self.request = request
        self.chunkHandler = chunkHandler
    }

    func cancel() {
        cancelled.withLockedValue { $0 = true }
    }

    var isCancelled: Bool { cancelled.withLockedValue { $0 } }

    /// Whether the chunk handler ended the transfer (it then fails with libcurl's write error).
    var wasStoppedByReceiver: Bool { stoppedByReceiver.withLockedValue { $0 } }

    /// Keeps or hands on a piece of the body; false when the chunk handler wants no more.
    func append(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard let chunkHandler else {
            received.withLockedValue { $0.append(contentsOf: bytes) }
            return true
        }
        var status = 0
        if let handle = UnsafeMutableRawPointer(bitPattern: handle.withLockedValue { $0 }) {
            _ = mami_curl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
        }
        guard chunkHandler(status, Array(bytes)) else {
            stoppedByReceiver.withLockedValue { $0 = true }
            return false
        }
        return true
    }

    func perform() throws -> HTTPResponse {
        guard let handle = curl_easy_init() else { throw HTTPError(code: -1, message: "curl_easy_init failed") }
        self.handle.withLockedValue { $0 = UInt(bitPattern: handle) }
        defer {
            self.handle.withLockedValue { $0 = 0 }
            curl_easy_cleanup(handle)
        }
        var headerList: UnsafeMutablePointer<curl_slist>?
        defer { curl_slist_free_all(headerList) }
        for (name, value) in request.headers { headerList = curl_slist_append(headerList, "\(name): \(value)") }
        let context = Unmanaged.passRetained(self)
        defer { context.release() }
        try request.url.withCString { url in
            try request.method.withCString { method in
                configure(handle, url: url, method: method, headers: headerList, context: context.toOpaque())
                try withBody(handle) { try run(handle) }
            }
        }
        var status = 0
        _ = mami_curl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
        return HTTPResponse(status: status, body: received.withLockedValue { $0 })
    }

    private func configure(_ handle: UnsafeMutableRawPointer, url: UnsafePointer<CChar>, method: UnsafePointer<CChar>,
                           headers: UnsafeMutablePointer<curl_slist>?, context: UnsafeMutableRawPointer) {
        let milliseconds = max(1, Int(request.timeout.components.seconds * 1000 + request.timeout.components.attoseconds / 1_000_000_000_000_000))
        _ = mami_curl_setopt_ptr(handle, CURLOPT_URL, url)
        _ = mami_curl_setopt_ptr(handle, CURLOPT_CUSTOMREQUEST, method)
        _ = mami_curl_setopt_ptr(handle, CURLOPT_HTTPHEADER, headers)
        _ = mami_curl_setopt_long(handle, CURLOPT_TIMEOUT_MS, milliseconds)
        _ = mami_curl_setopt_long(handle, CURLOPT_NOSIGNAL, 1)
        if let stall = request.stallTimeout {
            // Fewer than 1 byte per second for this long aborts the transfer (a stalled stream).
            _ = mami_curl_setopt_long(handle, CURLOPT_LOW_SPEED_LIMIT, 1)
            _ = mami_curl_setopt_long(handle, CURLOPT_LOW_SPEED_TIME, max(1, Int(stall.components.seconds)))
        }
        _ = mami_curl_setopt_long(handle, CURLOPT_NOPROGRESS, 0)
        _ = mami_curl_setopt_ptr(handle, CURLOPT_XFERINFODATA, context)
        _ = mami_curl_setopt_xferinfo(handle) { context, _, _, _, _ in
            Unmanaged<CurlTransfer>.fromOpaque(context!).takeUnretainedValue().isCancelled ? 1 : 0
        }
        _ = mami_curl_setopt_ptr(handle, CURLOPT_WRITEDATA, context)
        _ = mami_curl_setopt_write(handle) { data, size, count, context in
            let transfer = Unmanaged<CurlTransfer>.fromOpaque(context!).takeUnretainedValue()
            return transfer.append(UnsafeRawBufferPointer(start: data, count: size * count)) ? size * count : 0
        }
    }

    private func withBody<T>(_ handle: UnsafeMutableRawPointer, _ body: () throws -> T) throws -> T {
        guard let bytes = request.body else { return try body() }
        return try bytes.withUnsafeBytes { buffer in
            _ = mami_curl_setopt_long(handle, CURLOPT_POSTFIELDSIZE, buffer.count)
            _ = mami_curl_setopt_ptr(handle, CURLOPT_POSTFIELDS, buffer.baseAddress)
            return try body()
        }
    }

    private func run(_ handle: UnsafeMutableRawPointer) throws {
        let result = curl_easy_perform(handle)
        guard result == CURLE_OK else {
            let message = String(cString: curl_easy_strerror(result))
            throw HTTPError(code: Int32(result.rawValue), message: message)
        }
    }
}

import Foundation
import MamiCore
import MamiHTTP

/// What went wrong talking to Forge, classified for retries and the breaker.
struct ForgeError: Error, Sendable, CustomStringConvertible {
    enum Kind: Sendable {
        /// Refused, reset or dropped before a complete answer.
        case unreachable
        /// HTTP 5xx.
        case server
        /// HTTP 4xx: our request is wrong; retrying cannot help.
        case rejected
        /// 200 with a body that is not what Forge sends.
        case malformed
        /// The call ran out of its time.
        case timedOut
    }

    var kind: Kind
    var message: String

    var retryable: Bool { kind == .unreachable || kind == .server || kind == .malformed }
    var description: String { message }
}

/// One checkpoint Forge offers (`/sdapi/v1/sd-models`).
struct ForgeCheckpoint: Sendable, Equatable {
    var title: String
    var modelName: String
    var filename: String

    /// Forge ignores unknown names silently, so names are matched here first.
    func matches(_ name: String) -> Bool {
        name == title || name == modelName || (filename as NSString).lastPathComponent == name
            || ((filename as NSString).lastPathComponent as NSString).deletingPathExtension == name
    }
}

/// Forge's progress (`/sdapi/v1/progress`), global to the server.
struct ForgeProgress: Sendable, Equatable {
    var fraction: Double
    var samplingStep: Int
    var jobCount: Int
}

/// The Forge HTTP API over libcurl (../docs/EXTERNAL-APIS.md facts; MAMI_FORGE_URL).
struct ForgeClient: Sendable {
    var baseURL: String
    var auth: String?
    var http = HTTPClient()

    /// Starts a generation and waits for its images (no fixed timeout: the caller's budget).
    func txt2img(_ body: JSONValue, timeout: Duration) async throws -> [String] {
        let answer = try await json("POST", "/sdapi/v1/txt2img", body: body, timeout: timeout)
        guard let images = answer["images"]?.arrayValue?.compactMap(\.stringValue), !images.isEmpty else {
            throw ForgeError(kind: .malformed, message: "Forge answered txt2img without images")
        }
        return images
    }

    func progress(timeout: Duration) async throws -> ForgeProgress {
        let answer = try await json("GET", "/sdapi/v1/progress?skip_current_image=true", timeout: timeout)
        guard let fraction = answer["progress"]?.doubleValue else {
            throw ForgeError(kind: .malformed, message: "Forge answered progress without a progress value")
        }
        let state = answer["state"]
        return ForgeProgress(fraction: fraction, samplingStep: Int(state?["sampling_step"]?.intValue ?? 0),
                             jobCount: Int(state?["job_count"]?.intValue ?? 0))
    }

    /// Asks Forge to stop the running generation; failures are ignored (the call is abandoned anyway).
    func interrupt() async {
        _ = try? await json("POST", "/sdapi/v1/interrupt", body: [:], timeout: .seconds(2))
    }

    func checkpoints(timeout: Duration) async throws -> [ForgeCheckpoint] {
        let answer = try await json("GET", "/sdapi/v1/sd-models", timeout: timeout)
        guard let list = answer.arrayValue else { throw ForgeError(kind: .malformed, message: "Forge answered sd-models without a list") }
        return list.compactMap { item in
            guard let title = item["title"]?.stringValue else { return nil }
            return ForgeCheckpoint(title: title, modelName: item["model_name"]?.stringValue ?? title, filename: item["filename"]?.stringValue ?? title)
        }
    }

    func currentCheckpoint(timeout: Duration) async throws -> String? {
        try await json("GET", "/sdapi/v1/options", timeout: timeout)["sd_model_checkpoint"]?.stringValue
    }

    func selectCheckpoint(_ title: String, timeout: Duration) async throws {
        _ = try await json("POST", "/sdapi/v1/options", body: ["sd_model_checkpoint": .string(title)], timeout: timeout)
    }

    private func json(_ method: String, _ path: String, body: JSONValue? = nil, timeout: Duration) async throws -> JSONValue {
        var headers = ["Accept": "application/json"]
        if body != nil { headers["Content-Type"] = "application/json" }
        if let auth { headers["Authorization"] = "Basic \(Data(auth.utf8).base64EncodedString())" }
        let request = HTTPRequest(method: method, url: baseURL + path, headers: headers, body: body?.serialized(), timeout: timeout)
        let response: HTTPResponse
        do {
            response = try await http.send(request)
        } catch let error as HTTPError {
            if error.isCancelled { throw CancellationError() }
            throw ForgeError(kind: error.isTimeout ? .timedOut : .unreachable, message: "Forge \(path): \(error.message)")
        }
        return try decode(response, path: path)
    }

    private func decode(_ response: HTTPResponse, path: String) throws -> JSONValue {
        switch response.status {
        case 200..<300:
            guard let value = try? JSONValue(parsing: response.body) else {
                throw ForgeError(kind: .malformed, message: "Forge \(path) answered with a body that is not JSON")
            }
            return value
        case 500...:
            let detail = (try? JSONValue(parsing: response.body))?["message"]?.stringValue ?? response.text.prefix(200).description
            throw ForgeError(kind: .server, message: "Forge \(path) failed with HTTP \(response.status): \(detail)")
        default:
            throw ForgeError(kind: .rejected, message: "Forge \(path) refused the request with HTTP \(response.status): \(response.text.prefix(200))")
        }
    }
}

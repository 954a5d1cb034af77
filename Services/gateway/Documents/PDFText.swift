import Foundation
import MamiCore

/// The text of a PDF, by poppler's `pdftotext` (Debian package poppler-utils), run as a
/// child process on a private temporary copy of the upload (mode 0600, removed afterwards).
struct PDFText: Sendable {
    var executable = "/usr/bin/pdftotext"
    /// A PDF that takes longer is not read (the child is killed).
    var timeout: Duration = .seconds(30)
    /// Text beyond this many bytes is not wanted: the child is stopped and the document is too large.
    var outputLimit: Int

    static let signature = Array("%PDF-".utf8)

    /// - Throws: ``APIError`` 422 when the bytes are no readable PDF or hold no text, 413 past `outputLimit`,
    ///   503 when pdftotext cannot be started.
    func text(of pdf: [UInt8]) async throws -> String {
        guard pdf.starts(with: Self.signature) else { throw Self.unreadable("the file does not start with %PDF-") }
        let file = try await TemporaryFile.create(with: pdf)
        let result: ChildProcess.Result
        do {
            result = try await ChildProcess(executable: executable, arguments: ["-enc", "UTF-8", "-nopgbrk", file.path, "-"],
                                            timeout: timeout, outputLimit: outputLimit).run()
        } catch {
            await file.remove()
            throw APIError(.serviceUnavailable, "unavailable", "PDF uploads need \(executable) (Debian: poppler-utils): \(error)")
        }
        await file.remove()
        return try text(from: result)
    }

    private func text(from result: ChildProcess.Result) throws -> String {
        switch result.ending {
        case .exited(0):
            guard let text = String(validating: result.output, as: UTF8.self), text.contains(where: { !$0.isWhitespace }) else {
                throw Self.unreadable("it holds no text (a scanned PDF needs OCR first)")
            }
            return text
        case .exited(let status):
            throw Self.unreadable(Self.firstLine(of: result.errorOutput) ?? "pdftotext exited with status \(status)")
        case .signalled(let signal): throw Self.unreadable("pdftotext was stopped by signal \(signal)")
        case .timedOut: throw Self.unreadable("pdftotext took longer than \(timeout)")
        case .outputLimitReached: throw APIError.documentTooLarge("the PDF's text exceeds \(outputLimit) bytes")
        case .cancelled: throw CancellationError()
        }
    }

    private static func unreadable(_ reason: String) -> APIError {
        APIError.unreadableDocument("the PDF could not be read: \(reason)")
    }

    private static func firstLine(of text: String) -> String? {
        text.split(whereSeparator: \.isNewline).first.map { String($0.prefix(300)) }
    }
}

/// A file only this process's user can read (mkstemp: mode 0600) in the temporary directory.
struct TemporaryFile: Sendable {
    let path: String

    /// Writes `bytes` to a new temporary file, on the blocking pool.
    static func create(with bytes: [UInt8]) async throws -> TemporaryFile {
        let directory = FileManager.default.temporaryDirectory.path
        return try await blocking {
            var template = Array("\(directory)/mami-upload-XXXXXX".utf8CString)
            let descriptor = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
            guard descriptor >= 0 else { throw POSIXFailure(operation: "mkstemp in \(directory)", code: errno) }
            defer { close(descriptor) }
            let path = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
            do {
                try writeAll(bytes, to: descriptor)
            } catch {
                unlink(path)
                throw error
            }
            return TemporaryFile(path: path)
        }
    }

    private static func writeAll(_ bytes: [UInt8], to descriptor: Int32) throws {
        var written = 0
        while written < bytes.count {
            let count = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress! + written, bytes.count - written) }
            if count < 0, errno == EINTR { continue }
            guard count > 0 else { throw POSIXFailure(operation: "write", code: errno) }
            written += count
        }
    }

    /// Removes the file, on the blocking pool.
    func remove() async {
        _ = try? await blocking { [path] in unlink(path) }
    }
}

/// A failed system call, named.
struct POSIXFailure: Error, CustomStringConvertible {
    var operation: String
    var code: Int32
    var description: String { "\(operation) failed: \(String(cString: strerror(code)))" }
}

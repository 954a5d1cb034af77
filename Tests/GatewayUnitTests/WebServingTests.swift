import Foundation
import Testing

@testable import MamiGateway

/// The pieces of serving the web client that do not need a server: gzip, tags, encodings, cookies.
@Suite struct WebServingTests {
    @Test func gzipRoundTripsThroughTheSystemsGunzip() throws {
        let text = Array(String(repeating: "export const greeting = 'merhaba';\n", count: 200).utf8)
        let compressed = try Gzip.compress(text)
        #expect(compressed.count < text.count / 10)
        #expect(Array(compressed.prefix(2)) == [0x1f, 0x8b])
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gzip-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("a.gz")
        try Data(compressed).write(to: file)
        let gunzip = Process()
        gunzip.executableURL = URL(fileURLWithPath: "/bin/gzip")
        gunzip.arguments = ["-dc", file.path]
        let output = Pipe()
        gunzip.standardOutput = output
        try gunzip.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        gunzip.waitUntilExit()
        #expect(gunzip.terminationStatus == 0)
        #expect([UInt8](data) == text)
        #expect(try Gzip.compress([]).count > 0)
    }

    @Test func ifNoneMatchComparesTagsAndStar() {
        #expect(WebRoutes.matches("\"abc\"", "\"abc\""))
        #expect(WebRoutes.matches("\"x\", W/\"abc\"", "\"abc\""))
        #expect(WebRoutes.matches("*", "\"abc\""))
        #expect(!WebRoutes.matches("\"abcd\"", "\"abc\""))
        #expect(!WebRoutes.matches(nil, "\"abc\""))
    }

    @Test func gzipIsChosenOnlyWhenAcceptedWithAQualityAboveZero() {
        #expect(WebRoutes.acceptsGzip("gzip, deflate, br"))
        #expect(WebRoutes.acceptsGzip("br;q=1.0, GZIP;q=0.5"))
        #expect(WebRoutes.acceptsGzip("*"))
        #expect(!WebRoutes.acceptsGzip("gzip;q=0"))
        #expect(!WebRoutes.acceptsGzip("gzip; q=0.000"))
        #expect(!WebRoutes.acceptsGzip("br, deflate"))
        #expect(!WebRoutes.acceptsGzip(nil))
    }

    @Test func theSessionCookieIsFoundAmongOthers() {
        #expect(BrowserSession.cookie(named: "mami_refresh", in: ["theme=dark; mami_refresh=abc-123; other=1"]) == "abc-123")
        #expect(BrowserSession.cookie(named: "mami_refresh", in: ["a=1", "mami_refresh=z"]) == "z")
        #expect(BrowserSession.cookie(named: "mami_refresh", in: ["mami_refresh=", "x_mami_refresh=q"]) == nil)
        #expect(BrowserSession.cookie(named: "mami_refresh", in: []) == nil)
    }
}

import Foundation
import MamiCore

/// The images a failed job shows instead of a picture (I6): one per kind,
/// written once into the state directory.
struct Placeholders: Sendable {
    let directory: String

    /// Writes the three placeholders if missing (temporary file, then rename).
    init(imagesDirectory: String) throws {
        directory = (imagesDirectory as NSString).appendingPathComponent("placeholders")
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        for kind in JobFailure.Placeholder.allCases where !FileManager.default.fileExists(atPath: path(kind)) {
            try ImageFiles.writeAtomically(Self.image(kind), to: path(kind))
        }
    }

    func path(_ kind: JobFailure.Placeholder) -> String {
        (directory as NSString).appendingPathComponent("\(kind.rawValue).png")
    }

    /// A 256² tile in the kind's colour with a diagonal band: red for an error, amber for a timeout, grey for maintenance.
    static func image(_ kind: JobFailure.Placeholder) -> [UInt8] {
        let colour: (UInt8, UInt8, UInt8)
        switch kind {
        case .error: colour = (190, 60, 60)
        case .timeout: colour = (220, 160, 40)
        case .maintenance: colour = (120, 120, 130)
        }
        return PNGEncoder.encode(width: 256, height: 256) { x, y in
            abs(x - y) < 24 ? (240, 240, 240) : colour
        }
    }
}

/// Where images live: `<state>/images/<job id>.png`, never half-written.
enum ImageFiles {
    /// Writes `bytes` to a temporary file beside `path`, syncs it, then renames it into place.
    static func writeAtomically(_ bytes: [UInt8], to path: String) throws {
        let temporary = path + ".tmp-\(UUID().uuidString.prefix(8))"
        guard FileManager.default.createFile(atPath: temporary, contents: Data(bytes)) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: temporary])
        }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: temporary))
        try handle.synchronize()
        try handle.close()
        guard rename(temporary, path) == 0 else {
            unlink(temporary)
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path])
        }
    }

    /// Removes temporary files left by a crash mid-write.
    static func removeLeftovers(in directory: String) {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        for name in names where name.contains(".tmp-") {
            unlink((directory as NSString).appendingPathComponent(name))
        }
    }
}

import Foundation

/// Figures about this process that operators watch.
public enum ProcessStats {
    /// Resident set size in bytes (from /proc/self/statm), or nil where unavailable.
    public static func residentBytes() -> Int64? {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return nil }
        let fields = text.split(separator: " ")
        guard fields.count > 1, let pages = Int64(fields[1]) else { return nil }
        return pages * Int64(sysconf(Int32(_SC_PAGESIZE)))
    }
}

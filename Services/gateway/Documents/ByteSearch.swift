#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

extension Array where Element == UInt8 {
    /// The offset of the first occurrence of `needle` at or after `start` (memchr for its first byte, then memcmp).
    func firstOffset(of needle: [UInt8], from start: Int) -> Int? {
        guard !needle.isEmpty, start >= 0, count - needle.count >= start else { return nil }
        return withUnsafeBufferPointer { hay in
            needle.withUnsafeBufferPointer { wanted -> Int? in
                guard let base = hay.baseAddress, let wantedBase = wanted.baseAddress else { return nil }
                let last = hay.count - wanted.count
                var offset = start
                while offset <= last {
                    guard let hit = memchr(base + offset, Int32(wanted[0]), last - offset + 1) else { return nil }
                    let position = base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
                    if memcmp(base + position, wantedBase, wanted.count) == 0 { return position }
                    offset = position + 1
                }
                return nil
            }
        }
    }
}

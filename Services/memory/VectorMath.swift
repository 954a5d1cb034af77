/// The few vector operations search needs, written for the compiler to vectorize.
enum VectorMath {
    /// The dot product of two equally long vectors (cosine, for L2-normalized ones).
    @inline(__always)
    static func dot(_ a: UnsafeBufferPointer<Float>, _ b: UnsafeBufferPointer<Float>) -> Float {
        var sums = SIMD8<Float>()
        let count = a.count
        var index = 0
        while index + 8 <= count {
            let x = UnsafeRawPointer(a.baseAddress! + index).loadUnaligned(as: SIMD8<Float>.self)
            let y = UnsafeRawPointer(b.baseAddress! + index).loadUnaligned(as: SIMD8<Float>.self)
            sums += x * y
            index += 8
        }
        var total = sums.sum()
        while index < count {
            total += a[index] * b[index]
            index += 1
        }
        return total
    }

    /// `vector` scaled to length 1 (a zero vector stays zero).
    static func normalized(_ vector: [Float]) -> [Float] {
        let length = vector.reduce(0) { $0 + $1 * $1 }.squareRoot()
        guard length > 0 else { return vector }
        return vector.map { $0 / length }
    }

    /// Float32 little-endian bytes, as stored in the `embedding` BLOB.
    static func bytes(of vector: [Float]) -> [UInt8] {
        vector.map { $0.bitPattern.littleEndian }.withUnsafeBytes { Array($0) }
    }

    /// Reads a vector back from its BLOB bytes (float32, little-endian).
    static func vector(from bytes: some Collection<UInt8>) -> [Float] {
        let array = Array(bytes)
        return array.withUnsafeBytes { raw in
            (0..<(raw.count / 4)).map { index in
                Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: index * 4, as: UInt32.self)))
            }
        }
    }
}

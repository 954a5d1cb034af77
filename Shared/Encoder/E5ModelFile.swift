import CMamiKernels
import Foundation

/// The multilingual-e5-small 4-bit model file ("E5S1", docs/embedder-model.md),
/// mapped into memory and parsed: the shape, the tokenizer's vocabulary and
/// normalization map, and where each tensor lies. Reading it blocks: call it off
/// the cooperative pool.
public struct E5ModelFile: Sendable {
    public struct Shape: Sendable, Equatable {
        public var hidden: Int
        public var layers: Int
        public var heads: Int
        public var feedForward: Int
        public var embeddingRows: Int
        public var positions: Int
        public var layerNormEpsilon: Float

        public init(hidden: Int, layers: Int, heads: Int, feedForward: Int, embeddingRows: Int, positions: Int, layerNormEpsilon: Float) {
            (self.hidden, self.layers, self.heads, self.feedForward) = (hidden, layers, heads, feedForward)
            (self.embeddingRows, self.positions, self.layerNormEpsilon) = (embeddingRows, positions, layerNormEpsilon)
        }
    }

    /// Where one tensor's bytes are.
    public struct Tensor: Sendable {
        public enum Kind: UInt8, Sendable { case f32 = 0, q4 = 1 }
        public var kind: Kind
        public var elements: Int
        public var offset: Int
        public var bytes: Int
    }

    public struct Vocabulary: Sendable {
        public var pieces: [String: Int32]
        public var scores: [Float]
        public var begin: Int32
        public var end: Int32
        public var unknown: Int32
        /// Code point → what it becomes (empty: removed); code points not here stay as they are.
        public var normalization: [UInt32: [Unicode.Scalar]]
    }

    static let blockSize = Int(MAMI_Q4_BLOCK)

    public let data: Data
    public let shape: Shape
    public let vocabulary: Vocabulary
    public let tensors: [String: Tensor]

    public init(path: String) throws {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped) } catch {
            throw E5ModelError(path: path, problem: "cannot be read (\(error.localizedDescription))")
        }
        var reader = E5Reader(data: data, path: path)
        guard try reader.bytes(4) == Array("E5S1".utf8), try reader.u32() == 1 else { throw reader.error("is not an E5S1 version 1 file") }
        let hidden = try reader.count(), layers = try reader.count(), heads = try reader.count(), feedForward = try reader.count()
        let rows = try reader.count(), positions = try reader.count()
        _ = try reader.count()  // token types: only the first is used
        let epsilon = try reader.f32()
        guard try reader.count() == Self.blockSize, heads > 0, hidden % heads == 0, hidden % Self.blockSize == 0 else {
            throw reader.error("has a shape this encoder does not support")
        }
        self.data = data
        shape = Shape(hidden: hidden, layers: layers, heads: heads, feedForward: feedForward, embeddingRows: rows, positions: positions,
                      layerNormEpsilon: epsilon)
        vocabulary = try Self.vocabulary(&reader)
        tensors = try Self.directory(&reader)
    }

    private static func vocabulary(_ reader: inout E5Reader) throws -> Vocabulary {
        let count = try reader.count()
        let begin = try reader.i32(), end = try reader.i32(), _ = try reader.i32(), unknown = try reader.i32()  // the third is <pad>, never used
        let blobLength = Int(try reader.u64())
        let offsets = try (0...count).map { _ in Int(try reader.u32()) }
        let scores = try (0..<count).map { _ in try reader.f32() }
        let blob = try reader.bytes(blobLength)
        var pieces: [String: Int32] = [:]
        pieces.reserveCapacity(count)
        for id in 0..<count {
            guard offsets[id] <= offsets[id + 1], offsets[id + 1] <= blob.count else { throw reader.error("has a broken vocabulary") }
            pieces[String(decoding: blob[offsets[id]..<offsets[id + 1]], as: UTF8.self)] = Int32(id)
        }
        let records = try reader.count()
        _ = try reader.u32()  // the map's byte length
        var normalization: [UInt32: [Unicode.Scalar]] = [:]
        for _ in 0..<records {
            let codePoint = try reader.u32()
            let length = Int(try reader.bytes(1)[0])
            normalization[codePoint] = try (0..<length).compactMap { _ in Unicode.Scalar(try reader.u32()) }
        }
        return Vocabulary(pieces: pieces, scores: scores, begin: begin, end: end, unknown: unknown, normalization: normalization)
    }

    private static func directory(_ reader: inout E5Reader) throws -> [String: Tensor] {
        var tensors: [String: Tensor] = [:]
        for _ in 0..<(try reader.count()) {
            let name = String(decoding: try reader.bytes(Int(try reader.u16())), as: UTF8.self)
            guard let kind = Tensor.Kind(rawValue: try reader.bytes(1)[0]) else { throw reader.error("has a tensor of an unknown type: \(name)") }
            let tensor = Tensor(kind: kind, elements: Int(try reader.u32()), offset: Int(try reader.u64()), bytes: Int(try reader.u64()))
            guard tensor.offset >= 0, tensor.bytes >= 0, tensor.offset + tensor.bytes <= reader.data.count else {
                throw reader.error("is truncated: tensor \(name) ends past the end of the file")
            }
            tensors[name] = tensor
        }
        return tensors
    }

    /// The tensor called `name`, checked to be of `kind` with `elements` values.
    public func tensor(_ name: String, _ kind: Tensor.Kind, elements: Int) throws -> Tensor {
        guard let tensor = tensors[name], tensor.kind == kind, tensor.elements == elements else {
            throw E5ModelError(path: "", problem: "has no \(kind) tensor \(name) of \(elements) values")
        }
        return tensor
    }

    /// Row `row` of the 4-bit matrix `tensor` whose rows hold `columns` weights, as floats.
    public func dequantizedRow(_ tensor: Tensor, row: Int, columns: Int) -> [Float] {
        var out = [Float](repeating: 0, count: columns)
        data.withUnsafeBytes { raw in
            let start = raw.baseAddress!.assumingMemoryBound(to: UInt8.self) + tensor.offset + row * Self.rowBytes(columns)
            mami_q4_row(start, Int32(columns), &out)
        }
        return out
    }

    /// The bytes of one 4-bit row of `columns` weights.
    static func rowBytes(_ columns: Int) -> Int { columns / Int(MAMI_Q4_BLOCK) * Int(MAMI_Q4_BLOCK_BYTES) }
}

public struct E5ModelError: Error, CustomStringConvertible {
    public var path: String
    public var problem: String

    public init(path: String, problem: String) {
        self.path = path
        self.problem = problem
    }

    public var description: String { "the encoder's model file \(path) \(problem)" }
}

/// Little-endian reads from the start of the file onwards, each checked against its end.
struct E5Reader {
    let data: Data
    let path: String
    var offset = 0

    func error(_ problem: String) -> E5ModelError { E5ModelError(path: path, problem: problem) }

    mutating func bytes(_ count: Int) throws -> [UInt8] {
        guard count >= 0, offset + count <= data.count else { throw error("is truncated (at byte \(offset))") }
        defer { offset += count }
        return Array(data[data.startIndex + offset..<data.startIndex + offset + count])
    }

    private mutating func load<T: FixedWidthInteger>(_ type: T.Type) throws -> T {
        let raw = try bytes(MemoryLayout<T>.size)
        return raw.reversed().reduce(T(0)) { $0 << 8 | T($1) }
    }

    mutating func u16() throws -> UInt16 { try load(UInt16.self) }
    mutating func u32() throws -> UInt32 { try load(UInt32.self) }
    mutating func u64() throws -> UInt64 { try load(UInt64.self) }
    mutating func i32() throws -> Int32 { Int32(bitPattern: try u32()) }
    mutating func f32() throws -> Float { Float(bitPattern: try u32()) }

    /// A non-negative count or size.
    mutating func count() throws -> Int {
        let value = try i32()
        guard value >= 0 else { throw error("has a negative count at byte \(offset - 4)") }
        return Int(value)
    }
}

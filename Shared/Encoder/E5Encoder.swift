import CMamiKernels
import Foundation

/// multilingual-e5-small's forward pass (BERT, post-LayerNorm; docs/embedder-model.md)
/// over the 4-bit weights in place in the mapped file, its arithmetic in
/// CMamiKernels (Shared/CKernels). CPU-bound: call it off the cooperative pool.
public struct E5Encoder: Sendable {
    struct Linear: Sendable {
        var offset: Int
        var bias: [Float]
        var inputs: Int
        var outputs: Int
        /// The weights as fp16 panels where the CPU runs the panel kernel (AVX-512), else empty: the 4-bit rows are used.
        var panels: [UInt16]
    }

    struct Norm: Sendable {
        var weight: [Float]
        var bias: [Float]
    }

    struct Layer: Sendable {
        var query, key, value, attentionOut, feedForwardIn, feedForwardOut: Linear
        var attentionNorm, outputNorm: Norm
    }

    public let file: E5ModelFile
    public let tokenizer: E5Tokenizer
    let words: E5ModelFile.Tensor
    let positions: [Float]
    let tokenType: [Float]
    let embeddingNorm: Norm
    let layers: [Layer]
    public var hidden: Int { file.shape.hidden }

    public init(file: E5ModelFile) throws {
        let shape = file.shape
        self.file = file
        tokenizer = E5Tokenizer(vocabulary: file.vocabulary)
        words = try file.tensor("emb.word", .q4, elements: shape.embeddingRows * shape.hidden)
        positions = try file.floats("emb.pos", count: shape.positions * shape.hidden)
        tokenType = Array(try file.floats("emb.type", count: 2 * shape.hidden).prefix(shape.hidden))
        embeddingNorm = try file.norm("emb.ln")
        layers = try (0..<shape.layers).map { try Self.layer($0, file) }
    }

    private static func layer(_ index: Int, _ file: E5ModelFile) throws -> Layer {
        let hidden = file.shape.hidden, feedForward = file.shape.feedForward
        func linear(_ name: String, _ inputs: Int, _ outputs: Int) throws -> Linear {
            let offset = try file.tensor("l\(index).\(name).w", .q4, elements: inputs * outputs).offset
            return Linear(offset: offset, bias: try file.floats("l\(index).\(name).b", count: outputs), inputs: inputs, outputs: outputs,
                          panels: file.panels(at: offset, inputs: inputs, outputs: outputs))
        }
        return Layer(query: try linear("q", hidden, hidden), key: try linear("k", hidden, hidden), value: try linear("v", hidden, hidden),
                     attentionOut: try linear("ao", hidden, hidden), feedForwardIn: try linear("fi", hidden, feedForward),
                     feedForwardOut: try linear("fo", feedForward, hidden),
                     attentionNorm: try file.norm("l\(index).aln"), outputNorm: try file.norm("l\(index).oln"))
    }

    /// The L2-normalized embedding of `text` in `role`. Texts longer than one window run as several, averaged by their token counts.
    public func embed(_ text: String, role: E5Tokenizer.Role) -> [Float] {
        let ids = tokenizer.ids(text, role: role)
        let content = Array(ids.dropFirst().dropLast())
        let window = file.shape.positions - 2
        var sum = [Float](repeating: 0, count: hidden)
        var start = 0
        repeat {
            let chunk = [tokenizer.vocabulary.begin] + content[start..<min(start + window, content.count)] + [tokenizer.vocabulary.end]
            let pooled = meanPooled(chunk.map(Int.init))
            let weight = max(Float(chunk.count - 2), 1)
            for i in 0..<hidden { sum[i] += pooled[i] * weight }
            start += window
        } while start < content.count
        let norm = max(sum.reduce(0) { $0 + $1 * $1 }.squareRoot(), 1e-6)
        return sum.map { $0 / norm }
    }

    /// The encoder over one window of token ids, mean-pooled over all its tokens.
    func meanPooled(_ ids: [Int]) -> [Float] {
        file.data.withUnsafeBytes { raw in
            let base = raw.baseAddress!.assumingMemoryBound(to: UInt8.self)
            var x = embedded(ids, base)
            for layer in layers { run(layer, &x, count: ids.count, base) }
            var pooled = [Float](repeating: 0, count: hidden)
            for t in 0..<ids.count { for i in 0..<hidden { pooled[i] += x[t * hidden + i] } }
            return pooled.map { $0 / Float(ids.count) }
        }
    }

    /// Word, position and token-type embeddings summed, then normalized.
    private func embedded(_ ids: [Int], _ base: UnsafePointer<UInt8>) -> [Float] {
        var x = [Float](repeating: 0, count: ids.count * hidden)
        let rowBytes = E5ModelFile.rowBytes(hidden)
        x.withUnsafeMutableBufferPointer { x in
            for (t, id) in ids.enumerated() {
                let row = x.baseAddress! + t * hidden
                mami_q4_row(base + words.offset + id * rowBytes, Int32(hidden), row)
                for i in 0..<hidden { row[i] += positions[t * hidden + i] + tokenType[i] }
            }
        }
        normalize(&x, residual: nil, embeddingNorm, count: ids.count)
        return x
    }

    private func run(_ layer: Layer, _ x: inout [Float], count: Int, _ base: UnsafePointer<UInt8>) {
        let context = attention(layer, x, count: count, base)
        var attended = apply(layer.attentionOut, context, count: count, base)
        normalize(&attended, residual: x, layer.attentionNorm, count: count)
        var inner = apply(layer.feedForwardIn, attended, count: count, base)
        inner.withUnsafeMutableBufferPointer { mami_gelu($0.baseAddress!, $0.count) }
        var out = apply(layer.feedForwardOut, inner, count: count, base)
        normalize(&out, residual: attended, layer.outputNorm, count: count)
        x = out
    }

    private func attention(_ layer: Layer, _ x: [Float], count: Int, _ base: UnsafePointer<UInt8>) -> [Float] {
        let q = apply(layer.query, x, count: count, base), k = apply(layer.key, x, count: count, base)
        let v = apply(layer.value, x, count: count, base)
        var context = [Float](repeating: 0, count: count * hidden)
        var scores = [Float](repeating: 0, count: count)
        mami_attention(q, k, v, &context, Int32(count), Int32(hidden), Int32(file.shape.heads), &scores)
        return context
    }

    /// `x`·Wᵀ + b for `count` rows.
    private func apply(_ linear: Linear, _ x: [Float], count: Int, _ base: UnsafePointer<UInt8>) -> [Float] {
        var y = [Float](repeating: 0, count: count * linear.outputs)
        if linear.panels.isEmpty {
            mami_q4_linear(base + linear.offset, linear.bias, x, &y, Int32(count), Int32(linear.inputs), Int32(linear.outputs))
        } else {
            mami_panel_linear(linear.panels, linear.bias, x, &y, Int32(count), Int32(linear.inputs), Int32(linear.outputs))
        }
        return y
    }

    private func normalize(_ x: inout [Float], residual: [Float]?, _ norm: Norm, count: Int) {
        let epsilon = file.shape.layerNormEpsilon
        if let residual {
            mami_add_layer_norm(&x, residual, Int32(count), Int32(hidden), norm.weight, norm.bias, epsilon)
        } else {
            mami_add_layer_norm(&x, nil, Int32(count), Int32(hidden), norm.weight, norm.bias, epsilon)
        }
    }
}

extension E5ModelFile {
    /// The f32 tensor `name` of `count` values.
    func floats(_ name: String, count: Int) throws -> [Float] {
        let tensor = try tensor(name, .f32, elements: count)
        return data.withUnsafeBytes { raw in
            (0..<count).map { Float(bitPattern: raw.loadUnaligned(fromByteOffset: tensor.offset + $0 * 4, as: UInt32.self).littleEndian) }
        }
    }

    /// The 4-bit matrix at `offset` as fp16 panels, when this CPU runs the panel kernel and the shape suits it; else empty.
    func panels(at offset: Int, inputs: Int, outputs: Int) -> [UInt16] {
        guard mami_panels_supported() != 0, outputs % 32 == 0 else { return [] }
        var panels = [UInt16](repeating: 0, count: mami_panels_count(Int32(inputs), Int32(outputs)))
        data.withUnsafeBytes { raw in
            mami_q4_to_panels(raw.baseAddress!.assumingMemoryBound(to: UInt8.self) + offset, Int32(inputs), Int32(outputs), &panels)
        }
        return panels
    }

    /// A LayerNorm's weight and bias, `name.w` and `name.b`.
    func norm(_ name: String) throws -> E5Encoder.Norm {
        E5Encoder.Norm(weight: try floats("\(name).w", count: shape.hidden), bias: try floats("\(name).b", count: shape.hidden))
    }
}

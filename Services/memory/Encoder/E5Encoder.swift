import Foundation

/// multilingual-e5-small's forward pass (BERT, post-LayerNorm; docs/embedder-model.md)
/// in fp32 on weights dequantized once at load; the word embeddings stay 4-bit in
/// the mapped file and only the rows a text uses are dequantized. CPU-bound: call
/// it off the cooperative pool.
struct E5Encoder: Sendable {
    struct Linear: Sendable {
        var weights: [Float]  // [out, in], row-major
        var bias: [Float]
        var inputs: Int
        var outputs: Int
    }

    struct Layer: Sendable {
        var query, key, value, attentionOut, feedForwardIn, feedForwardOut: Linear
        var attentionNorm, outputNorm: (weight: [Float], bias: [Float])
    }

    let file: E5ModelFile
    let tokenizer: E5Tokenizer
    let words: E5ModelFile.Tensor
    let positions: [Float]
    let tokenType: [Float]
    let embeddingNorm: (weight: [Float], bias: [Float])
    let layers: [Layer]
    var hidden: Int { file.shape.hidden }

    init(file: E5ModelFile) throws {
        let shape = file.shape
        self.file = file
        tokenizer = E5Tokenizer(vocabulary: file.vocabulary)
        words = try file.tensor("emb.word", .q4, elements: shape.embeddingRows * shape.hidden)
        positions = try file.floats("emb.pos", count: shape.positions * shape.hidden)
        tokenType = Array(try file.floats("emb.type", count: 2 * shape.hidden).prefix(shape.hidden))
        embeddingNorm = (try file.floats("emb.ln.w", count: shape.hidden), try file.floats("emb.ln.b", count: shape.hidden))
        layers = try (0..<shape.layers).map { try Self.layer($0, file) }
    }

    private static func layer(_ index: Int, _ file: E5ModelFile) throws -> Layer {
        let hidden = file.shape.hidden, feedForward = file.shape.feedForward
        func linear(_ name: String, _ inputs: Int, _ outputs: Int) throws -> Linear {
            Linear(weights: try file.dequantized("l\(index).\(name).w", rows: outputs, columns: inputs),
                   bias: try file.floats("l\(index).\(name).b", count: outputs), inputs: inputs, outputs: outputs)
        }
        func norm(_ name: String) throws -> (weight: [Float], bias: [Float]) {
            (try file.floats("l\(index).\(name).w", count: hidden), try file.floats("l\(index).\(name).b", count: hidden))
        }
        return Layer(query: try linear("q", hidden, hidden), key: try linear("k", hidden, hidden), value: try linear("v", hidden, hidden),
                     attentionOut: try linear("ao", hidden, hidden), feedForwardIn: try linear("fi", hidden, feedForward),
                     feedForwardOut: try linear("fo", feedForward, hidden), attentionNorm: try norm("aln"), outputNorm: try norm("oln"))
    }

    /// The L2-normalized embedding of `text` in `role`. Texts longer than one window run as several, averaged by their token counts.
    func embed(_ text: String, role: E5Tokenizer.Role) -> [Float] {
        let ids = tokenizer.ids(text, role: role)
        let content = Array(ids.dropFirst().dropLast())
        let window = file.shape.positions - 2
        var sum = [Float](repeating: 0, count: hidden)
        var start = 0
        repeat {
            let chunk = [tokenizer.vocabulary.begin] + content[start..<min(start + window, content.count)] + [tokenizer.vocabulary.end]
            let pooled = meanPooled(chunk.map(Int.init))
            let weight = Float(chunk.count - 2)
            for i in 0..<hidden { sum[i] += pooled[i] * max(weight, 1) }
            start += window
        } while start < content.count
        let norm = max(sum.reduce(0) { $0 + $1 * $1 }.squareRoot(), 1e-6)
        return sum.map { $0 / norm }
    }

    /// The encoder over one window of token ids, mean-pooled over all its tokens.
    func meanPooled(_ ids: [Int]) -> [Float] {
        let count = ids.count
        var x = [Float](repeating: 0, count: count * hidden)
        for (t, id) in ids.enumerated() {
            let word = file.dequantizedRow(words, row: id, columns: hidden)
            for i in 0..<hidden { x[t * hidden + i] = word[i] + positions[t * hidden + i] + tokenType[i] }
        }
        layerNorm(&x, embeddingNorm)
        for layer in layers { run(layer, &x, count: count) }
        var pooled = [Float](repeating: 0, count: hidden)
        for t in 0..<count { for i in 0..<hidden { pooled[i] += x[t * hidden + i] } }
        return pooled.map { $0 / Float(count) }
    }

    private func run(_ layer: Layer, _ x: inout [Float], count: Int) {
        let context = attention(layer, x, count: count)
        var attended = apply(layer.attentionOut, context, count: count)
        for i in attended.indices { attended[i] += x[i] }
        layerNorm(&attended, layer.attentionNorm)
        var inner = apply(layer.feedForwardIn, attended, count: count)
        for i in inner.indices { inner[i] = 0.5 * inner[i] * (1 + erf(inner[i] / Float(2).squareRoot())) }
        var out = apply(layer.feedForwardOut, inner, count: count)
        for i in out.indices { out[i] += attended[i] }
        layerNorm(&out, layer.outputNorm)
        x = out
    }

    /// Every head's softmax(QKᵀ/√d)·V over the text's own tokens, heads side by side.
    private func attention(_ layer: Layer, _ x: [Float], count: Int) -> [Float] {
        let q = apply(layer.query, x, count: count), k = apply(layer.key, x, count: count), v = apply(layer.value, x, count: count)
        let heads = file.shape.heads, width = hidden / heads
        let scale = 1 / Float(width).squareRoot()
        var context = [Float](repeating: 0, count: count * hidden)
        var weights = [Float](repeating: 0, count: count)
        for head in 0..<heads {
            for i in 0..<count {
                let row = i * hidden + head * width
                q.withUnsafeBufferPointer { q in
                    k.withUnsafeBufferPointer { k in
                        for j in 0..<count { weights[j] = dot(q.baseAddress! + row, k.baseAddress! + j * hidden + head * width, width) * scale }
                    }
                }
                let top = weights.prefix(count).max() ?? 0
                var total: Float = 0
                for j in 0..<count { weights[j] = exp(weights[j] - top); total += weights[j] }
                for j in 0..<count {
                    let p = weights[j] / total, from = j * hidden + head * width
                    for d in 0..<width { context[row + d] += p * v[from + d] }
                }
            }
        }
        return context
    }

    /// `x`·Wᵀ + b for `count` rows.
    private func apply(_ linear: Linear, _ x: [Float], count: Int) -> [Float] {
        var y = [Float](repeating: 0, count: count * linear.outputs)
        x.withUnsafeBufferPointer { x in
            linear.weights.withUnsafeBufferPointer { w in
                y.withUnsafeMutableBufferPointer { y in
                    for t in 0..<count {
                        for o in 0..<linear.outputs {
                            y[t * linear.outputs + o] = dot(x.baseAddress! + t * linear.inputs, w.baseAddress! + o * linear.inputs, linear.inputs)
                                + linear.bias[o]
                        }
                    }
                }
            }
        }
        return y
    }

    private func layerNorm(_ x: inout [Float], _ norm: (weight: [Float], bias: [Float])) {
        let epsilon = file.shape.layerNormEpsilon
        for start in stride(from: 0, to: x.count, by: hidden) {
            var mean: Float = 0
            for i in 0..<hidden { mean += x[start + i] }
            mean /= Float(hidden)
            var variance: Float = 0
            for i in 0..<hidden { variance += (x[start + i] - mean) * (x[start + i] - mean) }
            let inverse = 1 / (variance / Float(hidden) + epsilon).squareRoot()
            for i in 0..<hidden { x[start + i] = (x[start + i] - mean) * inverse * norm.weight[i] + norm.bias[i] }
        }
    }
}

/// Σ a[i]·b[i] for i < count.
@inline(__always)
private func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ count: Int) -> Float {
    VectorMath.dot(UnsafeBufferPointer(start: a, count: count), UnsafeBufferPointer(start: b, count: count))
}

extension E5ModelFile {
    /// The f32 tensor `name` of `count` values.
    func floats(_ name: String, count: Int) throws -> [Float] {
        let tensor = try tensor(name, .f32, elements: count)
        return data.withUnsafeBytes { raw in
            (0..<count).map { Float(bitPattern: raw.loadUnaligned(fromByteOffset: tensor.offset + $0 * 4, as: UInt32.self).littleEndian) }
        }
    }

    /// The 4-bit matrix `name` of `rows` × `columns` as floats, row-major.
    func dequantized(_ name: String, rows: Int, columns: Int) throws -> [Float] {
        let tensor = try tensor(name, .q4, elements: rows * columns)
        var out = [Float](repeating: 0, count: rows * columns)
        data.withUnsafeBytes { raw in
            for block in 0..<(rows * columns / Self.blockSize) {
                Q4Block.dequantize(raw, at: tensor.offset + block * Q4Block.bytes, into: &out, from: block * Self.blockSize)
            }
        }
        return out
    }
}

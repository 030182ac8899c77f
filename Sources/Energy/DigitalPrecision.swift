import Networks
import NumericKernels

/// A digital number format the GPU baseline runs the network in.
///
/// The baseline's accuracy is the network run digitally with weights and activations
/// rounded to the format (`forward`):
/// - `fp32`: IEEE single precision, the reference (`SequentialNetwork.forward`);
/// - `bf16`: weights, biases, every layer's input and output rounded to bfloat16 (8-bit
///   significand, round-to-nearest-even), products accumulated in FP32 as tensor cores do;
/// - `int8`: symmetric per-tensor quantisation, no zero point: weights W_q =
///   round(W/s_W) with s_W = max|W|/127 per layer; each layer's input vector a_q =
///   round(a/s_a) with s_a = max|a|/127 per input vector (dynamic); integer products
///   accumulated exactly (in FP32, exact while inputs · 127² < 2²⁴), rescaled by s_a·s_W,
///   FP32 bias. Rounding is half-to-even, values clamp to ±127.
public enum DigitalPrecision: String, CaseIterable, Sendable, Codable {
    case fp32, bf16, int8

    /// Rounds to the nearest bfloat16 (ties to even); NaN and ±Inf pass through.
    @inlinable
    public static func roundToBF16(_ x: Float) -> Float {
        if !x.isFinite { return x }
        let bits = x.bitPattern
        let lsb = (bits >> 16) & 1
        let rounded = (bits &+ 0x7FFF &+ lsb) & 0xFFFF_0000
        return Float(bitPattern: rounded)
    }

    /// Symmetric INT8 quantisation of `values` with one scale: (levels, scale), levels in
    /// −127…127 held as Float, scale = max|v|/127 (1 when all values are 0).
    public static func quantizeINT8(_ values: ArraySlice<Float>) -> (levels: [Float], scale: Float) {
        var m: Float = 0
        for v in values { m = max(m, abs(v)) }
        let s: Float = m > 0 ? m / 127 : 1
        return (values.map { min(max(($0 / s).rounded(.toNearestOrEven), -127), 127) }, s)
    }

    /// Logits `[batch × classes]` of `x` `[batch × inputCount]` with `network` in this
    /// format (batch norm folded first, as on the GPU at inference). Convolutions and dense
    /// layers on token sequences are treated as dense layers over each sample's whole
    /// input: INT8 takes one scale per sample's input tensor; BF16 rounds every layer's
    /// output. The matrices inside attention and mixture-of-experts layers quantise their
    /// inputs per token (one INT8 scale per row, the usual per-token activation scaling of
    /// INT8 transformer inference) or round them to BF16; attention's own QKᵀ and A·V keep
    /// the layer's `precision`.
    /// - Throws: `NetworksError(.shape)` for an input of the wrong size.
    public func forward(_ network: SequentialNetwork, _ x: Matrix) throws -> Matrix {
        let net = network.foldingBatchNorm()
        if self == .fp32 { return try net.forward(x) }
        var a = try Tensor(x, shape: net.inputShape)
        if self == .bf16 { a.data.values = a.data.values.map(Self.roundToBF16) }
        return try run(net.layers, a).data
    }

    func run(_ layers: [Layer], _ x: Tensor) throws -> Tensor {
        var a = x
        for l in layers {
            switch (self, l) {
            case (.bf16, .dense(var d)):
                d.weight.values = d.weight.values.map(Self.roundToBF16)
                d.bias = d.bias.map(Self.roundToBF16)
                a = try Layer.dense(d).forward(a)
            case (.bf16, .conv2d(var c)):
                c.weight.values = c.weight.values.map(Self.roundToBF16)
                c.bias = c.bias.map(Self.roundToBF16)
                a = try c.forward(a)
            case (.int8, .dense(let d)):
                a = try int8(a, weight: d.weight, bias: d.bias, biasIndex: { $0 % d.outputs }) { q, w in
                    try Layer.dense(DenseLayer(weight: w, bias: [Float](repeating: 0, count: d.outputs))).forward(q)
                }
            case (.int8, .conv2d(let c)):
                var plain = c
                plain.bias = [Float](repeating: 0, count: c.outChannels)
                let plane = try c.outputShape(a.shape).dropFirst().reduce(1, *)
                a = try int8(a, weight: c.weight, bias: c.bias, biasIndex: { $0 / plane }) { q, w in
                    plain.weight = w
                    return try plain.forward(q)
                }
            case (_, .residual(let r)):
                var body = try run(r.body, a)
                let shortcut = try run(r.shortcut, a)
                guard body.shape == shortcut.shape else {
                    throw NetworksError(.shape, "residual: body gives \(body.shape) but shortcut gives \(shortcut.shape)")
                }
                for i in body.data.values.indices { body.data.values[i] += shortcut.data.values[i] }
                a = body
            case (_, .attention), (_, .mixtureOfExperts):
                a = try l.forward(a) { _, d, x in try product(x, d.weight) }
            default:
                a = try l.forward(a)
            }
            if self == .bf16 { a.data.values = a.data.values.map(Self.roundToBF16) }
        }
        return a
    }

    /// `x·Wᵀ` (`x` `[rows × inputs]`) in this format, without bias: BF16 rounds both
    /// operands; INT8 quantises W per tensor and each row of `x` with its own scale.
    /// - Throws: `NetworksError(.shape)` when `x` has no columns.
    func product(_ x: Matrix, _ weight: Matrix) throws -> Matrix {
        switch self {
        case .fp32: return BLAS.matmulTransposed(x, weight)
        case .bf16:
            return BLAS.matmulTransposed(
                Matrix(rows: x.rows, columns: x.columns, values: x.values.map(Self.roundToBF16)),
                Matrix(rows: weight.rows, columns: weight.columns, values: weight.values.map(Self.roundToBF16)))
        case .int8:
            // Each row of x is one input vector: a "sample" of int8's per-sample scaling.
            return try int8(try Tensor(x, shape: [x.columns]), weight: weight, bias: nil, biasIndex: { $0 }) { q, w in
                try Tensor(BLAS.matmulTransposed(q.data, w), shape: [w.rows])
            }.data
        }
    }

    /// A weighted layer in INT8: `product(levels of a, levels of W)` rescaled by s_a·s_W per
    /// sample, then the FP32 bias (output j of a sample gets bias element `biasIndex(j)`; none
    /// when `bias` is nil).
    func int8(_ a: Tensor, weight: Matrix, bias: [Float]?, biasIndex: (Int) -> Int, _ product: (Tensor, Matrix) throws -> Tensor) throws -> Tensor {
        let (wq, sw) = Self.quantizeINT8(weight.values[...])
        let w = Matrix(rows: weight.rows, columns: weight.columns, values: wq)
        var q = a
        var scales = [Float](repeating: 1, count: a.batch)
        let n = a.featureCount
        for r in 0..<a.batch {
            let (levels, s) = Self.quantizeINT8(a.data.values[(r * n)..<((r + 1) * n)])
            q.data.values.replaceSubrange((r * n)..<((r + 1) * n), with: levels)
            scales[r] = s
        }
        var y = try product(q, w)
        let m = y.featureCount
        for r in 0..<y.batch {
            let f = scales[r] * sw
            for j in 0..<m { y.data.values[r * m + j] *= f }
        }
        for r in 0..<y.batch {
            guard let bias else { break }
            for j in 0..<m { y.data.values[r * m + j] += bias[biasIndex(j)] }
        }
        return y
    }
}

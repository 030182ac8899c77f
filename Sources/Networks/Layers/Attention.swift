import NumericKernels

/// The number format of attention's activation × activation products (QKᵀ and A·V), which
/// run digitally whatever the projections' placement.
public enum AttentionPrecision: String, Equatable, Sendable, CaseIterable, Codable {
    /// IEEE single precision.
    case fp32
    /// q, k, v and the probabilities A rounded to bfloat16 (round to nearest even) before
    /// each product; products accumulated and the softmax computed in FP32 (as tensor cores
    /// do).
    case bf16
    /// Symmetric quantisation of each operand per (sample, head): s = max|x|/127,
    /// x_q = round(x/s) (half to even) clamped to ±127, integer products summed exactly
    /// (in FP32, exact while 127²·(summed terms) < 2²⁴, i.e. up to 1040 terms), rescaled by
    /// the two scales; softmax in FP32. The rule of `DigitalPrecision.int8`.
    case int8
}

/// Multi-head self-attention on a token sequence `[T, D]` (Vaswani et al., NeurIPS 2017), in
/// timm's `Attention` layout: qkv = x·W_qkvᵀ + b `[T, 3D]`; head h's q, k and v are columns
/// s·D + h·d_h + j (s = 0, 1, 2; d_h = D/heads); A = softmax(q·kᵀ/√d_h) over the keys;
/// o = A·v, heads concatenated (column h·d_h + j); y = o·W_projᵀ + b.
///
/// On analogue hardware the two projections (`qkv` `[3D × D]`, `proj` `[D × D]`) are weighted
/// layers on tiles, read once per token; QKᵀ and A·V multiply activations by activations and
/// run digitally at `precision`.
public struct MultiHeadAttention: Equatable, Sendable {
    /// `[3·dim × dim]`: the query, key and value projections stacked (timm's `attn.qkv`).
    public var qkv: DenseLayer
    /// `[dim × dim]`: the output projection (timm's `attn.proj`).
    public var proj: DenseLayer
    /// Heads, dividing `dim`.
    public let heads: Int
    public var precision: AttentionPrecision

    public var dim: Int { proj.outputs }
    public var headDim: Int { dim / heads }

    /// - Precondition: `qkv` is `[3D × D]`, `proj` `[D × D]`, `heads` divides D.
    public init(qkv: DenseLayer, proj: DenseLayer, heads: Int, precision: AttentionPrecision = .fp32) {
        let d = proj.outputs
        precondition(proj.inputs == d && qkv.inputs == d && qkv.outputs == 3 * d, "attention: qkv must be [3D × D] and proj [D × D]; got \(qkv.weight.shape) and \(proj.weight.shape)")
        precondition(heads >= 1 && d % heads == 0, "attention: heads = \(heads) must divide dim = \(d)")
        self.qkv = qkv
        self.proj = proj
        self.heads = heads
        self.precision = precision
    }

    /// Freshly initialised: weights N(0, 2/(fan_in + fan_out)) (Glorot & Bengio, AISTATS
    /// 2010, normal form) from stream `[0x54524E53, index]`, biases 0.
    public init(dim: Int, heads: Int, precision: AttentionPrecision = .fp32, seed: UInt64, index: Int) {
        var rng = Xoshiro256(seed: seed, .transformerInitialisation, UInt64(index))
        self.init(
            qkv: .glorotNormal(inputs: dim, outputs: 3 * dim, rng: &rng), proj: .glorotNormal(inputs: dim, outputs: dim, rng: &rng),
            heads: heads, precision: precision)
    }

    func check(_ shape: [Int]) throws -> TokenShape {
        try TokenShape(shape, layer: "attention", dim: dim)
    }

    /// The layer on `x` `[T, D]`, its two projections through `product` (site 0: qkv on the
    /// `[batch·T × D]` tokens; site 1: proj on the attention output).
    func forward(_ x: Tensor, product: MatrixProduct) throws -> Tensor {
        let s = try check(x.shape)
        let rows = x.batch * s.tokens
        var q = try product(0, qkv, Matrix(rows: rows, columns: dim, values: x.data.values))
        addBias(&q, qkv.bias)
        let o = attend(q, batch: x.batch, tokens: s.tokens).output
        var y = try product(1, proj, o)
        addBias(&y, proj.bias)
        return Tensor(unchecked: Matrix(rows: x.batch, columns: s.count, values: y.values), shape: x.shape)
    }

    /// The attention core: `qkv` `[batch·T × 3D]` (bias added) → the concatenated heads
    /// `[batch·T × D]`, and with `keepProbabilities` the probabilities A `[batch, heads, T, T]`
    /// (row-major; for the trainer's backward pass).
    package func attend(_ qkv: Matrix, batch: Int, tokens t: Int, keepProbabilities: Bool = false) -> (output: Matrix, probabilities: [Float]) {
        let d = dim, hd = headDim, ld = 3 * d
        precondition(qkv.rows == batch * t && qkv.columns == ld)
        var probabilities = keepProbabilities ? [Float](repeating: 0, count: batch * heads * t * t) : []
        var out = Matrix(rows: batch * t, columns: d)
        var scores = [Float](repeating: 0, count: t * t)
        // Per-head operand copies for bf16/int8 (rounded or quantised): q, k, v `[T × d_h]`.
        var qb = [Float](repeating: 0, count: t * hd), kb = qb, vb = qb
        let scale = 1 / Float(hd).squareRoot()
        qkv.values.withUnsafeBufferPointer { src in
            out.values.withUnsafeMutableBufferPointer { dst in
                for b in 0..<batch {
                    for h in 0..<heads {
                        let base = src.baseAddress! + b * t * ld + h * hd
                        let outBase = dst.baseAddress! + b * t * d + h * hd
                        scores.withUnsafeMutableBufferPointer { sp in
                            func keep() {
                                guard keepProbabilities else { return }
                                let o = (b * heads + h) * t * t
                                for i in 0..<(t * t) { probabilities[o + i] = sp[i] }
                            }
                            switch precision {
                            case .fp32:
                                BLAS.sgemm(transA: false, transB: true, m: t, n: t, k: hd, alpha: scale, a: base, lda: ld, b: base + d, ldb: ld, beta: 0, c: sp.baseAddress!, ldc: t)
                                Self.softmaxRows(sp, t)
                                keep()
                                BLAS.sgemm(transA: false, transB: false, m: t, n: hd, k: t, alpha: 1, a: sp.baseAddress!, lda: t, b: base + 2 * d, ldb: ld, beta: 0, c: outBase, ldc: d)
                            case .bf16, .int8:
                                let sq = Self.pack(base, ld, t, hd, into: &qb, precision)
                                let sk = Self.pack(base + d, ld, t, hd, into: &kb, precision)
                                let sv = Self.pack(base + 2 * d, ld, t, hd, into: &vb, precision)
                                qb.withUnsafeBufferPointer { qp in
                                    kb.withUnsafeBufferPointer { kp in
                                        BLAS.sgemm(transA: false, transB: true, m: t, n: t, k: hd, alpha: scale * sq * sk, a: qp.baseAddress!, lda: hd, b: kp.baseAddress!, ldb: hd, beta: 0, c: sp.baseAddress!, ldc: t)
                                    }
                                }
                                Self.softmaxRows(sp, t)
                                keep()
                                let sa = Self.pack(UnsafePointer(sp.baseAddress!), t, t, t, into: sp.baseAddress!, precision)
                                vb.withUnsafeBufferPointer { vp in
                                    BLAS.sgemm(transA: false, transB: false, m: t, n: hd, k: t, alpha: sa * sv, a: sp.baseAddress!, lda: t, b: vp.baseAddress!, ldb: hd, beta: 0, c: outBase, ldc: d)
                                }
                            }
                        }
                    }
                }
            }
        }
        return (out, probabilities)
    }

    /// Softmax of each of the `n` rows of `p` `[n × n]` in place.
    static func softmaxRows(_ p: UnsafeMutableBufferPointer<Float>, _ n: Int) {
        for r in 0..<n { softmax(p.baseAddress! + r * n, count: n) }
    }

    /// Softmax of `count` values at `p` in place (max subtracted first; the sum's inverse
    /// multiplies each exponential).
    static func softmax(_ p: UnsafeMutablePointer<Float>, count n: Int) {
        var mx = -Float.infinity
        for j in 0..<n { mx = max(mx, p[j]) }
        var sum: Float = 0
        for j in 0..<n {
            let e = _expf(p[j] - mx)
            p[j] = e
            sum += e
        }
        let inv = 1 / sum
        for j in 0..<n { p[j] *= inv }
    }

    /// Copies the `[rows × cols]` block at `src` (leading dimension `ld`) into `dst`
    /// contiguously, rounded to bfloat16 or quantised to INT8 levels; returns the scale to
    /// multiply the levels by (1 for bf16).
    static func pack(_ src: UnsafePointer<Float>, _ ld: Int, _ rows: Int, _ cols: Int, into dst: UnsafeMutablePointer<Float>, _ precision: AttentionPrecision) -> Float {
        switch precision {
        case .fp32:
            for r in 0..<rows { for c in 0..<cols { dst[r * cols + c] = src[r * ld + c] } }
            return 1
        case .bf16:
            for r in 0..<rows { for c in 0..<cols { dst[r * cols + c] = roundToBFloat16(src[r * ld + c]) } }
            return 1
        case .int8:
            var mx: Float = 0
            for r in 0..<rows { for c in 0..<cols { mx = max(mx, abs(src[r * ld + c])) } }
            let s: Float = mx > 0 ? mx / 127 : 1
            for r in 0..<rows {
                for c in 0..<cols { dst[r * cols + c] = min(max((src[r * ld + c] / s).rounded(.toNearestOrEven), -127), 127) }
            }
            return s
        }
    }

    static func pack(_ src: UnsafePointer<Float>, _ ld: Int, _ rows: Int, _ cols: Int, into dst: inout [Float], _ precision: AttentionPrecision) -> Float {
        dst.withUnsafeMutableBufferPointer { pack(src, ld, rows, cols, into: $0.baseAddress!, precision) }
    }
}

/// Rounds to the nearest bfloat16 (ties to even); NaN and ±Inf pass through.
@inline(__always)
func roundToBFloat16(_ x: Float) -> Float {
    if !x.isFinite { return x }
    let bits = x.bitPattern
    return Float(bitPattern: (bits &+ 0x7FFF &+ ((bits >> 16) & 1)) & 0xFFFF_0000)
}

extension DenseLayer {
    /// Weights N(0, 2/(inputs + outputs)) (Glorot & Bengio, AISTATS 2010), biases 0, drawn
    /// from `rng`.
    static func glorotNormal(inputs: Int, outputs: Int, rng: inout Xoshiro256) -> DenseLayer {
        let std = Float((2.0 / Double(inputs + outputs)).squareRoot())
        return DenseLayer(
            weight: Matrix(rows: outputs, columns: inputs, values: rng.gaussians(inputs * outputs).map { $0 * std }),
            bias: [Float](repeating: 0, count: outputs))
    }
}

import Networks
import NumericKernels

/// A digital number format the GPU baseline runs the network in.
///
/// The baseline's accuracy is the network run digitally with weights and activations
/// rounded to the format (`forward`):
/// - `fp32`: IEEE single precision, the reference (`MLP.forward`);
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

    /// Logits `[batch × classes]` of `x` `[batch × inputs]` with the network in this format.
    public func forward(_ model: MLP, _ x: Matrix) -> Matrix {
        switch self {
        case .fp32:
            return model.forward(x)
        case .bf16:
            var a = Matrix(rows: x.rows, columns: x.columns, values: x.values.map(Self.roundToBF16))
            for (i, l) in model.layers.enumerated() {
                let w = Matrix(rows: l.weight.rows, columns: l.weight.columns, values: l.weight.values.map(Self.roundToBF16))
                a = BLAS.matmulTransposed(a, w)
                addBias(&a, l.bias.map(Self.roundToBF16))
                if i < model.layers.count - 1 { relu(&a) }
                a.values = a.values.map(Self.roundToBF16)
            }
            return a
        case .int8:
            var a = x
            for (i, l) in model.layers.enumerated() {
                let (wq, sw) = Self.quantizeINT8(l.weight.values[...])
                let w = Matrix(rows: l.weight.rows, columns: l.weight.columns, values: wq)
                var q = Matrix(rows: a.rows, columns: a.columns)
                var scales = [Float](repeating: 1, count: a.rows)
                for r in 0..<a.rows {
                    let (levels, s) = Self.quantizeINT8(a.values[(r * a.columns)..<((r + 1) * a.columns)])
                    q.values.replaceSubrange((r * a.columns)..<((r + 1) * a.columns), with: levels)
                    scales[r] = s
                }
                var y = BLAS.matmulTransposed(q, w)
                for r in 0..<y.rows {
                    let f = scales[r] * sw
                    for j in 0..<y.columns { y.values[r * y.columns + j] *= f }
                }
                addBias(&y, l.bias)
                if i < model.layers.count - 1 { relu(&y) }
                a = y
            }
            return a
        }
    }
}

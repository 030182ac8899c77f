import NumericKernels

/// Layer normalisation over the last axis (Ba et al., arXiv:1607.06450; PyTorch's
/// `nn.LayerNorm(dim)`): y = (x − μ)/√(σ² + ε)·γ + β with μ and the biased variance σ² over
/// the `dim` features of each token (of each sample for flat `[dim]` samples). Digital.
public struct LayerNorm: Equatable, Sendable {
    /// γ, `dim` values (1 at initialisation).
    public var scale: [Float]
    /// β, `dim` values (0 at initialisation).
    public var shift: [Float]
    /// ε > 0 (PyTorch's default 1e-5; timm's ViT uses 1e-6).
    public var epsilon: Float
    public var dim: Int { scale.count }

    public init(dim: Int, epsilon: Float = 1e-5) {
        precondition(dim >= 1 && epsilon > 0, "layer_norm needs dim ≥ 1 and eps > 0")
        scale = [Float](repeating: 1, count: dim)
        shift = [Float](repeating: 0, count: dim)
        self.epsilon = epsilon
    }

    func check(_ shape: [Int]) throws {
        guard let last = shape.last, shape.count <= 2, last == dim else {
            throw NetworksError(.shape, "layer_norm over \(dim) features needs samples [\(dim)] or tokens [T, \(dim)]; got \(shape)")
        }
    }

    /// `x` viewed as rows of `dim` features: per row (x − μ)·r with r = 1/√(σ² + ε), then
    /// ·γ + β. μ and σ² accumulate in Double (two passes).
    func forward(_ x: Tensor) throws -> Tensor {
        try check(x.shape)
        var y = x
        let n = dim
        let rows = x.data.values.count / n
        y.data.values.withUnsafeMutableBufferPointer { yp in
            for r in 0..<rows {
                let (mean, rstd) = Self.moments(UnsafeBufferPointer(rebasing: yp[(r * n)..<(r * n + n)]), epsilon)
                for d in 0..<n { yp[r * n + d] = (yp[r * n + d] - mean) * rstd * scale[d] + shift[d] }
            }
        }
        return y
    }

    /// (μ, 1/√(σ² + ε)) of one row.
    static func moments(_ row: UnsafeBufferPointer<Float>, _ epsilon: Float) -> (Float, Float) {
        var sum = 0.0
        for v in row { sum += Double(v) }
        let mean = sum / Double(row.count)
        var sq = 0.0
        for v in row {
            let d = Double(v) - mean
            sq += d * d
        }
        let variance = sq / Double(row.count)
        return (Float(mean), Float(1 / (variance + Double(epsilon)).squareRoot()))
    }
}

/// GELU, exact form x·½(1 + erf(x/√2)) (Hendrycks & Gimpel, arXiv:1606.08415; PyTorch's
/// `nn.GELU()` with `approximate='none'`), in place.
public func gelu(_ m: inout Matrix) {
    m.values.withUnsafeMutableBufferPointer { p in
        for i in 0..<p.count { p[i] = geluScalar(p[i]) }
    }
}

@inline(__always)
func geluScalar(_ x: Float) -> Float {
    0.5 * x * (1 + _erff(x * 0.707_106_77))
}

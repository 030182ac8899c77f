import NumericKernels

/// Where a weighted layer's matrix products run in an `AnalogSequentialNetwork`.
public enum Placement: String, Equatable, Sendable, CaseIterable, Codable {
    /// On analogue tiles (the default).
    case analog
    /// In the digital periphery, FP32, as in `SequentialNetwork.forward`.
    case digital
}

/// A fully connected layer y = W·x + b (PyTorch's `nn.Linear`): on flat samples `[inputs]`,
/// or on each token of a sequence `[T, inputs]` → `[T, outputs]`.
public struct DenseLayer: Equatable, Sendable {
    /// Weights `[outputs × inputs]`.
    public var weight: Matrix
    /// Bias, `outputs` elements (always applied digitally).
    public var bias: [Float]
    /// Analogue tiles or the digital periphery (`AnalogSequentialNetwork`); no effect on the
    /// digital network.
    public var placement: Placement = .analog

    public init(weight: Matrix, bias: [Float], placement: Placement = .analog) {
        precondition(bias.count == weight.rows, "bias has \(bias.count) elements for \(weight.rows) outputs")
        self.weight = weight
        self.bias = bias
        self.placement = placement
    }

    public var inputs: Int { weight.columns }
    public var outputs: Int { weight.rows }

    /// A freshly initialised layer: weights He-normal, N(0, 2/inputs) (He et al., ICCV
    /// 2015), drawn from stream `[0x494E4954, 0]` of `seed`; biases 0.
    public static func heNormal(inputs: Int, outputs: Int, seed: UInt64) -> DenseLayer {
        precondition(inputs > 0 && outputs > 0)
        var rng = Xoshiro256(seed: seed, .denseInitialisation, 0)
        let std = Float((2.0 / Double(inputs)).squareRoot())
        let w = rng.gaussians(inputs * outputs).map { $0 * std }
        return DenseLayer(weight: Matrix(rows: outputs, columns: inputs, values: w), bias: [Float](repeating: 0, count: outputs))
    }
}


/// Adds `bias` to every row of `m` `[batch × outputs]`.
@inlinable
public func addBias(_ m: inout Matrix, _ bias: [Float]) {
    precondition(bias.count == m.columns)
    let c = m.columns
    m.values.withUnsafeMutableBufferPointer { p in
        bias.withUnsafeBufferPointer { b in
            for r in 0..<m.rows { for j in 0..<c { p[r * c + j] += b[j] } }
        }
    }
}

/// ReLU in place.
@inlinable
public func relu(_ m: inout Matrix) {
    m.values.withUnsafeMutableBufferPointer { p in
        // A select, not a branch, so that the loop vectorises; NaN and −0 become 0 as well.
        for i in 0..<p.count { p[i] = p[i] > 0 ? p[i] : 0 }
    }
}

/// Index of the largest logit of each row (the first on ties).
public func argmaxRows(_ m: Matrix) -> [Int] {
    var out = [Int](repeating: 0, count: m.rows)
    for r in 0..<m.rows {
        var best = 0
        var bv = -Float.infinity
        for j in 0..<m.columns where m[r, j] > bv {
            bv = m[r, j]
            best = j
        }
        out[r] = best
    }
    return out
}

/// Fraction of `predictions` equal to `labels`.
public func accuracy(_ predictions: [Int], _ labels: [Int]) -> Double {
    precondition(predictions.count == labels.count)
    if labels.isEmpty { return .nan }
    var hit = 0
    for i in labels.indices where predictions[i] == labels[i] { hit += 1 }
    return Double(hit) / Double(labels.count)
}

import Foundation
import NumericKernels

/// A fully connected layer y = W·x + b.
public struct DenseLayer: Equatable, Sendable {
    /// Weights `[outputs × inputs]`.
    public var weight: Matrix
    /// Bias, `outputs` elements (always applied digitally).
    public var bias: [Float]

    public init(weight: Matrix, bias: [Float]) {
        precondition(bias.count == weight.rows, "bias has \(bias.count) elements for \(weight.rows) outputs")
        self.weight = weight
        self.bias = bias
    }

    public var inputs: Int { weight.columns }
    public var outputs: Int { weight.rows }
}

/// A multilayer perceptron: dense layers with ReLU between them and raw logits out.
///
/// Stored in `.npz` as `W0, b0, W1, b1, …`: `Wi` float32 `[outputs × inputs]` (PyTorch's
/// `nn.Linear.weight` layout), `bi` float32 `[outputs]`.
public struct MLP: Equatable, Sendable {
    public var layers: [DenseLayer]

    public init(layers: [DenseLayer]) {
        for i in 1..<max(layers.count, 1) {
            precondition(layers[i].inputs == layers[i - 1].outputs, "layer \(i) does not chain")
        }
        self.layers = layers
    }

    /// A freshly initialised network of the given widths, e.g. `[784, 256, 128, 10]`.
    /// Weights are He-normal, N(0, 2/inputs) (He et al., ICCV 2015); biases are 0.
    public init(sizes: [Int], seed: UInt64) {
        precondition(sizes.count >= 2 && sizes.allSatisfy { $0 > 0 })
        var layers: [DenseLayer] = []
        for i in 0..<(sizes.count - 1) {
            var rng = Xoshiro256(seed: seed, stream: [0x494E_4954, UInt64(i)])
            let fanIn = sizes[i], fanOut = sizes[i + 1]
            let std = Float((2.0 / Double(fanIn)).squareRoot())
            let w = rng.gaussians(fanIn * fanOut).map { $0 * std }
            layers.append(DenseLayer(weight: Matrix(rows: fanOut, columns: fanIn, values: w), bias: [Float](repeating: 0, count: fanOut)))
        }
        self.layers = layers
    }

    /// Widths `[inputs, hidden…, outputs]`.
    public var sizes: [Int] { [layers[0].inputs] + layers.map(\.outputs) }

    /// Multiply-accumulate operations per input vector.
    public var macsPerInference: Int { layers.reduce(0) { $0 + $1.inputs * $1.outputs } }

    /// Logits `[batch × classes]` of a batch `[batch × inputs]`, computed digitally in FP32.
    public func forward(_ x: Matrix) -> Matrix {
        var a = x
        for (i, l) in layers.enumerated() {
            a = BLAS.matmulTransposed(a, l.weight)
            addBias(&a, l.bias)
            if i < layers.count - 1 { relu(&a) }
        }
        return a
    }

    /// Loads a network from `.npz` arrays `W0, b0, W1, b1, …` (see the type's docs).
    /// - Throws: `NetworksError` naming the file and the missing or misshaped array.
    public static func load(npz url: URL) throws -> MLP {
        let arrays = try NPZ.read(url)
        var layers: [DenseLayer] = []
        var i = 0
        while let w = arrays["W\(i)"] {
            guard w.shape.count == 2 else {
                throw NetworksError(.shape, "\(url.path): array W\(i) has shape \(w.shape); expected 2-D [outputs × inputs]")
            }
            guard let b = arrays["b\(i)"] else {
                throw NetworksError(.shape, "\(url.path): array W\(i) has no matching bias b\(i)")
            }
            guard b.shape == [w.shape[0]] else {
                throw NetworksError(.shape, "\(url.path): b\(i) has shape \(b.shape); expected [\(w.shape[0])] to match W\(i) \(w.shape)")
            }
            if let prev = layers.last, prev.outputs != w.shape[1] {
                throw NetworksError(.shape, "\(url.path): W\(i) has \(w.shape[1]) inputs but W\(i - 1) has \(prev.outputs) outputs")
            }
            let wf = w.floats(), bf = b.floats()
            if wf.contains(where: { !$0.isFinite }) || bf.contains(where: { !$0.isFinite }) {
                throw NetworksError(.fileFormat, "\(url.path): W\(i) or b\(i) holds NaN or Inf")
            }
            layers.append(DenseLayer(weight: Matrix(rows: w.shape[0], columns: w.shape[1], values: wf), bias: bf))
            i += 1
        }
        guard !layers.isEmpty else {
            throw NetworksError(.shape, "\(url.path): no arrays W0, b0 found (arrays present: \(arrays.keys.sorted().joined(separator: ", ")))")
        }
        return MLP(layers: layers)
    }

    /// Saves as `.npz` with arrays `W0, b0, …` (float32), written atomically.
    public func save(npz url: URL) throws {
        var entries: [(String, NumpyArray)] = []
        for (i, l) in layers.enumerated() {
            entries.append(("W\(i)", NumpyArray(floats: l.weight.values, shape: [l.outputs, l.inputs])))
            entries.append(("b\(i)", NumpyArray(floats: l.bias, shape: [l.outputs])))
        }
        try NPZ.write(entries, to: url)
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

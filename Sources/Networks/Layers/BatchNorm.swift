import NumericKernels

/// Batch normalisation (Ioffe & Szegedy, ICML 2015), PyTorch's `BatchNorm1d`/`BatchNorm2d`:
///
///     y = γ · (x − μ) / √(σ² + ε) + β
///
/// per feature (flat inputs `[features]`) or per channel (images `[C, H, W]`, statistics over
/// batch, height and width). Training uses the batch's statistics and updates the running
/// ones with `momentum` (σ² of the running estimate unbiased, as PyTorch); inference uses
/// the running statistics, and `SequentialNetwork.foldingBatchNorm()` folds it into the
/// preceding convolution or dense layer, where it costs nothing on analogue hardware:
/// W' = W · γ/√(σ² + ε) per output, b' = (b − μ) · γ/√(σ² + ε) + β.
public struct BatchNorm: Equatable, Sendable {
    /// γ, one per channel.
    public var scale: [Float]
    /// β, one per channel.
    public var shift: [Float]
    public var runningMean: [Float]
    public var runningVariance: [Float]
    /// ε > 0 (PyTorch: 1e-5).
    public var epsilon: Float
    /// Weight of the new batch in the running statistics (PyTorch: 0.1).
    public var momentum: Float

    /// γ = 1, β = 0, running mean 0 and variance 1.
    public init(channels: Int, epsilon: Float = 1e-5, momentum: Float = 0.1) {
        precondition(channels >= 1)
        scale = [Float](repeating: 1, count: channels)
        shift = [Float](repeating: 0, count: channels)
        runningMean = [Float](repeating: 0, count: channels)
        runningVariance = [Float](repeating: 1, count: channels)
        self.epsilon = epsilon
        self.momentum = momentum
    }

    public init(scale: [Float], shift: [Float], runningMean: [Float], runningVariance: [Float], epsilon: Float = 1e-5, momentum: Float = 0.1) {
        precondition(!scale.isEmpty && [shift.count, runningMean.count, runningVariance.count].allSatisfy { $0 == scale.count },
                     "batch norm: γ, β, mean and variance need the same length")
        self.scale = scale
        self.shift = shift
        self.runningMean = runningMean
        self.runningVariance = runningVariance
        self.epsilon = epsilon
        self.momentum = momentum
    }

    public var channels: Int { scale.count }

    /// (channels, elements per channel per sample) of a sample shape.
    func layout(_ shape: [Int]) throws -> (channels: Int, plane: Int) {
        switch shape.count {
        case 1:
            guard shape[0] == channels else {
                throw NetworksError(.shape, "batch_norm over \(channels) features got flat input [\(shape[0])]")
            }
            return (channels, 1)
        case 3:
            guard shape[0] == channels else {
                throw NetworksError(.shape, "batch_norm over \(channels) channels got input \(shape)")
            }
            return (channels, shape[1] * shape[2])
        default:
            throw NetworksError(.shape, "batch_norm needs samples of rank 1 [features] or 3 [channels, height, width]; got rank \(shape.count) \(shape)")
        }
    }

    /// Per channel: (a, c) with y = a·x + c at inference, in Double.
    public var affine: (scale: [Double], shift: [Double]) {
        var a = [Double](repeating: 0, count: channels), c = a
        for i in 0..<channels {
            a[i] = Double(scale[i]) / (Double(runningVariance[i]) + Double(epsilon)).squareRoot()
            c[i] = Double(shift[i]) - Double(runningMean[i]) * a[i]
        }
        return (a, c)
    }

    /// Inference forward with the running statistics.
    /// - Throws: `NetworksError(.shape)` for a wrong rank or channel count.
    public func forward(_ x: Tensor) throws -> Tensor {
        let (C, P) = try layout(x.shape)
        let (a, c) = affine
        let af = a.map(Float.init), cf = c.map(Float.init)
        var out = x
        out.data.values.withUnsafeMutableBufferPointer { p in
            for b in 0..<x.batch {
                for ch in 0..<C {
                    let base = b * C * P + ch * P
                    for i in 0..<P { p[base + i] = p[base + i] * af[ch] + cf[ch] }
                }
            }
        }
        return out
    }
}

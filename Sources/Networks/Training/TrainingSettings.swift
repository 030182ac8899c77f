import NumericKernels

/// Optimisers for `Trainer`.
public enum Optimizer: String, CaseIterable, Sendable, Codable {
    /// Adam (Kingma & Ba, ICLR 2015), β₁ = 0.9, β₂ = 0.999, ε = 1e-8.
    case adam
    /// SGD with (heavy-ball) momentum.
    case sgd
}

/// Training settings.
public struct TrainingSettings: Sendable, Equatable, Codable {
    public var optimizer: Optimizer = .adam
    /// Passes over the training set, ≥ 1.
    public var epochs: Int = 15
    /// Mini-batch size, ≥ 1.
    public var batchSize: Int = 128
    /// Learning rate, > 0.
    public var learningRate: Float = 1e-3
    /// Momentum of SGD, in [0, 1).
    public var momentum: Float = 0.9
    /// L2 weight decay added to the gradient, ≥ 0.
    public var weightDecay: Float = 0
    /// Seed of initialisation and shuffling.
    public var seed: UInt64 = 0
    public init() {}
}

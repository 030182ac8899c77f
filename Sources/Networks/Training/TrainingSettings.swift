import NumericKernels

/// Optimisers for `Trainer`.
public enum Optimizer: String, CaseIterable, Sendable, Codable {
    /// Adam (Kingma & Ba, ICLR 2015), β₁ = 0.9, β₂ (default 0.999), ε = 1e-8; weight
    /// decay, if any, is L2 added to the gradient: g ← g + λ·p (weight matrices only).
    case adam
    /// AdamW (Loshchilov & Hutter, "Decoupled weight decay regularization", ICLR 2019):
    /// Adam on the plain gradient, and the decay decoupled from it,
    /// p ← p − η·(m̂/(√v̂ + ε) + λ·p) with η the scheduled rate; λ on weight matrices only
    /// (not biases, norms, tokens or embeddings). PyTorch's `AdamW` up to rounding.
    case adamw
    /// SGD with (heavy-ball) momentum.
    case sgd
}

/// Training settings.
///
/// Encoded (the weights-cache fingerprint) with the fields that are at their defaults left
/// out when they were added after the cache format was fixed (`beta2`, `warmupEpochs`,
/// `minLearningRate`), so that configs that do not use them keep their cached networks.
public struct TrainingSettings: Sendable, Equatable, Codable {
    public var optimizer: Optimizer = .adam
    /// Passes over the training set, ≥ 1.
    public var epochs: Int = 15
    /// Mini-batch size, ≥ 1.
    public var batchSize: Int = 128
    /// Learning rate, > 0 (the peak rate of a schedule).
    public var learningRate: Float = 1e-3
    /// Momentum of SGD, in [0, 1).
    public var momentum: Float = 0.9
    /// Weight decay λ ≥ 0 of the weight matrices: L2 added to the gradient (adam, sgd) or
    /// decoupled (adamw).
    public var weightDecay: Float = 0
    /// β₂ of Adam and AdamW (decay of the second-moment estimate), in [0, 1); 0.999 by
    /// default (Kingma & Ba; PyTorch). Kept in `Double` so that the bias correction
    /// 1 − β₂ᵗ of the default is the one Adam always used.
    public var beta2: Double = 0.999
    /// Linear learning-rate warm-up over the first `warmupEpochs` epochs' optimiser steps
    /// (fractions allowed), ≥ 0; 0 is off. See `LearningRateSchedule`.
    public var warmupEpochs: Double = 0
    /// Floor η_min of the cosine schedules, in [0, learningRate].
    public var minLearningRate: Float = 0
    /// Seed of initialisation and shuffling.
    public var seed: UInt64 = 0
    public init() {}

    enum CodingKeys: String, CodingKey {
        case optimizer, epochs, batchSize, learningRate, momentum, weightDecay, beta2, warmupEpochs, minLearningRate, seed
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        optimizer = try c.decode(Optimizer.self, forKey: .optimizer)
        epochs = try c.decode(Int.self, forKey: .epochs)
        batchSize = try c.decode(Int.self, forKey: .batchSize)
        learningRate = try c.decode(Float.self, forKey: .learningRate)
        momentum = try c.decode(Float.self, forKey: .momentum)
        weightDecay = try c.decode(Float.self, forKey: .weightDecay)
        beta2 = try c.decodeIfPresent(Double.self, forKey: .beta2) ?? 0.999
        warmupEpochs = try c.decodeIfPresent(Double.self, forKey: .warmupEpochs) ?? 0
        minLearningRate = try c.decodeIfPresent(Float.self, forKey: .minLearningRate) ?? 0
        seed = try c.decode(UInt64.self, forKey: .seed)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(optimizer, forKey: .optimizer)
        try c.encode(epochs, forKey: .epochs)
        try c.encode(batchSize, forKey: .batchSize)
        try c.encode(learningRate, forKey: .learningRate)
        try c.encode(momentum, forKey: .momentum)
        try c.encode(weightDecay, forKey: .weightDecay)
        if beta2 != 0.999 { try c.encode(beta2, forKey: .beta2) }
        if warmupEpochs != 0 { try c.encode(warmupEpochs, forKey: .warmupEpochs) }
        if minLearningRate != 0 { try c.encode(minLearningRate, forKey: .minLearningRate) }
        try c.encode(seed, forKey: .seed)
    }
}

import NumericKernels

/// Learning rate over the main training epochs (`training.lr_schedule`).
public enum LearningRateSchedule: String, CaseIterable, Sendable, Codable {
    /// The configured rate throughout.
    case constant
    /// Cosine annealing per epoch (Loshchilov & Hutter, ICLR 2017):
    /// η_e = η_min + (η − η_min)·(1 + cos(π·e/E))/2 for epoch e = 0…E−1, constant within an
    /// epoch.
    case cosine
    /// Cosine annealing per optimiser step over the steps after the warm-up (the schedule
    /// of ViT and DeiT training; Hugging Face's `get_cosine_schedule_with_warmup`):
    /// η_s = η_min + (η − η_min)·(1 + cos(π·(s − W)/(S − W)))/2 for step s ≥ W of S.
    case cosinePerStep = "cosine_per_step"

    /// The rate of epoch `epoch` of `epochs` without warm-up or floor (the per-epoch value of
    /// `constant` and `cosine`; `cosinePerStep` at the epoch's first step).
    public func rate(_ base: Float, epoch: Int, of epochs: Int) -> Float {
        LearningRatePlan(schedule: self, base: base, epochs: epochs, stepsPerEpoch: 1).rate(step: epoch)
    }
}

/// The learning rate of every optimiser step of the main epochs: a `LearningRateSchedule`
/// after an optional linear warm-up.
///
/// With W warm-up steps, step s (0-based) of S = epochs · stepsPerEpoch gets
/// η_s = schedule(s) · min(1, (s + 1)/W) for s < W (the first step already moves, step W − 1
/// reaches the full rate: Goyal et al., "Accurate, large minibatch SGD", 2017), and
/// schedule(s) afterwards, where schedule(s) is η (`constant`), the cosine of the epoch
/// ⌊s/stepsPerEpoch⌋ (`cosine`), or η during the warm-up and the per-step cosine over the
/// remaining steps (`cosinePerStep`). Without warm-up and floor, `constant` and `cosine`
/// give exactly the per-epoch rates they always gave.
public struct LearningRatePlan: Sendable, Equatable {
    public var schedule: LearningRateSchedule
    /// Peak rate η > 0.
    public var base: Float
    /// Floor η_min of the cosine schedules, in [0, η].
    public var minimum: Float
    /// Main epochs E ≥ 1.
    public var epochs: Int
    /// Optimiser steps per epoch, ⌈samples / batch size⌉ ≥ 1.
    public var stepsPerEpoch: Int
    /// Warm-up steps W = round(warm-up epochs · stepsPerEpoch), at least 1 when warm-up is on,
    /// at most S.
    public var warmupSteps: Int

    public init(schedule: LearningRateSchedule, base: Float, minimum: Float = 0, epochs: Int, stepsPerEpoch: Int, warmupEpochs: Double = 0) {
        self.schedule = schedule
        self.base = base
        self.minimum = minimum
        self.epochs = max(epochs, 1)
        self.stepsPerEpoch = max(stepsPerEpoch, 1)
        let total = self.epochs * self.stepsPerEpoch
        warmupSteps = warmupEpochs > 0 ? min(max(Int((warmupEpochs * Double(self.stepsPerEpoch)).rounded()), 1), total) : 0
    }

    /// The plan of `settings` for `samples` training samples.
    public init(schedule: LearningRateSchedule, settings s: TrainingSettings, samples: Int) {
        self.init(
            schedule: schedule, base: s.learningRate, minimum: s.minLearningRate, epochs: s.epochs,
            stepsPerEpoch: (samples + s.batchSize - 1) / max(s.batchSize, 1), warmupEpochs: s.warmupEpochs)
    }

    /// Total optimiser steps S.
    public var totalSteps: Int { epochs * stepsPerEpoch }

    /// η_s of optimiser step `step` (0-based; steps beyond S get the last step's rate).
    public func rate(step: Int) -> Float {
        let s = min(max(step, 0), totalSteps - 1)
        var eta: Float
        switch schedule {
        case .constant: eta = base
        case .cosine: eta = cosine(s / stepsPerEpoch, of: epochs)
        case .cosinePerStep:
            let decay = totalSteps - warmupSteps
            eta = s < warmupSteps || decay <= 0 ? base : cosine(s - warmupSteps, of: decay)
        }
        if s < warmupSteps { eta *= Float(s + 1) / Float(warmupSteps) }
        return eta
    }

    /// η_min + (η − η_min)·(1 + cos(π·k/n))/2, evaluated as the per-epoch cosine always was
    /// (π·k first, then ÷ n), so that `cosine` without floor is bit-identical to before.
    private func cosine(_ k: Int, of n: Int) -> Float {
        minimum + (base - minimum) * Float(0.5 * (1 + _cos(Double.pi * Double(k) / Double(n))))
    }
}

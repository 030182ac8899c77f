import Crossbar
import NumericKernels

/// How weights are perturbed during hardware-aware training (Joshi et al., Nature
/// Communications 11, 2473 (2020); aihwkit's `WeightNoiseType` and `PCMLikeNoiseModel`).
public enum WeightNoiseKind: String, CaseIterable, Sendable, Codable {
    /// No noise.
    case none
    /// w + σ·max|W|·N(0, 1): σ relative to the layer's largest weight.
    case additive
    /// w·(1 + σ·N(0, 1)).
    case multiplicative
    /// The PCM programming-noise model on a differential pair with per-layer scaling:
    /// r = |w|/max|W|, the active device programmed to r + σ_prog(r)/gMax·N, the other to
    /// max(0, σ_prog(0)/gMax·N) (σ_prog of the hardware's PCM model, PHYSICS.md §3, times
    /// the noise level); at a drift time t each device then drifts by ((t + t0)/t0)^(−ν)
    /// with ν from the PCM drift model and the layer is rescaled by global drift
    /// compensation, α = Σ|G⁺_P − G⁻_P| / Σ|G⁺_D − G⁻_D|.
    case pcm
}

/// Hardware-aware training settings (all off by default).
///
/// Encoded (the weights-cache fingerprint) with the output-stage fields left out while they
/// are off, so that configs that do not use them keep their cached networks.
public struct HardwareAwareSettings: Sendable, Equatable, Codable {
    /// Weight noise injected into every forward pass of training (fresh per mini-batch), on
    /// analogue-placed weighted layers (`Placement.analog`) only.
    public var noise: WeightNoiseKind = .none
    /// Noise level σ ≥ 0: relative std (additive: of max|W|; multiplicative: of w), or the
    /// multiplier of σ_prog for `pcm`.
    public var noiseLevel: Float = 0
    /// After every update clip each weighted layer to ±k·std(W) (aihwkit's
    /// `LAYER_GAUSSIAN` clipping); 0 is off.
    public var weightClipSigma: Float = 0
    /// Extra fine-tuning epochs with the PCM model drifted to `driftAwareTInference`
    /// (programming noise × max(noise level, 1) for `pcm` noise, else × 1); 0 is off.
    public var driftAwareEpochs: Int = 0
    /// Drift time of the fine-tuning noise (s).
    public var driftAwareTInference: Double = 86400
    /// Learning rate of the fine-tuning epochs.
    public var driftAwareLearningRate: Float = 1e-4
    /// Output noise and ADC of every analogue weighted layer's MVMs, in every training epoch
    /// (`AnalogOutputStage`: σ relative to max|x|·max|W|, the ADC over ±range of that unit); off by
    /// default.
    public var output: AnalogOutputStage = .off
    /// The device model whose statistics `pcm` noise and drift-aware fine-tuning draw
    /// from: the configured hardware's (`HardwareSpec.device`). Not encoded: the caller
    /// fingerprints the hardware itself.
    public var device: any ProgrammingStatistics = PCMDevice()

    enum CodingKeys: String, CodingKey {
        case noise, noiseLevel, weightClipSigma, driftAwareEpochs, driftAwareTInference, driftAwareLearningRate
        case outputNoise, adcBits, adcRange
    }

    public init() {}

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        noise = try c.decode(WeightNoiseKind.self, forKey: .noise)
        noiseLevel = try c.decode(Float.self, forKey: .noiseLevel)
        weightClipSigma = try c.decode(Float.self, forKey: .weightClipSigma)
        driftAwareEpochs = try c.decode(Int.self, forKey: .driftAwareEpochs)
        driftAwareTInference = try c.decode(Double.self, forKey: .driftAwareTInference)
        driftAwareLearningRate = try c.decode(Float.self, forKey: .driftAwareLearningRate)
        let sigma = try c.decodeIfPresent(Float.self, forKey: .outputNoise) ?? 0
        let bits = try c.decodeIfPresent(Int.self, forKey: .adcBits) ?? 0
        let range = try c.decodeIfPresent(Float.self, forKey: .adcRange) ?? 1
        output = AnalogOutputStage(sigma: sigma, adc: try Quantizer(bits: bits, range: range))
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(noise, forKey: .noise)
        try c.encode(noiseLevel, forKey: .noiseLevel)
        try c.encode(weightClipSigma, forKey: .weightClipSigma)
        try c.encode(driftAwareEpochs, forKey: .driftAwareEpochs)
        try c.encode(driftAwareTInference, forKey: .driftAwareTInference)
        try c.encode(driftAwareLearningRate, forKey: .driftAwareLearningRate)
        if output.sigma > 0 { try c.encode(output.sigma, forKey: .outputNoise) }
        if !output.adc.isIdeal {
            try c.encode(output.adc.bits, forKey: .adcBits)
            try c.encode(output.adc.range, forKey: .adcRange)
        }
    }

    /// Whether any hardware-aware option is on.
    public var isEnabled: Bool {
        (noise != .none && noiseLevel > 0) || weightClipSigma > 0 || driftAwareEpochs > 0 || output.isEnabled
    }

    public static func == (a: Self, b: Self) -> Bool {
        a.noise == b.noise && a.noiseLevel == b.noiseLevel && a.weightClipSigma == b.weightClipSigma
            && a.driftAwareEpochs == b.driftAwareEpochs && a.driftAwareTInference == b.driftAwareTInference
            && a.driftAwareLearningRate == b.driftAwareLearningRate && a.output == b.output
    }
}

/// Draws perturbed copies of weight matrices for hardware-aware training.
public struct WeightNoise: Sendable {
    public var kind: WeightNoiseKind
    public var level: Float
    /// Drift time for `pcm` (0: programming noise only).
    public var tInference: Double
    public var device: any ProgrammingStatistics

    public init(kind: WeightNoiseKind, level: Float, tInference: Double = 0, device: any ProgrammingStatistics = PCMDevice()) {
        self.kind = kind
        self.level = level
        self.tInference = tInference
        self.device = device
    }

    /// A noisy copy of `w` drawn from `rng`.
    public func perturb(_ w: Matrix, rng: inout Xoshiro256) -> Matrix {
        var out = w
        let n = w.values.count
        if kind == .none || n == 0 { return out }
        let wmax = w.maxAbs
        if wmax == 0 { return out }
        var z = [Float](repeating: 0, count: kind == .pcm ? 4 * n : n)
        z.withUnsafeMutableBufferPointer { rng.fillGaussian($0) }
        switch kind {
        case .none: break
        case .additive:
            let s = level * wmax
            for i in 0..<n { out.values[i] += s * z[i] }
        case .multiplicative:
            for i in 0..<n { out.values[i] *= 1 + level * z[i] }
        case .pcm:
            let gMax = device.gMax
            let sigma0 = device.programmingSigma(r: 0) / gMax * level
            let drift = tInference > 0
            let tRatio = (tInference + device.t0) / device.t0
            let logT = Float(_log(tRatio))
            let (mu0, sd0) = device.driftExponentMoments(r: 0)
            var programmedSum: Double = 0, driftedSum: Double = 0
            var diff = [Float](repeating: 0, count: n)
            for i in 0..<n {
                let r = min(abs(w.values[i]) / wmax, 1)
                let sigma = device.programmingSigma(r: r) / gMax * level
                let active = max(0, r + sigma * z[4 * i])
                let idle = max(0, sigma0 * z[4 * i + 1])
                var d = active - idle
                programmedSum += Double(abs(d))
                if drift {
                    let (mu, sd) = device.driftExponentMoments(r: r)
                    let nuA = abs(mu + sd * z[4 * i + 2]) * device.driftScale
                    let nuI = abs(mu0 + sd0 * z[4 * i + 3]) * device.driftScale
                    d = active * _expf(-nuA * logT) - idle * _expf(-nuI * logT)
                    driftedSum += Double(abs(d))
                }
                diff[i] = w.values[i] < 0 ? -d : d
            }
            let alpha: Float = drift && driftedSum > 0 ? Float(programmedSum / driftedSum) : 1
            for i in 0..<n { out.values[i] = diff[i] * wmax * alpha }
        }
        return out
    }
}

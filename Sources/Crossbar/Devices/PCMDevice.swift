import NumericKernels

/// The statistical phase-change-memory model of Nandakumar et al., "Phase-change memory
/// models for deep learning training and inference", ICECS 2019, and Joshi et al.,
/// "Accurate deep neural network inference using computational phase-change memory",
/// Nature Communications 11, 2473 (2020) — the model behind aihwkit's `PCMLikeNoiseModel`.
///
/// With r = g_T / gMax the normalised target conductance:
/// - programming noise: σ_prog(r) = max(c₀ + c₁·r + c₂·r², 0) µS × gMax / 25 µS,
///   g_P = max(0, g_T + σ_prog·N(0,1));
/// - drift exponent: μ_ν = clip(a₀·ln r + a₁, μmin, μmax), σ_ν = clip(b₀·ln r + b₁, σmin, σmax)
///   (r floored at 1e-7), ν = |μ_ν + σ_ν·N(0,1)|;
/// - drift: g_D(t) = g_P·(t/t0)^(−ν) with t = t_inference + t0;
/// - accumulated 1/f read noise: σ_read = Q_s·√ln((t + t_read)/(2·t_read)),
///   Q_s = min(q / max(r^e, 1e-3), Q_max), g = max(0, g_D + |g_D|·σ_read·N(0,1)).
public struct PCMDevice: ProgrammingStatistics {
    public var gMax: Float
    public var gMin: Float
    /// Polynomial coefficients c₀, c₁, c₂ of σ_prog in µS at gMax = `referenceGMax`.
    public var programmingNoiseCoefficients: [Float] = [0.26348, 1.9650, -1.1731]
    /// The gMax (S) at which `programmingNoiseCoefficients` were fitted; σ_prog scales with gMax.
    public var programmingNoiseReferenceGMax: Float = 25e-6
    /// Slope a₀ and intercept a₁ of μ_ν against ln r.
    public var driftMeanCoefficients: [Float] = [-0.0155, 0.0244]
    /// Clip interval of μ_ν.
    public var driftMeanClip: [Float] = [0.049, 0.1]
    /// Slope b₀ and intercept b₁ of σ_ν against ln r.
    public var driftStdCoefficients: [Float] = [-0.0125, -0.0059]
    /// Clip interval of σ_ν.
    public var driftStdClip: [Float] = [0.008, 0.045]
    /// Drift reference time t0 (s).
    public var t0: Double = 20
    /// Read (integration) time t_read (s) of the 1/f noise integral.
    public var tRead: Double = 250e-9
    /// 1/f noise amplitude q of Q_s.
    public var readNoiseQ: Float = 0.0088
    /// Exponent e of r in Q_s.
    public var readNoiseExponent: Float = 0.65
    /// Upper bound Q_max of Q_s.
    public var readNoiseQMax: Float = 0.2
    /// Multiplies σ_prog (0 switches programming noise off).
    public var programmingNoiseScale: Float = 1
    /// Multiplies σ_read (0 switches read noise off).
    public var readNoiseScale: Float = 1
    /// Multiplies every drift exponent ν (0 switches drift off).
    public var driftScale: Float = 1

    /// A PCM device with the published constants; gMax, gMin in siemens.
    public init(gMax: Float = 25e-6, gMin: Float = 0) {
        self.gMax = gMax
        self.gMin = gMin
    }

    /// σ_prog (S) for the normalised target r = g_T / gMax.
    @inlinable
    public func programmingSigma(r: Float) -> Float {
        let c = programmingNoiseCoefficients
        let uS = max(c[0] + c[1] * r + c[2] * r * r, 0)
        return uS * 1e-6 * (gMax / programmingNoiseReferenceGMax) * programmingNoiseScale
    }

    /// Mean and standard deviation of the drift exponent for normalised target r.
    @inlinable
    public func driftExponentMoments(r: Float) -> (mean: Float, std: Float) {
        let lr = _logf(max(r, 1e-7))
        let mu = min(max(driftMeanCoefficients[0] * lr + driftMeanCoefficients[1], driftMeanClip[0]), driftMeanClip[1])
        let sd = min(max(driftStdCoefficients[0] * lr + driftStdCoefficients[1], driftStdClip[0]), driftStdClip[1])
        return (mu, sd)
    }

    /// Relative accumulated read-noise σ for normalised target r at `tInference` (s).
    @inlinable
    public func readSigma(r: Float, tInference: Double) -> Float {
        relativeReadNoise(r: r) * readNoiseTimeFactor(tInference: tInference, t0: t0, tRead: tRead) * readNoiseScale
    }

    /// Q_s(r) = min(Q / max(r^exponent, 10⁻³), Q_max) for r ≥ 0 (negative r count as 0): the
    /// relative read-noise σ at t_read before the time factor (Joshi et al. 2020).
    @inlinable
    public func relativeReadNoise(r: Float) -> Float {
        min(readNoiseQ / max(_powf(max(r, 0), readNoiseExponent), 1e-3), readNoiseQMax)
    }

    public func program(
        targets: UnsafeBufferPointer<Float>, programmed: UnsafeMutableBufferPointer<Float>,
        nu: UnsafeMutableBufferPointer<Float>, rng: inout Xoshiro256
    ) {
        programPowerLawPCM(
            targets: targets, programmed: programmed, nu: nu, rng: &rng, gMax: gMax, driftScale: driftScale,
            sigma: { programmingSigma(r: $0) }, moments: { driftExponentMoments(r: $0) })
    }

    public func drift(
        programmed: UnsafeBufferPointer<Float>, nu: UnsafeBufferPointer<Float>, tInference: Double,
        drifted: UnsafeMutableBufferPointer<Float>
    ) {
        powerLawDrift(programmed: programmed, nu: nu, tInference: tInference, t0: t0, drifted: drifted)
    }

    public func read(
        targets: UnsafeBufferPointer<Float>, conductances: UnsafeMutableBufferPointer<Float>,
        tInference: Double, rng: inout Xoshiro256
    ) {
        readPowerLawPCM(
            targets: targets, conductances: conductances, tInference: tInference, rng: &rng, gMax: gMax, t0: t0,
            tRead: tRead, scale: readNoiseScale
        ) { relativeReadNoise(r: $0) }
    }

    /// Checks the shapes of the fits. - Throws: `CrossbarError` naming the key.
    public func validate() throws {
        guard programmingNoiseCoefficients.count == 3 else {
            throw CrossbarError("device.pcm.programming_noise.coefficients_uS has \(programmingNoiseCoefficients.count) values; the pcm model takes exactly 3 (c0, c1, c2)")
        }
    }
}

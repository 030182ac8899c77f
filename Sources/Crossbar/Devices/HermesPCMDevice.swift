import NumericKernels

/// A branch fit used by the HERMES model: below `breakpoint`, clip(a·ln r + b, lo, hi);
/// at or above it, the polynomial Σₙ pₙ rⁿ.
public struct BranchFit: Equatable, Sendable, Codable {
    /// [breakpoint, a, b, lo, hi].
    public var logBranch: [Float]
    /// p₀, p₁, … of the polynomial branch (1…5 values).
    public var polynomial: [Float]

    public init(logBranch: [Float], polynomial: [Float]) {
        self.logBranch = logBranch
        self.polynomial = polynomial
    }

    /// The fitted value at normalised conductance r (r floored at 1e-7).
    @inlinable
    public func value(_ r: Float) -> Float {
        let r = max(r, 1e-7)
        if r < logBranch[0] {
            return min(max(logBranch[1] * _logf(r) + logBranch[2], logBranch[3]), logBranch[4])
        }
        var v: Float = 0, p: Float = 1
        for c in polynomial {
            v += c * p
            p *= r
        }
        return v
    }
}

/// The PCM model of the IBM HERMES project chip: Le Gallo et al., "A 64-core mixed-signal
/// in-memory compute chip based on phase-change memory for deep neural network
/// inference", Nature Electronics 6, 680 (2023); Khaddam-Aljameh et al., JSSC 57, 1027
/// (2022). The fits are aihwkit's `HermesNoiseModel` with two devices per unit cell
/// (`num_devices = 2`, multi-device programming of Vasilopoulos et al., TED 2023):
/// gMax = 20.7 µS, t0 = 300 s, t_read = 512 ns.
///
/// With r = g_T/gMax:
/// - programming: σ_P(r) = max(Σₙ cₙ rⁿ, 0) µS × gMax/reference_gMax, g_P = max(0, g_T + σ_P·N);
/// - drift exponent: μ_ν(r), σ_ν(r) branch fits, ν = |μ_ν + σ_ν·N|;
/// - drift: g_D = g_P·(t/t0)^(−ν), t = t_inference + t0;
/// - accumulated 1/f read noise: σ_read = Q_s(r)·√ln((t + t_read)/(2 t_read)) with Q_s a
///   branch fit, g = max(0, g_D + |g_D|·σ_read·N). (aihwkit evaluates Q_s at the programmed
///   r; the `read` hook of `ConductanceDevice` sees the target, so this uses the target.)
public struct HermesPCMDevice: ProgrammingStatistics {
    public var gMax: Float
    public var gMin: Float
    /// c₀…c₃ of σ_P in µS at `programmingNoiseReferenceGMax`.
    public var programmingNoiseCoefficients: [Float] = [0.16603222, 4.71806468, -8.48101252, 4.68961419]
    public var programmingNoiseReferenceGMax: Float = 20.7e-6
    public var programmingNoiseScale: Float = 1
    /// μ_ν(r).
    public var driftMean = BranchFit(logBranch: [0.0945, -0.0387, -0.0182, 0.0720, 0.13], polynomial: [0.0736, -0.0126, -0.0436])
    /// σ_ν(r).
    public var driftStd = BranchFit(logBranch: [0.3055, -0.0117, -0.0057, 0.0091, 0.04], polynomial: [0.0073, 0.0093, -0.0118])
    /// Q_s(r).
    public var readNoise = BranchFit(logBranch: [0.16, -0.0117, -0.0069, 0.015, 0.04], polynomial: [0.0123, 0.0211, -0.0280, 0.0069])
    /// Drift reference time t0 (s).
    public var t0: Double = 300
    /// t_read of the 1/f integral (s).
    public var tRead: Double = 512e-9
    public var readNoiseScale: Float = 1
    public var driftScale: Float = 1

    public init(gMax: Float = 20.7e-6, gMin: Float = 0) {
        self.gMax = gMax
        self.gMin = gMin
    }

    /// σ_P (S) at normalised target r.
    public func programmingSigma(r: Float) -> Float {
        var v: Float = 0, p: Float = 1
        for c in programmingNoiseCoefficients {
            v += c * p
            p *= r
        }
        return max(v, 0) * 1e-6 * (gMax / programmingNoiseReferenceGMax) * programmingNoiseScale
    }

    /// μ_ν(r) and σ_ν(r) of the drift exponent (the branch fits).
    public func driftExponentMoments(r: Float) -> (mean: Float, std: Float) { (driftMean.value(abs(r)), driftStd.value(abs(r))) }

    /// Relative σ of the accumulated read noise at `tInference`.
    public func readSigma(r: Float, tInference: Double) -> Float {
        readNoise.value(r) * readNoiseTimeFactor(tInference: tInference, t0: t0, tRead: tRead) * readNoiseScale
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
        ) { r in readNoise.value(r) }
    }

    /// Checks the shapes of the fits. - Throws: `CrossbarError` naming the key.
    public func validate() throws {
        guard (1...5).contains(programmingNoiseCoefficients.count) else {
            throw CrossbarError("device.pcm_hermes.programming_noise.coefficients_uS has \(programmingNoiseCoefficients.count) values; the pcm_hermes model takes 1…5")
        }
        for (name, f) in [("drift.mean", driftMean), ("drift.std", driftStd), ("read_noise", readNoise)] {
            guard f.logBranch.count == 5, (1...5).contains(f.polynomial.count), f.logBranch[3] <= f.logBranch[4] else {
                throw CrossbarError("device.pcm_hermes.\(name)_branch / \(name)_polynomial: the branch needs [breakpoint, a, b, lo, hi] with lo ≤ hi and the polynomial 1…5 values")
            }
        }
    }
}

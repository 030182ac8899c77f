import NumericKernels

/// Resistive RAM (RRAM) with write-verify programming and conductance relaxation, fitted
/// to NeuRRAM: Wan et al., "A compute-in-memory chip based on resistive random-access
/// memory", Nature 608, 504 (2022), Extended Data Fig. 3d (σ of the conductance change at
/// 1 s, 1 day and 2 days after programming, against the initial conductance); the fits are
/// aihwkit's `ReRamWan2022NoiseModel` (4th-order polynomials in r = g_T/gMax, µS, at
/// gMax = 40 µS).
///
/// - programming (the 1 s fit): σ_P(r) = max(Σₙ cₙ rⁿ, 0) µS × gMax/reference_gMax,
///   g_P = max(0, g_T + σ_P·N(0, 1));
/// - no drift: ν = 0 and g_D = g_P;
/// - relaxation (drawn at each evaluation time): at t = t_inference + t0 the spread about the
///   target has σ_t(r), interpolated in ln t between the fitted times tₖ (σ² linear in ln t;
///   σ_P before the first fit beyond 1 s, the last fit held after the last time), and
///   g = max(0, g_P + √max(σ_t² − σ_P², 0)·N(0, 1)), so the total variance about g_T is σ_t².
///   (aihwkit redraws g_T + σ_t·N at each time instead; the variance is the same.)
public struct RRAMDevice: ProgrammingStatistics {
    /// RRAM does not drift as a power law (its spread grows by relaxation instead).
    public func driftExponentMoments(r: Float) -> (mean: Float, std: Float) { (0, 0) }
    public var driftScale: Float { 0 }
    public var gMax: Float
    public var gMin: Float
    /// c₀…c₄ of σ_P(r) in µS at `programmingNoiseReferenceGMax` (1 s after programming).
    public var programmingNoiseCoefficients: [Float] = [0.348, 16.030, -43.853, 45.393, -16.815]
    /// gMax (S) at which the coefficients were fitted.
    public var programmingNoiseReferenceGMax: Float = 40e-6
    /// Multiplies σ_P (0 switches programming noise off).
    public var programmingNoiseScale: Float = 1
    /// Time of the programming fit after programming (s): t0 = 1 s.
    public var t0: Double = 1
    /// Times after programming of the relaxation fits (s), increasing, > t0.
    public var relaxationTimes: [Double] = [86_400, 172_800]
    /// Coefficients of σ_t(r) (µS, as `programmingNoiseCoefficients`), one group of
    /// `programmingNoiseCoefficients.count` per time, concatenated.
    public var relaxationCoefficients: [Float] = [0.701, 22.086, -50.773, 47.095, -16.458, 0.782, 20.274, -43.507, 37.062, -11.934]
    /// Multiplies the relaxation σ (0 switches relaxation off).
    public var relaxationScale: Float = 1

    public init(gMax: Float = 40e-6, gMin: Float = 0) {
        self.gMax = gMax
        self.gMin = gMin
    }

    /// Σₙ cₙ rⁿ (µS) clipped at 0, scaled to siemens and to gMax.
    @inlinable
    func polynomialSigma(_ c: ArraySlice<Float>, r: Float) -> Float {
        var v: Float = 0, p: Float = 1
        for x in c {
            v += x * p
            p *= r
        }
        return max(v, 0) * 1e-6 * (gMax / programmingNoiseReferenceGMax)
    }

    /// σ_P (S) at normalised target r.
    public func programmingSigma(r: Float) -> Float {
        polynomialSigma(programmingNoiseCoefficients[...], r: r) * programmingNoiseScale
    }

    /// σ_t (S) of the spread about the target at `tInference` s after programming.
    public func relaxationSigma(r: Float, tInference: Double) -> Float {
        let n = programmingNoiseCoefficients.count
        let t = tInference + t0
        var times = [t0]
        var sigmas = [polynomialSigma(programmingNoiseCoefficients[...], r: r)]
        for (k, tk) in relaxationTimes.enumerated() {
            times.append(tk)
            sigmas.append(polynomialSigma(relaxationCoefficients[(k * n)..<((k + 1) * n)], r: r))
        }
        var s2: Float
        if t <= times[0] {
            s2 = sigmas[0] * sigmas[0]
        } else if t >= times[times.count - 1] {
            s2 = sigmas[sigmas.count - 1] * sigmas[sigmas.count - 1]
        } else {
            var k = 0
            while times[k + 1] < t { k += 1 }
            let f = Float((_log(t) - _log(times[k])) / (_log(times[k + 1]) - _log(times[k])))
            s2 = (1 - f) * sigmas[k] * sigmas[k] + f * sigmas[k + 1] * sigmas[k + 1]
        }
        return s2.squareRoot() * relaxationScale
    }

    public func program(
        targets: UnsafeBufferPointer<Float>, programmed: UnsafeMutableBufferPointer<Float>,
        nu: UnsafeMutableBufferPointer<Float>, rng: inout Xoshiro256
    ) {
        let n = targets.count
        var z = [Float](repeating: 0, count: n)
        z.withUnsafeMutableBufferPointer { rng.fillGaussian($0) }
        let inv = 1 / gMax
        for i in 0..<n {
            programmed[i] = max(0, targets[i] + programmingSigma(r: targets[i] * inv) * z[i])
            nu[i] = 0
        }
    }

    public func drift(
        programmed: UnsafeBufferPointer<Float>, nu: UnsafeBufferPointer<Float>, tInference: Double,
        drifted: UnsafeMutableBufferPointer<Float>
    ) {
        for i in 0..<programmed.count { drifted[i] = programmed[i] }
    }

    public func read(
        targets: UnsafeBufferPointer<Float>, conductances: UnsafeMutableBufferPointer<Float>,
        tInference: Double, rng: inout Xoshiro256
    ) {
        if relaxationScale == 0 { return }
        let n = targets.count
        var z = [Float](repeating: 0, count: n)
        z.withUnsafeMutableBufferPointer { rng.fillGaussian($0) }
        let inv = 1 / gMax
        for i in 0..<n {
            let r = max(targets[i] * inv, 0)
            let st = relaxationSigma(r: r, tInference: tInference)
            let sp = programmingSigma(r: r)
            let extra = max(st * st - sp * sp, 0).squareRoot()
            conductances[i] = max(0, conductances[i] + extra * z[i])
        }
    }

    /// Checks the shapes of the fits. - Throws: `CrossbarError` naming the key.
    public func validate() throws {
        let n = programmingNoiseCoefficients.count
        guard (1...5).contains(n) else {
            throw CrossbarError("device.rram.programming_noise.coefficients_uS has \(n) values; the rram model takes 1…5")
        }
        guard relaxationCoefficients.count == n * relaxationTimes.count else {
            throw CrossbarError(
                "device.rram.relaxation.coefficients_uS has \(relaxationCoefficients.count) values; expected \(n) per time × \(relaxationTimes.count) times = \(n * relaxationTimes.count)")
        }
        var last = t0
        for t in relaxationTimes {
            guard t > last else { throw CrossbarError("device.rram.relaxation.times = \(relaxationTimes) must increase and exceed device.rram.programming_noise.fit_time = \(t0) s") }
            last = t
        }
    }
}

import NumericKernels

/// A device model for analogue weights, with one hook for each of the three time scales
/// of the simulation:
///
/// - *programmed*: `program` turns target conductances into programmed ones (drawn once
///   per programming) and draws each device's drift exponent;
/// - *drifted to t_inference*: `drift` evaluates the programmed state at a time after
///   programming (deterministic);
/// - *read*: `read` adds the read noise accumulated up to that time (drawn at each
///   evaluation time).
///
/// All conductances are in siemens; arrays are flat, one element per device.
public protocol ConductanceDevice: Sendable {
    /// Largest programmable conductance gMax (S).
    var gMax: Float { get }
    /// Smallest conductance gMin (S), the target of a zero weight's device.
    var gMin: Float { get }
    /// Programs `targets` (S) into `programmed` (S) and draws each device's drift exponent
    /// into `nu` (dimensionless, ≥ 0).
    func program(
        targets: UnsafeBufferPointer<Float>, programmed: UnsafeMutableBufferPointer<Float>,
        nu: UnsafeMutableBufferPointer<Float>, rng: inout Xoshiro256)
    /// Writes the conductances `tInference` seconds after programming into `drifted` (S).
    /// At `tInference == 0` this must copy `programmed` exactly.
    func drift(
        programmed: UnsafeBufferPointer<Float>, nu: UnsafeBufferPointer<Float>, tInference: Double,
        drifted: UnsafeMutableBufferPointer<Float>)
    /// Adds the read noise accumulated up to `tInference` to `conductances` in place (S).
    func read(
        targets: UnsafeBufferPointer<Float>, conductances: UnsafeMutableBufferPointer<Float>,
        tInference: Double, rng: inout Xoshiro256)
}

/// The statistics of a device model that hardware-aware training draws weight noise from
/// (`Networks.WeightNoise`, kind `pcm`): programming noise and drift exponents as functions
/// of the normalised target r = g_T / gMax. Every device model provides them, so training
/// uses the model the hardware is configured with.
public protocol ProgrammingStatistics: ConductanceDevice {
    /// σ of the programmed conductance (S) at normalised target r ∈ [0, 1].
    func programmingSigma(r: Float) -> Float
    /// Mean and standard deviation of the drift exponent ν at normalised target r (0 for a
    /// device without drift).
    func driftExponentMoments(r: Float) -> (mean: Float, std: Float)
    /// Multiplies every drift exponent.
    var driftScale: Float { get }
    /// Drift reference time t0 (s): conductances drift as ((t + t0)/t0)^(−ν).
    var t0: Double { get }
}

/// A device with no non-ideality: programmed = target, no drift, no read noise.
public struct IdealDevice: ProgrammingStatistics {
    public func programmingSigma(r: Float) -> Float { 0 }
    public func driftExponentMoments(r: Float) -> (mean: Float, std: Float) { (0, 0) }
    public var driftScale: Float { 0 }
    public var t0: Double { 1 }
    public let gMax: Float
    public let gMin: Float
    /// - Parameters: gMax, gMin in siemens, `0 ≤ gMin < gMax`.
    public init(gMax: Float = 25e-6, gMin: Float = 0) {
        self.gMax = gMax
        self.gMin = gMin
    }
    public func program(
        targets: UnsafeBufferPointer<Float>, programmed: UnsafeMutableBufferPointer<Float>,
        nu: UnsafeMutableBufferPointer<Float>, rng: inout Xoshiro256
    ) {
        for i in 0..<targets.count {
            programmed[i] = targets[i]
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
    ) {}
}

/// The drift law shared by the PCM models: g_D = g_P·(t/t0)^(−ν) with t = t_inference + t0
/// (Joshi et al., Nat. Commun. 11, 2473, 2020); a bit-exact copy at t_inference = 0.
/// - Parameters: `programmed`, `drifted` in S, `nu` dimensionless, one element per device.
@inlinable
public func powerLawDrift(
    programmed: UnsafeBufferPointer<Float>, nu: UnsafeBufferPointer<Float>, tInference: Double, t0: Double,
    drifted: UnsafeMutableBufferPointer<Float>
) {
    if tInference == 0 {
        for i in 0..<programmed.count { drifted[i] = programmed[i] }
        return
    }
    let lnRatio = Float(_log((tInference + t0) / t0))
    for i in 0..<programmed.count { drifted[i] = programmed[i] * _expf(-nu[i] * lnRatio) }
}

/// √ln((t + t_read)/(2·t_read)) with t = t_inference + t0: the time dependence of the
/// accumulated 1/f read noise of PHYSICS.md §3, shared by the PCM models (0 where the log
/// would be negative).
@inlinable
public func readNoiseTimeFactor(tInference: Double, t0: Double, tRead: Double) -> Float {
    let t = tInference + t0
    return Float(max(_log((t + tRead) / (2 * tRead)), 0).squareRoot())
}


/// Programming shared by the PCM models: g_P = max(0, g_T + σ_prog(r)·z₁) and
/// ν = |μ_ν(r) + σ_ν(r)·z₂|·driftScale with r = g_T/gMax, z₁, z₂ independent N(0, 1) drawn
/// as one fill of 2n samples (the first n for programming, the next n for ν).
/// - Parameters: `targets`, `programmed` in S; `sigma(r)` in S; `moments(r)` = (μ_ν, σ_ν).
@inline(__always)
func programPowerLawPCM(
    targets: UnsafeBufferPointer<Float>, programmed: UnsafeMutableBufferPointer<Float>,
    nu: UnsafeMutableBufferPointer<Float>, rng: inout Xoshiro256, gMax: Float, driftScale: Float,
    sigma: (Float) -> Float, moments: (Float) -> (Float, Float)
) {
    let n = targets.count
    var z = [Float](repeating: 0, count: 2 * n)
    z.withUnsafeMutableBufferPointer { rng.fillGaussian($0) }
    let inv = 1 / gMax
    for i in 0..<n {
        let g = targets[i]
        let r = g * inv
        programmed[i] = max(0, g + sigma(r) * z[i])
        let (mu, sd) = moments(r)
        nu[i] = abs(mu + sd * z[n + i]) * driftScale
    }
}

/// 1/f read noise shared by the PCM models: g ← max(0, g + |g|·Q_s(r)·f(t)·scale·z) with
/// r = max(g_T/gMax, 0), f(t) = `readNoiseTimeFactor`, z ~ N(0, 1) (one fill of n samples).
/// - Parameter relativeSigma: Q_s(r), the relative σ at t_read.
@inline(__always)
func readPowerLawPCM(
    targets: UnsafeBufferPointer<Float>, conductances: UnsafeMutableBufferPointer<Float>,
    tInference: Double, rng: inout Xoshiro256, gMax: Float, t0: Double, tRead: Double, scale: Float,
    relativeSigma: (Float) -> Float
) {
    if scale == 0 { return }
    let n = targets.count
    var z = [Float](repeating: 0, count: n)
    z.withUnsafeMutableBufferPointer { rng.fillGaussian($0) }
    let inv = 1 / gMax
    // The time factor once per call, not once per device.
    let timeFactor = readNoiseTimeFactor(tInference: tInference, t0: t0, tRead: tRead) * scale
    for i in 0..<n {
        let g = conductances[i]
        conductances[i] = max(0, g + abs(g) * relativeSigma(max(targets[i] * inv, 0)) * timeFactor * z[i])
    }
}

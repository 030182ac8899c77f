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

/// A device with no non-ideality: programmed = target, no drift, no read noise.
public struct IdealDevice: ConductanceDevice {
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


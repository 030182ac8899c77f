import NumericKernels

/// A device whose read noise is 1/f noise of the accumulated form
/// σ_read(r, t) = Q_s(r)·√ln((t + t_read)/(2·t_read)) (PHYSICS.md §3), so that a series of
/// reads can be synthesised with that spectrum (`ReadNoiseSeries`).
///
/// Conformances: `PCMDevice` (Nandakumar 2019 / Joshi 2020), `HermesPCMDevice` (Le Gallo
/// 2023, aihwkit `HermesNoiseModel`) and `IdealDevice` (Q_s = 0). A device without such a
/// model (RRAM's relaxation) cannot be read as a series: `ProgrammedMatrix.readoutSeries`
/// throws for it rather than inventing a spectrum.
public protocol FlickerNoiseDevice: ConductanceDevice {
    /// Q_s (relative, dimensionless, read-noise scale included) at normalised target r = g_T/gMax:
    /// the one-sided relative PSD is Q_s²/f.
    func flickerAmplitude(r: Float) -> Float
    /// The read (integration) time t_read (s): the band's upper edge is 1/(2·t_read).
    var flickerReadTime: Double { get }
    /// The time t (s) of the accumulated formula at `tInference` seconds after programming.
    func flickerTime(tInference: Double) -> Double
}

extension PCMDevice: FlickerNoiseDevice {
    /// Q_s = min(q / max(r^e, 1e-3), q_max) × read-noise scale, read back from `readSigma`
    /// so that the two cannot disagree.
    public func flickerAmplitude(r: Float) -> Float {
        let l = max(_log((t0 + tRead) / (2 * tRead)), 0).squareRoot()
        return l > 0 ? readSigma(r: r, tInference: 0) / Float(l) : 0
    }
    public var flickerReadTime: Double { tRead }
    public func flickerTime(tInference: Double) -> Double { tInference + t0 }
}

extension HermesPCMDevice: FlickerNoiseDevice {
    /// Q_s(r) of the HERMES fit × read-noise scale, read back from `readSigma`.
    public func flickerAmplitude(r: Float) -> Float {
        let l = max(_log((t0 + tRead) / (2 * tRead)), 0).squareRoot()
        return l > 0 ? readSigma(r: r, tInference: 0) / Float(l) : 0
    }
    public var flickerReadTime: Double { tRead }
    public func flickerTime(tInference: Double) -> Double { tInference + t0 }
}

extension IdealDevice: FlickerNoiseDevice {
    /// No read noise: Q_s = 0.
    public func flickerAmplitude(r: Float) -> Float { 0 }
    /// 250 ns, the PCM model's (irrelevant when Q_s = 0).
    public var flickerReadTime: Double { 250e-9 }
    public func flickerTime(tInference: Double) -> Double { tInference }
}

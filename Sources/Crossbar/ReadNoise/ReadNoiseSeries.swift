import Foundation
import NumericKernels

/// 1/f read noise of N successive reads of the same devices, as a time series (PHYSICS.md §3).
///
/// The PCM read-noise model (Nandakumar et al., ICECS 2019; Joshi et al., Nat. Commun. 11,
/// 2473, 2020) gives each device a relative 1/f noise of one-sided power spectral density
/// S(f) = Q_s²/f, band-limited by the read (integration) time t_read. Integrated over the band
/// observable at time t, [1/(t + t_read), 1/(2·t_read)], it is the accumulated variance
/// σ²(t) = Q_s²·ln((t + t_read)/(2·t_read)) that a single read draws. A series of N reads
/// spaced by Δ ≥ t_read (a window T = N·Δ ending at time t) is synthesised, in units of Q_s, as
/// the sum of three independent parts whose variances add up to σ²(t)/Q_s² exactly:
///
/// - **in-window 1/f**: the band [1/(T + t_read), 1/(2Δ)] by FFT shaping of white Gaussian
///   noise (Timmer & König, "On generating power law noise", Astron. Astrophys. 300, 707,
///   1995): DFT bin k (frequency k/T) receives the power ∫ S df over its own band, edges
///   (k ± ½)/T, the lowest edge 1/(T + t_read) and the highest 1/(2Δ); then one inverse real
///   FFT (FFTW). Variance ln((T + t_read)/(2Δ)); zero mean over the window, so it is also the
///   variance of a read about the window mean;
/// - **aliased band** [1/(2Δ), 1/(2·t_read)]: the 1/f power above the sampling Nyquist
///   frequency folds into the samples; it is drawn white (an approximation of the folded
///   spectrum), variance ln(Δ/t_read), zero when Δ = t_read;
/// - **offset** [1/(t + t_read), 1/(T + t_read)]: frequencies below the window's lowest bin are
///   constant over the window, one Gaussian per device, variance ln((t + t_read)/(T + t_read)).
///
/// So every read has the accumulated variance σ²(t) of the single-read model, the sample
/// variance over the window is ln((T + t_read)/(2Δ)) + ln(Δ/t_read)·(N − 1)/N, and with
/// Δ = t_read the periodogram of the series falls as 1/f.
public struct ReadNoiseSeries: Sendable {
    /// Number of successive reads N (≥ 1).
    public let reads: Int
    /// Time between the starts of successive reads Δ (s, ≥ t_read).
    public let interval: Double
    /// Read (integration) time t_read (s, > 0): the upper band limit is 1/(2·t_read).
    public let tRead: Double
    /// Time t at the end of the window (s, ≥ N·Δ): the model's time since the noise started
    /// accumulating (for PCM, t_inference + t0 + N·Δ).
    public let tEnd: Double

    /// - Throws: `CrossbarError` for a parameter out of range.
    public init(reads: Int, interval: Double, tRead: Double, tEnd: Double) throws {
        guard reads >= 1 else { throw CrossbarError("read-noise series: reads = \(reads) must be ≥ 1") }
        guard tRead > 0, tRead.isFinite else { throw CrossbarError("read-noise series: t_read = \(tRead) s must be > 0") }
        guard interval >= tRead, interval.isFinite else {
            throw CrossbarError("read-noise series: the read interval \(interval) s must be ≥ t_read = \(tRead) s (a read cannot start before the previous one ends)")
        }
        let window = Double(reads) * interval
        guard tEnd >= window, tEnd.isFinite else {
            throw CrossbarError("read-noise series: the window of \(reads) reads × \(interval) s ends at t = \(tEnd) s, before it started")
        }
        self.reads = reads
        self.interval = interval
        self.tRead = tRead
        self.tEnd = tEnd
    }

    /// Window duration T = N·Δ (s).
    public var window: Double { Double(reads) * interval }

    /// Power (units of Q_s²) of each in-window DFT bin k = 1 … ⌊N/2⌋ (index k − 1).
    public var binPowers: [Double] {
        let n = reads
        let top = n / 2
        if top == 0 { return [] }
        let lowest = window / (window + tRead)  // 1/(T + t_read) in units of 1/T
        return (1...top).map { k in
            let lo = k == 1 ? lowest : Double(k) - 0.5
            let hi = k == top ? Double(n) / 2 : Double(k) + 0.5
            return log(hi / lo)
        }
    }

    /// Variance (units of Q_s²) of the in-window 1/f part: Σ bin powers = ln((T + t_read)/(2Δ)) for N ≥ 2.
    public var inWindowVariance: Double { binPowers.reduce(0, +) }
    /// Variance (units of Q_s²) of the aliased, white part: ln(Δ/t_read).
    public var aliasedVariance: Double { log(interval / tRead) }
    /// Variance (units of Q_s²) of every read: ln((t + t_read)/(2·t_read)), the accumulated formula at t = `tEnd`.
    public var totalVariance: Double { max(log((tEnd + tRead) / (2 * tRead)), 0) }
    /// Variance (units of Q_s²) of the offset common to the window's reads.
    public var offsetVariance: Double { max(totalVariance - inWindowVariance - aliasedVariance, 0) }

    /// Expected sample variance (units of Q_s²) of one device's reads about their mean over the window.
    public var expectedWindowVariance: Double {
        inWindowVariance + aliasedVariance * Double(reads - 1) / Double(reads)
    }

    /// Unit series (relative noise divided by Q_s) of `devices` independent devices.
    ///
    /// Draws, per device in order, 2·N standard normals from `rng` (N − 1 for the spectrum, one
    /// offset, N white), so the result depends only on the generator's state.
    /// - Returns: `[reads × devices]`: element n·devices + d is read n of device d.
    public func unitSeries(devices: Int, rng: inout Xoshiro256) -> [Float] {
        let n = reads
        var out = [Float](repeating: 0, count: n * devices)
        if devices == 0 { return out }
        let bins = n / 2 + 1
        let amplitude = binPowers.map { Float($0.squareRoot()) }
        let offsetSigma = Float(offsetVariance.squareRoot())
        let whiteSigma = Float(aliasedVariance.squareRoot())
        let chunk = max(1, min(devices, 1 << 20 / max(n, 1)))
        var z = [Float](repeating: 0, count: 2 * n)
        var d0 = 0
        while d0 < devices {
            let m = min(chunk, devices - d0)
            var spectra = [(re: Float, im: Float)](repeating: (0, 0), count: m * bins)
            var extra = [Float](repeating: 0, count: m * n)  // offset + white
            for s in 0..<m {
                z.withUnsafeMutableBufferPointer { rng.fillGaussian($0) }
                var q = 0
                for k in 1..<bins {
                    let a = amplitude[k - 1]
                    if n % 2 == 0 && k == n / 2 {
                        spectra[s * bins + k] = (a * z[q], 0)
                        q += 1
                    } else {
                        spectra[s * bins + k] = (0.5 * a * z[q], 0.5 * a * z[q + 1])
                        q += 2
                    }
                }
                let offset = offsetSigma * z[n - 1]
                for t in 0..<n { extra[s * n + t] = offset + whiteSigma * z[n + t] }
            }
            let shaped = n >= 2 ? FFT.realInverse(spectra, count: n, howMany: m) : [Float](repeating: 0, count: m * n)
            for s in 0..<m {
                for t in 0..<n { out[t * devices + d0 + s] = shaped[s * n + t] + extra[s * n + t] }
            }
            d0 += m
        }
        return out
    }
}

import Crossbar
import Foundation
import NumericKernels
import TestSupport
import Testing

/// Tests of the 1/f read-noise time series (`ReadNoiseSeries`, `ProgrammedMatrix.readoutSeries`,
/// PHYSICS.md §3): the band powers in closed form, the periodogram slope, the variance over a
/// window and per read against the accumulated formula σ² = Q_s²·ln((t + t_read)/(2·t_read)),
/// and the series carried by a programmed tile.
///
/// Statistical checks use fixed seeds and k = 5: a mean of M per-device values is compared
/// within 5·s/√M (s their sample standard deviation); an ensemble variance of M Gaussian
/// values within 5·√(2/M) relative.
@Suite("Read-noise series")
struct ReadNoiseSeriesTests {
    static let tRead = 250e-9

    /// The bin powers add up to the in-window band's integral ln((T + t_read)/(2Δ)); with the
    /// aliased and offset parts every read has the accumulated variance at the window's end
    /// (relative 1e-12).
    @Test(arguments: [(2, 250e-9, 1.0), (3, 1e-3, 10.0), (4096, 250e-9, 4096 * 250e-9), (1000, 1.0, 4000.0)])
    func bandPowersAddUp(reads: Int, interval: Double, tEnd: Double) throws {
        let s = try ReadNoiseSeries(reads: reads, interval: interval, tRead: Self.tRead, tEnd: tEnd)
        let T = Double(reads) * interval
        #expect(s.binPowers.count == reads / 2)
        #expect(abs(s.inWindowVariance - log((T + Self.tRead) / (2 * interval))) < 1e-12 * max(1, s.inWindowVariance))
        #expect(abs(s.aliasedVariance - log(interval / Self.tRead)) < 1e-12 * max(1, s.aliasedVariance))
        let formula = log((tEnd + Self.tRead) / (2 * Self.tRead))
        #expect(abs(s.inWindowVariance + s.aliasedVariance + s.offsetVariance - formula) < 1e-12 * formula)
        #expect(abs(s.offsetVariance - max(log((tEnd + Self.tRead) / (T + Self.tRead)), 0)) < 1e-12 * max(1, formula))
        // Bins above the first carry ln((k + ½)/(k − ½)) ≈ 1/k: the 1/f shape.
        for (i, p) in s.binPowers.enumerated() where i > 0 && i < s.binPowers.count - 1 {
            let k = Double(i + 1)
            #expect(abs(p - log((k + 0.5) / (k - 0.5))) < 1e-12)
        }
    }

    /// Reads spaced by t_read: the periodogram averaged over 64 devices of 4096 reads falls with
    /// slope −1 ± 0.1 in a least-squares fit of log P against log f over bins 2 … N/2 − 1.
    @Test func periodogramSlopeIsMinusOne() throws {
        let n = 4096, devices = 64
        let s = try ReadNoiseSeries(reads: n, interval: Self.tRead, tRead: Self.tRead, tEnd: Double(n) * Self.tRead)
        var rng = Xoshiro256(seed: 11)
        let x = s.unitSeries(devices: devices, rng: &rng)
        var mean = [Double](repeating: 0, count: n / 2 + 1)
        for d in 0..<devices {
            let series = (0..<n).map { x[$0 * devices + d] }
            for (k, p) in FFT.periodogram(series).enumerated() { mean[k] += Double(p) / Double(devices) }
        }
        let ks = Array(2..<(n / 2))
        let lx = ks.map { log(Double($0)) }, ly = ks.map { log(mean[$0]) }
        let mx = lx.reduce(0, +) / Double(ks.count), my = ly.reduce(0, +) / Double(ks.count)
        var sxy = 0.0, sxx = 0.0
        for (a, b) in zip(lx, ly) {
            sxy += (a - mx) * (b - my)
            sxx += (a - mx) * (a - mx)
        }
        let slope = sxy / sxx
        print(String(format: "1/f read-noise series: periodogram slope %.4f (4096 reads, 64 devices)", slope))
        #expect(abs(slope + 1) < 0.1)
    }

    /// The sample variance of a device's reads over the window, averaged over 2000 devices,
    /// matches ln((T + t_read)/(2Δ)) + ln(Δ/t_read)·(N − 1)/N; with Δ = t_read that is the
    /// accumulated formula with t = T, ln((T + t_read)/(2·t_read)).
    @Test(arguments: [(1024, 250e-9), (256, 1e-3)])
    func windowVarianceMatchesFormula(reads: Int, interval: Double) throws {
        let devices = 2000
        let T = Double(reads) * interval
        let s = try ReadNoiseSeries(reads: reads, interval: interval, tRead: Self.tRead, tEnd: T + 3600)
        var rng = Xoshiro256(seed: 12)
        let x = s.unitSeries(devices: devices, rng: &rng)
        var variances: [Double] = []
        for d in 0..<devices {
            let v = (0..<reads).map { Double(x[$0 * devices + d]) }
            let m = v.reduce(0, +) / Double(reads)
            variances.append(v.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(reads))
        }
        let mean = variances.reduce(0, +) / Double(devices)
        let sd = (variances.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(devices - 1)).squareRoot()
        let expected = log((T + Self.tRead) / (2 * interval)) + log(interval / Self.tRead) * Double(reads - 1) / Double(reads)
        #expect(abs(s.expectedWindowVariance - expected) < 1e-12 * expected)
        if interval == Self.tRead {
            #expect(abs(expected - log((T + Self.tRead) / (2 * Self.tRead))) < 1e-12 * expected)
        }
        #expect(abs(mean - expected) < 5 * sd / Double(devices).squareRoot(), "mean \(mean), expected \(expected)")
    }

    /// Across 4000 devices, each read of a window ending at t = 1 h has the accumulated
    /// variance ln((t + t_read)/(2·t_read)) of the single-read model (first, middle, last read).
    @Test func everyReadHasTheAccumulatedVariance() throws {
        let devices = 4000, reads = 128
        let tEnd = 3600.0
        let s = try ReadNoiseSeries(reads: reads, interval: 1e-2, tRead: Self.tRead, tEnd: tEnd)
        var rng = Xoshiro256(seed: 13)
        let x = s.unitSeries(devices: devices, rng: &rng)
        let formula = log((tEnd + Self.tRead) / (2 * Self.tRead))
        for n in [0, reads / 2, reads - 1] {
            let v = (0..<devices).map { Double(x[n * devices + $0]) }
            let variance = v.reduce(0) { $0 + $1 * $1 } / Double(devices)
            #expect(abs(variance / formula - 1) < 5 * (2 / Double(devices)).squareRoot(), "read \(n): \(variance) vs \(formula)")
        }
    }

    /// A programmed PCM tile read as a series: with programming noise and drift off, the G⁻
    /// devices of positive weights are exactly 0 S and stay so, and G⁺ = gMax, so read n's
    /// effective weight is w·(1 + Q_s(1)·x_n). The recovered unit series have the window
    /// variance and the per-read variance of `ReadNoiseSeries` (k = 5 bounds over 1024
    /// devices); an ideal device gives N identical readouts; RRAM has no 1/f model and throws.
    @Test func tileSeriesCarriesTheNoise() throws {
        var spec = HardwareSpec()
        spec.tileRows = 32
        spec.tileColumns = 32
        spec.deviceModel.pcm?.programmingNoiseScale = 0
        spec.deviceModel.pcm?.driftScale = 0
        let w = Matrix(rows: 32, columns: 32, repeating: 0.5)
        let programmed = try AnalogMatrix(weights: w, spec: spec).program(seed: 3)
        let reads = 64, interval = 1e-3, t = 3600.0
        let series = try programmed.readoutSeries(tInference: t, reads: reads, interval: interval)
        #expect(series.count == reads)
        let pcm = try #require(spec.deviceModel.pcm)
        let qs = Double(pcm.readSigma(r: 1, tInference: 0)) / log((pcm.t0 + Self.tRead) / (2 * Self.tRead)).squareRoot()
        let weights = series.map { $0.effectiveWeights.values }
        let devices = 32 * 32
        let unit = (0..<reads).map { n in weights[n].map { (Double($0) / 0.5 - 1) / qs } }
        let model = try ReadNoiseSeries(reads: reads, interval: interval, tRead: Self.tRead, tEnd: t + pcm.t0 + Double(reads) * interval)
        var variances: [Double] = []
        for d in 0..<devices {
            let v = (0..<reads).map { unit[$0][d] }
            let m = v.reduce(0, +) / Double(reads)
            variances.append(v.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(reads))
        }
        let mean = variances.reduce(0, +) / Double(devices)
        let sd = (variances.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(devices - 1)).squareRoot()
        #expect(abs(mean - model.expectedWindowVariance) < 5 * sd / Double(devices).squareRoot(), "\(mean) vs \(model.expectedWindowVariance)")
        let first = unit[0].reduce(0) { $0 + $1 * $1 } / Double(devices)
        #expect(abs(first / model.totalVariance - 1) < 5 * (2 / Double(devices)).squareRoot(), "\(first) vs \(model.totalVariance)")
        // Reads of one window are correlated (the low frequencies), unlike independent single
        // reads: expected correlation of the first and last read ≥ offset / total ≈ 0.5; an
        // independent pair would give 0 ± 5/√1024 = 0.16.
        let corr = zip(unit[0], unit[reads - 1]).reduce(0) { $0 + $1.0 * $1.1 } / Double(devices) / model.totalVariance
        #expect(model.offsetVariance / model.totalVariance > 0.4)
        #expect(corr > 0.3, "correlation \(corr)")

        var ideal = spec
        ideal.deviceKind = .ideal
        let idealSeries = try AnalogMatrix(weights: w, spec: ideal).program(seed: 3).readoutSeries(tInference: t, reads: 4, interval: interval)
        #expect(Set(idealSeries.map { $0.effectiveWeights.values }).count == 1)

        var rram = spec
        rram.deviceKind = .rram
        #expect(throws: CrossbarError.self) {
            try AnalogMatrix(weights: w, spec: rram).program(seed: 3).readoutSeries(tInference: t, reads: 4, interval: interval)
        }
    }

    /// Invalid windows are user errors.
    @Test func rejectsBadWindows() {
        #expect(throws: CrossbarError.self) { try ReadNoiseSeries(reads: 0, interval: 1, tRead: Self.tRead, tEnd: 10) }
        #expect(throws: CrossbarError.self) { try ReadNoiseSeries(reads: 4, interval: 1e-9, tRead: Self.tRead, tEnd: 10) }
        #expect(throws: CrossbarError.self) { try ReadNoiseSeries(reads: 4, interval: 1, tRead: Self.tRead, tEnd: 3) }
    }

    /// FFTW's inverse real transform undoes the forward one up to the factor N (relative 1e-5).
    @Test(arguments: [1, 2, 7, 64, 1000])
    func inverseFFTRoundTrip(n: Int) {
        var rng = Xoshiro256(seed: 14)
        let x = rng.gaussians(3 * n)
        let spectra = (0..<3).flatMap { FFT.realForward(Array(x[($0 * n)..<(($0 + 1) * n)])) }
        let back = FFT.realInverse(spectra, count: n, howMany: 3)
        let scale = x.map { abs($0) }.max()!
        #expect(zip(back, x).allSatisfy { abs($0 / Float(n) - $1) < 1e-5 * scale })
    }
}

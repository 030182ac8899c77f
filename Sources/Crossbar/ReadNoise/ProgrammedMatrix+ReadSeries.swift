import Foundation
import NumericKernels

extension ProgrammedMatrix {
    /// N successive reads of the programmed layer with 1/f-correlated read noise
    /// (`ReadNoiseSeries`, PHYSICS.md §3).
    ///
    /// Read n happens at `tInference + n·interval`: its conductances are drifted to that time and
    /// carry read n of each device's noise series, g = max(0, g_D + |g_D|·Q_s(r)·x_n), where x is
    /// the device's unit series over the window (every x_n has the accumulated variance
    /// ln((t + t_read)/(2·t_read)) at the window's end t, consecutive reads are correlated with
    /// the 1/f spectrum). IR drop and drift compensation follow as in `readout(tInference:)`.
    /// The series of tile k's devices come from stream `[3, k, mix(bits(tInference), [0x1F])]` of
    /// the programming seed, so they depend only on the seed, `tInference`, `reads` and `interval`.
    ///
    /// - Parameters:
    ///   - tInference: time of the first read since programming (s, ≥ 0).
    ///   - reads: number of reads N (1 … 1e6).
    ///   - interval: time between reads Δ (s, ≥ the device's t_read).
    /// - Returns: N readouts; memory grows as N × the layer's devices.
    /// - Throws: `CrossbarError` for an out-of-range argument, or when the device has no 1/f
    ///   read-noise model (`FlickerNoiseDevice`).
    public func readoutSeries(tInference: Double, reads: Int, interval: Double) throws -> [AnalogReadout] {
        guard tInference >= 0, tInference.isFinite else {
            throw CrossbarError("read-noise series: t_inference = \(tInference) s must be finite and ≥ 0")
        }
        guard reads >= 1, reads <= 1_000_000 else { throw CrossbarError("read-noise series: reads = \(reads) must be in 1 … 1000000") }
        let device = spec.device
        guard let flicker = device as? any FlickerNoiseDevice else {
            throw CrossbarError("read-noise series: device '\(spec.deviceKind.rawValue)' has no 1/f read-noise model to synthesise a time series from")
        }
        let series = try ReadNoiseSeries(
            reads: reads, interval: interval, tRead: flicker.flickerReadTime,
            tEnd: flicker.flickerTime(tInference: tInference) + Double(reads) * interval)
        let cache = SeriesCache(series)
        let key = Xoshiro256.mix(tInference.bitPattern, [RandomStream.readNoiseSeries.rawValue])
        return (0..<reads).map { n in
            readout(
                tInference: tInference + Double(n) * interval, streamKey: key, computeCompensation: true,
                device: SeriesReadDevice(base: flicker, cache: cache, readIndex: n))
        }
    }
}

/// The unit series of every device group read so far, keyed by the first draw of the group's
/// read stream (identical for every read of the series, since each read uses the same streams).
final class SeriesCache: @unchecked Sendable {
    let series: ReadNoiseSeries
    private var store: [UInt64: [Float]] = [:]
    private let lock = NSLock()

    init(_ series: ReadNoiseSeries) { self.series = series }

    /// `[reads × devices]` unit series generated from `key`.
    func unitSeries(key: UInt64, devices: Int) -> [Float] {
        lock.lock()
        defer { lock.unlock() }
        if let s = store[key], s.count == series.reads * devices { return s }
        var rng = Xoshiro256(seed: key)
        let s = series.unitSeries(devices: devices, rng: &rng)
        store[key] = s
        return s
    }
}

/// A device that programs and drifts as `base` but reads with read `readIndex` of a 1/f series.
struct SeriesReadDevice: ConductanceDevice {
    let base: any FlickerNoiseDevice
    let cache: SeriesCache
    let readIndex: Int

    var gMax: Float { base.gMax }
    var gMin: Float { base.gMin }

    func program(
        targets: UnsafeBufferPointer<Float>, programmed: UnsafeMutableBufferPointer<Float>,
        nu: UnsafeMutableBufferPointer<Float>, rng: inout Xoshiro256
    ) {
        base.program(targets: targets, programmed: programmed, nu: nu, rng: &rng)
    }

    func drift(
        programmed: UnsafeBufferPointer<Float>, nu: UnsafeBufferPointer<Float>, tInference: Double,
        drifted: UnsafeMutableBufferPointer<Float>
    ) {
        base.drift(programmed: programmed, nu: nu, tInference: tInference, drifted: drifted)
    }

    func read(
        targets: UnsafeBufferPointer<Float>, conductances: UnsafeMutableBufferPointer<Float>,
        tInference: Double, rng: inout Xoshiro256
    ) {
        let n = targets.count
        if n == 0 { return }
        let unit = cache.unitSeries(key: rng.next(), devices: n)
        let inv = 1 / gMax
        let o = readIndex * n
        for i in 0..<n {
            let g = conductances[i]
            let q = base.flickerAmplitude(r: max(targets[i] * inv, 0))
            conductances[i] = max(0, g + abs(g) * q * unit[o + i])
        }
    }
}

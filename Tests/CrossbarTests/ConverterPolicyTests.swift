import Crossbar
import NumericKernels
import TestSupport
import Testing

/// Converter stages (PHYSICS.md §2): ADC range policies (fixed, calibrated per tile and per
/// column from a calibration batch), bit-serial inputs, per-row output-noise streams, and
/// the clipped / zeroed statistics of each.
@Suite("Converter policies")
struct ConverterPolicyTests {
    static let w = Stage.uniform(20, 48, seed: 31, -0.5, 0.5)
    static let x = Stage.uniform(64, 48, seed: 32)

    /// Pre-ADC outputs in normalised units with ideal DAC and no noise: (W/max|W|)·x/max|x|,
    /// `[batch × outputs]`.
    static func preADC(_ x: Matrix, _ w: Matrix) -> [[Float]] {
        let m = w.maxAbs
        return (0..<x.rows).map { b in
            var s: Float = 0
            for i in 0..<x.columns { s = max(s, abs(x[b, i])) }
            return (0..<w.rows).map { j in
                var v: Double = 0
                for i in 0..<x.columns { v += Double(w[j, i] / m) * Double(x[b, i] / s) }
                return Float(v)
            }
        }
    }

    @Test("calibrated ranges are the percentile of |pre-ADC outputs|: per tile and per column (p = 100: the maximum)")
    func calibratedRanges() throws {
        let pre = Self.preADC(Self.x, Self.w)
        for policy in [ADCRangePolicy.calibrated, .calibratedPerColumn] {
            let spec = Stage.spec { $0.adc = try! Quantizer(bits: 6, range: 1); $0.adcRangePolicy = policy; $0.adcCalibrationPercentile = 100 }
            let r = try AnalogMatrix(weights: Self.w, spec: spec).program(seed: 1).readout(tInference: 0)
            var rng = Xoshiro256(seed: 3)
            let c = try r.calibratingADC(Self.x, rng: &rng)
            let ranges = c.tiles[0].adcChannels.map(\.range)
            #expect(ranges.count == 20)
            let tileMax = pre.flatMap { $0 }.map(abs).max()!
            for j in 0..<20 {
                let expected = policy == .calibrated ? tileMax : pre.map { abs($0[j]) }.max()!
                #expect(abs(ranges[j] - expected) <= 1e-5 * expected, "\(policy) column \(j): \(ranges[j]) vs \(expected)")
                #expect(c.tiles[0].adcChannels[j].bits == 6)
            }
            // On the calibration batch itself nothing clips at p = 100.
            var stats = ConversionStats()
            _ = try c.forward(Self.x, rng: &rng, stats: &stats)
            #expect(stats.adcClipped == 0 && stats.adcConversions == 64 * 20)
        }
    }

    @Test("at percentile p the calibration batch clips at most (100 − p) % of conversions per channel", arguments: [90.0, 99.0])
    func percentileClipFraction(p: Double) throws {
        let spec = Stage.spec { $0.adc = try! Quantizer(bits: 8, range: 1); $0.adcRangePolicy = .calibratedPerColumn; $0.adcCalibrationPercentile = Float(p) }
        let r = try AnalogMatrix(weights: Self.w, spec: spec).program(seed: 1).readout(tInference: 0)
        var rng = Xoshiro256(seed: 3)
        let c = try r.calibratingADC(Self.x, rng: &rng)
        var stats = ConversionStats()
        _ = try c.forward(Self.x, rng: &rng, stats: &stats)
        // Nearest-rank percentile: at most ⌊(1 − p)·n⌋ of n = 64 values per channel lie above it.
        let perChannel = Int(((1 - p / 100) * 64).rounded(.down))
        #expect(stats.adcClipped <= perChannel * 20)
        #expect(stats.adcClipped >= 1 || perChannel == 0)
    }

    @Test("a calibrated policy without calibration raises instead of using the fixed range")
    func uncalibratedRaises() throws {
        let spec = Stage.spec { $0.adc = try! Quantizer(bits: 6, range: 1); $0.adcRangePolicy = .calibrated }
        let r = try AnalogMatrix(weights: Self.w, spec: spec).program(seed: 1).readout(tInference: 0)
        var rng = Xoshiro256(seed: 3)
        var stats = ConversionStats()
        #expect(throws: CrossbarError.self) { try r.forward(Self.x, rng: &rng, stats: &stats) }
        // And an all-zero calibration batch cannot set a range: an error, not a silent default.
        #expect(throws: CrossbarError.self) { try r.calibratingADC(Matrix(rows: 4, columns: 48), rng: &rng) }
        // A calibrated policy with an ideal ADC is a configuration error.
        var bad = spec
        bad.adc = .ideal
        #expect(throws: CrossbarError.self) { try bad.validate() }
    }

    @Test("bit-serial inputs with an ideal ADC equal the multi-bit DAC within relative 1e-5", arguments: [(2, true), (5, true), (7, true), (4, false), (8, false)])
    func bitSerialEqualsParallel(bits: Int, signed: Bool) throws {
        let x = signed ? Self.x : Stage.uniform(64, 48, seed: 33, 0, 1)
        // Both in float (bit-serial planes always are): the test is about the planes' sum.
        let parallel = Stage.spec { $0.dac = try! Quantizer(bits: bits, range: 1, signed: signed); $0.arrayPrecision = .float32 }
        var serial = parallel
        serial.dacBitSerial = true
        let a = try Stage.run(Self.w, x, parallel)
        let b = try Stage.run(Self.w, x, serial)
        let e = Stage.exact(x, Self.w)
        for k in a.y.values.indices {
            #expect(abs(a.y.values[k] - b.y.values[k]) <= Float(1e-5 * e.scale[k]) + 1e-7)
        }
        #expect(b.stats.dacClipped == a.stats.dacClipped)
    }

    @Test("bit-serial: every plane is one ADC conversion, and a coarse ADC changes the result")
    func bitSerialConversions() throws {
        let spec = Stage.spec {
            $0.dac = try! Quantizer(bits: 7, range: 1)
            $0.adc = try! Quantizer(bits: 4, range: 4)
            $0.dacBitSerial = true
        }
        let (y, stats) = try Stage.run(Self.w, Self.x, spec)
        #expect(stats.adcConversions == 64 * 20 * 6)  // 6 magnitude bits of a 7-bit signed DAC
        var parallel = spec
        parallel.dacBitSerial = false
        let (yp, sp) = try Stage.run(Self.w, Self.x, parallel)
        #expect(sp.adcConversions == 64 * 20)
        #expect(y.values != yp.values)
    }

    @Test("under a calibrated policy the one-hot compensation reads do not use the fixed adc.range the policy replaces")
    func compensationReadsIgnoreFixedRange() throws {
        var base = Stage.spec()
        base.deviceKind = .pcm
        base.deviceModel.pcm?.programmingNoiseScale = 0
        base.deviceModel.pcm?.readNoiseScale = 0
        var calibrated = base
        calibrated.adc = try Quantizer(bits: 4, range: 12)
        calibrated.adcRangePolicy = .calibrated
        let a = try AnalogMatrix(weights: Self.w, spec: base).program(seed: 1).readout(tInference: 86_400)
        let c = try AnalogMatrix(weights: Self.w, spec: calibrated).program(seed: 1).readout(tInference: 86_400)
        #expect(a.tiles[0].compensation.readout != 1)
        #expect(c.tiles[0].compensation.readout == a.tiles[0].compensation.readout)
        #expect(c.tiles[0].compensation.readoutColumns == a.tiles[0].compensation.readoutColumns)
    }

    @Test("per-row noise streams: a row's output does not depend on the other rows")
    func perRowNoise() throws {
        let spec = Stage.spec { $0.outputNoise = 0.05; $0.outputNoiseStreams = .perRow; $0.adc = try! Quantizer(bits: 9, range: 12) }
        let r = try AnalogMatrix(weights: Self.w, spec: spec).program(seed: 1).readout(tInference: 0)
        var ya: Matrix, yb: Matrix
        var s = ConversionStats()
        var rng = Xoshiro256(seed: 5)
        ya = try r.forward(Self.x.rows(0..<1), rng: &rng, stats: &s)
        rng = Xoshiro256(seed: 5)
        yb = try r.forward(Self.x, rng: &rng, stats: &s)
        #expect(Array(yb.values[0..<20]) == ya.values)
        // The noise is there: a second call differs.
        let yc = try r.forward(Self.x.rows(0..<1), rng: &rng, stats: &s)
        #expect(yc.values != ya.values)
    }
}

import Crossbar
import NumericKernels
import TestSupport
import Testing

/// The SAR and ramp ADC circuit models (Spear et al., IEEE JXCDC 2023): closed forms without
/// mismatch, and the statistics of their non-idealities with a fixed seed.
@Suite("ADC circuit models")
struct ADCCircuitTests {
    static let q = try! Quantizer(bits: 6, range: 1)

    static func convert(_ c: any OutputConverter, _ v: [Float]) -> [Float] {
        var out = [Float](repeating: 0, count: v.count)
        v.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                _ = c.digitise(src.baseAddress!, noise: nil, sigma: 0, dst.baseAddress!, count: v.count, firstChannel: 0)
            }
        }
        return out
    }

    static func converter(_ kind: String, _ p: ADCCircuitParameters, channels: Int, seed: UInt64) -> any OutputConverter {
        var rng = Xoshiro256(seed: seed)
        return kind == "sar" ? SARConverter(q, p, channels: channels, rng: &rng) : RampConverter(q, p, channels: channels, rng: &rng)
    }

    /// Without capacitor mismatch and comparator offset both circuits are the uniform
    /// quantiser (exactly, on values that are not ties), including clipping beyond the
    /// range; clipped and zeroed counts agree with `Quantizer`.
    @Test(arguments: ["sar", "ramp"])
    func idealCircuitIsTheUniformQuantiser(_ kind: String) throws {
        var g = Xoshiro256(seed: 3)
        let v = (0..<20_000).map { _ in 3 * (g.nextUniform() - 0.5) }  // ±1.5: beyond the ±1 range too
        let c = Self.converter(kind, ADCCircuitParameters(), channels: v.count, seed: 1)
        let y = Self.convert(c, v)
        for (x, out) in zip(v, y) { #expect(out == Self.q.quantize(x), "\(kind): \(x)") }
        var counts = (0, 0)
        v.withUnsafeBufferPointer { s in
            var d = [Float](repeating: 0, count: v.count)
            d.withUnsafeMutableBufferPointer { counts = c.digitise(s.baseAddress!, noise: nil, sigma: 0, $0.baseAddress!, count: v.count, firstChannel: 0) }
        }
        #expect(counts.0 == v.filter { Self.q.clips($0) }.count)
        #expect(counts.1 == v.filter { $0 != 0 && Self.q.quantize($0) == 0 }.count)
    }

    /// Comparator offsets shift each channel's thresholds by o_j: the mean error of a
    /// channel over inputs uniform in the range estimates o_j, and over 2 000 channels
    /// their standard deviation is σ_o = 2 LSB within 8 % (sampling: 1.6 % per σ for
    /// N = 2 000, five σ).
    @Test(arguments: ["sar", "ramp"])
    func comparatorOffsetsHaveTheirSigma(_ kind: String) throws {
        let channels = 2000
        let c = Self.converter(kind, ADCCircuitParameters(comparatorOffset: 2), channels: channels, seed: 7)
        var mean = [Double](repeating: 0, count: channels)
        let sweep = 2000
        for i in 0..<sweep {
            let v = -0.8 + 1.6 * (Float(i) + 0.5) / Float(sweep)  // inside the range by more than the offsets
            let y = Self.convert(c, [Float](repeating: v, count: channels))
            for j in 0..<channels { mean[j] += Double(y[j] - v) / Double(sweep) }
        }
        let s = Summary(mean)
        #expect(abs(s.std / Double(Self.q.step) - 2) <= 0.16, "\(kind): σ of offsets \(s.std / Double(Self.q.step)) LSB")
        #expect(abs(s.mean) / Double(Self.q.step) <= 5 * 2 / Double(channels).squareRoot())
    }

    /// Capacitor mismatch: the width of the code below mid-scale (the zero level of a
    /// signed 6-bit converter) is t(2^5) − t(2^5 − 1) = Δ·(C_5 − Σ_{i<5} C_i)·(2^6 − 1)/ΣC,
    /// so its DNL has σ ≈ σ_C·√(2^6 − 1) (C_i = 2^i + σ_C·2^(i/2)·N). Over 3 000 converters
    /// with σ_C = 0.03 the measured σ is within 8 % of 0.238 LSB.
    @Test(arguments: ["sar", "ramp"])
    func capacitorMismatchGivesTheMidScaleDNL(_ kind: String) throws {
        let instances = 3000
        let p = ADCCircuitParameters(capacitorMismatch: 0.03)
        // SAR: one converter per channel; ramp: one ramp per tile, so one tile each.
        let converters: [any OutputConverter] = kind == "sar"
            ? [Self.converter(kind, p, channels: instances, seed: 11)]
            : (0..<instances).map { Self.converter(kind, p, channels: 1, seed: 100 + UInt64($0)) }
        let sweep = 6400
        var width = [Int](repeating: 0, count: instances)
        for i in 0..<sweep {
            let v = -1 + 2 * (Float(i) + 0.5) / Float(sweep)
            if kind == "sar" {
                let y = Self.convert(converters[0], [Float](repeating: v, count: instances))
                for j in 0..<instances where y[j] == 0 { width[j] += 1 }
            } else {
                for j in 0..<instances where Self.convert(converters[j], [v])[0] == 0 { width[j] += 1 }
            }
        }
        let dnl = width.map { Double($0) * 2 / Double(sweep) / Double(Self.q.step) - 1 }
        let expected = 0.03 * 63.0.squareRoot()
        let s = Summary(dnl)
        #expect(abs(s.std / expected - 1) <= 0.08, "\(kind): σ(DNL) \(s.std) vs \(expected)")
    }

    /// On a tile, the converters are drawn when the chip is made: two evaluation times of
    /// one programming read through the same converters (ideal devices: identical
    /// outputs), another programming through other ones; with no mismatch the SAR tile
    /// equals the uniform one.
    @Test func tileConvertersAreFixedPerProgramming() throws {
        var spec = HardwareSpec.ideal
        spec.tileRows = 32
        spec.tileColumns = 16
        spec.dac = try Quantizer(bits: 7, range: 1)
        spec.adc = try Quantizer(bits: 6, range: 4)
        spec.adcCircuit = .sar
        spec.adcCircuitParameters = ADCCircuitParameters(capacitorMismatch: 0.2, comparatorOffset: 1, channelsPerConverter: 4)
        var g = Xoshiro256(seed: 5)
        let w = Matrix(rows: 16, columns: 32, values: (0..<512).map { _ in g.nextUniform() - 0.5 })
        let x = Matrix(rows: 40, columns: 32, values: (0..<1280).map { _ in g.nextUniform() - 0.5 })
        func read(_ s: HardwareSpec, seed: UInt64, t: Double) throws -> Matrix {
            var rng = Xoshiro256(seed: 1)
            var stats = ConversionStats()
            return try AnalogMatrix(weights: w, spec: s).program(seed: seed).readout(tInference: t).forward(x, rng: &rng, stats: &stats)
        }
        #expect(try read(spec, seed: 3, t: 0) == read(spec, seed: 3, t: 1e6))
        #expect(try read(spec, seed: 3, t: 0) != read(spec, seed: 4, t: 0))
        var plain = spec
        plain.adcCircuitParameters = ADCCircuitParameters(channelsPerConverter: 4)
        var uniform = spec
        uniform.adcCircuit = .uniform
        #expect(try read(plain, seed: 3, t: 0) == read(uniform, seed: 3, t: 0))
        // A calibrated range policy is rejected: the circuit's levels are fixed.
        var calibrated = spec
        calibrated.adcRangePolicy = .calibrated
        #expect(throws: CrossbarError.self) { try calibrated.validate() }
    }
}

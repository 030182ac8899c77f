import Crossbar
import NumericKernels
import TestSupport
import Testing

/// `array_precision`: which tiles run the integer array stage, the errors for a setting that
/// cannot apply, and the integer stage against the float one through every mapping: within
/// the 16-bit weights' resolution.
@Suite("Array precision")
struct ArrayPrecisionTests {
    @Test("auto runs integers for quantising DACs of ≤ 16 bits with ohmic cells and parallel inputs, float elsewhere")
    func policy() throws {
        let seven = Stage.spec { $0.dac = try! Quantizer(bits: 7, range: 1) }
        #expect(seven.integerArrayLevels(rows: 512) == 63)
        #expect(Stage.spec().integerArrayLevels(rows: 512) == nil)  // ideal DAC
        var other = seven
        other.arrayPrecision = .float32
        #expect(other.integerArrayLevels(rows: 512) == nil)
        other = seven
        other.dacBitSerial = true
        #expect(other.integerArrayLevels(rows: 512) == nil)
        other = seven
        other.ivNonlinearity = 2
        #expect(other.integerArrayLevels(rows: 512) == nil)
        // rows × largest level above 65538: the sums could leave int32.
        let wide = Stage.spec { $0.dac = try! Quantizer(bits: 10, range: 1) }
        #expect(wide.integerArrayLevels(rows: 128) == 511)
        #expect(wide.integerArrayLevels(rows: 129) == nil)
        // The readout packs the integers only where they are used.
        let w = Stage.uniform(20, 30, seed: 1)
        #expect(try AnalogMatrix(weights: w, spec: seven).program(seed: 1).readout(tInference: 0).tiles.allSatisfy { $0.fixed != nil })
        #expect(try AnalogMatrix(weights: w, spec: Stage.spec()).program(seed: 1).readout(tInference: 0).tiles.allSatisfy { $0.fixed == nil })
    }

    @Test("int16 where it cannot apply is an error naming the reason", arguments: ["ideal DAC", "bit-serial", "sinh cells", "too many rows"])
    func int16Refused(reason: String) throws {
        var spec = Stage.spec { $0.dac = try! Quantizer(bits: 7, range: 1) }
        spec.arrayPrecision = .int16
        try spec.validate()
        switch reason {
        case "ideal DAC": spec.dac = .ideal
        case "bit-serial": spec.dacBitSerial = true
        case "sinh cells": spec.ivNonlinearity = 1
        default: spec.tileRows = 2048
        }
        #expect(throws: CrossbarError.self) { try spec.validate() }
        spec.arrayPrecision = .auto
        try spec.validate()
    }

    /// With an ideal ADC and no noise the two stages differ only by the weights' 16-bit
    /// representation: per output at most Σ_i |x_i| · max_i |w_ji| / 65534 per slice, times
    /// 2 for offset mappings (whose stored values reach twice max |w|), plus float rounding.
    @Test("the integer stage within the weights' resolution of the float stage, every mapping", arguments: Stage.mappingNames)
    func closeToFloat(mapping: String) throws {
        let w = Stage.uniform(70, 600, seed: 4), x = Stage.uniform(40, 600, seed: 5)
        var spec = Stage.spec(rows: 256, columns: 64) { $0.dac = try! Quantizer(bits: 7, range: 1) }
        Stage.mapping(mapping)(&spec)
        var float = spec
        float.arrayPrecision = .float32
        let a = try Stage.run(w, x, spec), b = try Stage.run(w, x, float)
        let e = Stage.exact(x, w)
        let factor = Double(spec.slicing.slices) * (spec.mapping == .offset ? 2 : 1)
        var worst = 0.0
        for bIndex in 0..<x.rows {
            let l1 = (0..<x.columns).reduce(0.0) { $0 + abs(Double(x[bIndex, $1])) }
            for j in 0..<w.rows {
                let largest = (0..<w.columns).reduce(0.0) { max($0, abs(Double(w[j, $1]))) }
                let k = bIndex * w.rows + j
                let bound = factor * l1 * largest / 65534 + 1e-6 * e.scale[k]
                let d = abs(Double(a.y.values[k]) - Double(b.y.values[k]))
                #expect(d <= bound, "\(mapping): output \(k)")
                worst = max(worst, d / bound)
            }
        }
        #expect(worst > 0.001, "\(mapping): the stages should differ somewhere")
        #expect(a.stats.dacClipped == b.stats.dacClipped)
    }
}

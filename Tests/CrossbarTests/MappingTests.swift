import Crossbar
import NumericKernels
import TestSupport
import Testing

/// Mappings (PHYSICS.md §1): differential pair, offset with a reference column or digital
/// subtraction, several pairs per weight and bit slicing. On ideal hardware every mapping
/// gives x·Wᵀ: within 1e-5 · max|W| · Σ|x| (float rounding of conductances and of the
/// offset subtraction) plus, for bit slicing with B = slices × slice_bits bits, the weight
/// quantisation ½·(w_max − w_min)/(2^B − 1) · Σ|x|.
@Suite("Mappings")
struct MappingTests {
    static func quantisationBound(_ spec: HardwareSpec, range: Float) -> Double {
        guard spec.slicing.bits > 0 else { return 0 }
        let b = spec.slicing.slices * spec.slicing.bits
        return 0.5 * Double(range) / Double((1 << b) - 1)
    }

    @Test("ideal hardware: every mapping gives x·Wᵀ", arguments: Stage.mappingNames, WeightScaling.allCases)
    func idealEveryMapping(name: String, scaling: WeightScaling) throws {
        for units in OutputUnits.allCases {
            let spec = Stage.spec(rows: 40, columns: 24) {
                Stage.mapping(name)(&$0)
                $0.weightScaling = scaling
                $0.outputUnits = units
                $0.conductanceRange = ConductanceRange(gMax: 25e-6, gMin: 2e-6)
            }
            let w = Stage.uniform(30, 70, seed: 21, -0.4, 0.7)
            let x = Stage.uniform(6, 70, seed: 22)
            if spec.mapping == .offset && spec.offsetReference == .column && scaling == .column {
                #expect(throws: CrossbarError.self) { try AnalogMatrix(weights: w, spec: spec) }
                continue
            }
            let (y, stats) = try Stage.run(w, x, spec)
            #expect(y.shape == [6, 30])
            let e = Stage.exact(x, w)
            let q = Self.quantisationBound(spec, range: 1.1)
            for b in 0..<6 {
                var sx = 0.0
                for i in 0..<70 { sx += abs(Double(x[b, i])) }
                for j in 0..<30 {
                    let d = abs(Double(y[b, j]) - e.value[b * 30 + j])
                    #expect(d <= (1e-5 * 0.7 + q) * sx, "\(name), \(scaling), \(units): |Δ| = \(d) at [\(b), \(j)]")
                }
            }
            #expect(stats.adcClipped == 0)
        }
    }

    @Test("every device of every pair, slice and reference column stays within [gMin, gMax]", arguments: Stage.mappingNames)
    func devicesInRange(name: String) throws {
        let gMin: Float = 3e-6, gMax: Float = 25e-6
        let spec = Stage.spec(rows: 33, columns: 17) {
            Stage.mapping(name)(&$0)
            $0.conductanceRange = ConductanceRange(gMax: gMax, gMin: gMin)
        }
        var w = Stage.uniform(40, 50, seed: 23, -2, 1)
        w[0, 0] = -2
        w[1, 1] = 0
        let m = try AnalogMatrix(weights: w, spec: spec)
        let p = m.program(seed: 1)
        for (t, pt) in zip(m.tiles, p.tiles) {
            for g in t.targetPlus + t.targetMinus + pt.gPlus + pt.gMinus {
                #expect(g >= gMin && g <= gMax, "\(name): device at \(g) S")
            }
        }
    }

    @Test("offset: a zero weight has zero effective weight", arguments: ["offset+reference_column", "offset+digital", "offset bit-sliced 4×6 + reference", "offset bit-sliced 2×12 digital"])
    func offsetZeroWeight(name: String) throws {
        let spec = Stage.spec(rows: 8, columns: 8) { Stage.mapping(name)(&$0); $0.conductanceRange = ConductanceRange(gMax: 25e-6, gMin: 0) }
        // Row 0 is all zeros among rows of mixed sign; its output must be 0 for any input.
        var w = Stage.uniform(4, 6, seed: 24, -0.3, 0.9)
        for i in 0..<6 { w[0, i] = 0 }
        let x = Stage.uniform(5, 6, seed: 25)
        let (y, _) = try Stage.run(w, x, spec)
        for b in 0..<5 { #expect(abs(y[b, 0]) <= 1e-6, "\(name): zero row gives \(y[b, 0])") }
    }

    @Test("slice digits reconstruct the quantised weight exactly and are monotonic", arguments: [(1, 4), (2, 4), (3, 8), (4, 6), (8, 3)])
    func sliceDigits(slices: Int, bits: Int) {
        let s = SliceSpec(slices: slices, bits: bits)
        let c = s.coefficients
        #expect(abs(c.reduce(0, +) - 1) <= 1e-6)
        let full = Double((1 << (slices * bits)) - 1)
        var last = -1.0
        for k in 0...1000 {
            let a = Float(k) / 1000
            let d = s.digits(a)
            let v = zip(c, d).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
            let exact = (Double(a) * full).rounded() / full
            #expect(abs(v - exact) <= 1e-6, "a = \(a): Σ c·d = \(v), expected \(exact)")
            #expect(v >= last)
            last = v
            #expect(d.allSatisfy { $0 >= 0 && $0 <= 1 })
        }
    }

    @Test("tiling honours the columns a mapping needs: ⌊(columns − references)/slices⌋ outputs per tile")
    func tilesPerMapping() throws {
        let w = Stage.uniform(30, 10, seed: 26)
        for (name, perTile) in [("differential_pair", 12), ("offset+reference_column", 11), ("offset+digital", 12), ("pair×3 equal", 4), ("offset bit-sliced 4×6 + reference", 2)] {
            let spec = Stage.spec(rows: 16, columns: 12) { Stage.mapping(name)(&$0) }
            let m = try AnalogMatrix(weights: w, spec: spec)
            #expect(m.tiles.count == (30 + perTile - 1) / perTile, "\(name)")
            #expect(m.tiles.allSatisfy { $0.channels + spec.referenceColumns <= 12 })
        }
    }

    @Test("offset with a reference column and per-column scaling is an error at build time")
    func referenceNeedsSharedZero() {
        let spec = Stage.spec { $0.mapping = .offset; $0.weightScaling = .column }
        #expect(throws: CrossbarError.self) { try AnalogMatrix(weights: Stage.uniform(3, 3, seed: 1), spec: spec) }
    }

    @Test("digital subtraction needs an ADC range that covers the offset; the reference column does not")
    func digitalOffsetUsesADCRange() throws {
        // Positive inputs and an 8-bit ADC over ±30: with a reference column the ADC sees Σ(G−G₀)x,
        // with digital subtraction it sees ΣG·x, which saturates for 64 inputs.
        let w = Stage.uniform(8, 64, seed: 27, -0.5, 0.5)
        let x = Stage.uniform(4, 64, seed: 28, 0.5, 1)
        func stats(_ ref: OffsetReference) throws -> ConversionStats {
            let spec = Stage.spec { $0.mapping = .offset; $0.offsetReference = ref; $0.adc = try! Quantizer(bits: 8, range: 30) }
            return try Stage.run(w, x, spec).stats
        }
        #expect(try stats(.column).adcClipped == 0)
        #expect(try stats(.digital).adcClipped == 4 * 8)
    }
}

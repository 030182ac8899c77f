import Crossbar
import NumericKernels
import TestSupport
import Testing

/// The cases that peer simulators got wrong (issue 3), each with the value worked out from
/// the definitions.
@Suite("Cases peer simulators got wrong")
struct PeerCaseTests {
    /// A 10-class linear problem on 512 inputs: labels are the digital argmax of W·x, so the
    /// digital accuracy is 1 by construction.
    static let classes = 10, inputs = 512, samples = 1000
    static let w = Stage.uniform(classes, inputs, seed: 51)
    static let x = Stage.uniform(samples, inputs, seed: 52)
    static let labels = Stage.argmax(BLAS.matmulTransposed(x, w))

    static func accuracy(_ y: Matrix) -> Double {
        Double(zip(Stage.argmax(y), labels).filter { $0 == $1 }.count) / Double(samples)
    }

    @Test("a 4-bit ADC ranged to the full-scale current of all rows zeroes every output: accuracy falls to the class-0 share; a calibrated range restores it")
    func fullScaleADCZeroesEverything() throws {
        // Full-scale current in normalised units: every input at 1 on every row, every weight
        // at max|W|: Σᵢ 1·1 = rows = 512. Step Δ = 2·512/14 = 73.1, while |W·x|/max|W|/max|x|
        // is of order √512 · 0.33 ≈ 7.5 (largest here < Δ/2): every conversion reads 0.
        let fullScale = Stage.spec { $0.adc = try! Quantizer(bits: 4, range: Float(Self.inputs)) }
        let (y0, s0) = try Stage.run(Self.w, Self.x, fullScale)
        #expect(y0.values.allSatisfy { $0 == 0 })
        // With every logit 0 the first class wins each argmax: accuracy = share of label 0.
        let share0 = Double(Self.labels.filter { $0 == 0 }.count) / Double(Self.samples)
        #expect(Self.accuracy(y0) == share0)
        #expect(share0 < 0.2)
        #expect(s0.adcConversions == Self.samples * Self.classes)
        #expect(s0.adcZeroedFraction == 1 && s0.adcClippedFraction == 0)

        // Calibrated from a held-out batch (other samples of the same distribution), 99.9th
        // percentile. By the definitions, a conversion of v zeroes iff |v| < Δ/2 = R/14 (4-bit
        // signed: 15 levels, Δ = 2R/14) and clips iff |v| > R, so the expected counts follow
        // from the pre-ADC values (W/max|W|)·(x/max|x|); ±3 conversions allow float ties.
        let calibrationBatch = Stage.uniform(256, Self.inputs, seed: 53)
        let m = Self.w.maxAbs
        var pre: [Float] = []
        for b in 0..<Self.samples {
            var s: Float = 0
            for i in 0..<Self.inputs { s = max(s, abs(Self.x[b, i])) }
            for j in 0..<Self.classes {
                var v: Double = 0
                for i in 0..<Self.inputs { v += Double(Self.w[j, i] / m) * Double(Self.x[b, i] / s) }
                pre.append(Float(v))
            }
        }
        for (bits, minimumAccuracy) in [(4, 0.75), (8, 0.97)] {
            for policy in [ADCRangePolicy.calibrated, .calibratedPerColumn] {
                var spec = fullScale
                spec.adc = try Quantizer(bits: bits, range: Float(Self.inputs))
                spec.adcRangePolicy = policy
                spec.adcCalibrationPercentile = 99.9
                let r = try AnalogMatrix(weights: Self.w, spec: spec).program(seed: 1).readout(tInference: 0)
                var rng = Xoshiro256(seed: 2)
                let c = try r.calibratingADC(calibrationBatch, rng: &rng)
                var stats = ConversionStats()
                let y = try c.forward(Self.x, rng: &rng, stats: &stats)
                let acc = Self.accuracy(y)
                #expect(acc >= minimumAccuracy, "\(bits) b, \(policy): accuracy \(acc)")
                let ranges = c.tiles[0].adcChannels.map(\.range)
                var zeroed = 0, clipped = 0
                for (k, v) in pre.enumerated() {
                    let q = c.tiles[0].adcChannels[k % Self.classes]
                    if abs(v) < q.step / 2 && v != 0 { zeroed += 1 }
                    if abs(v) > ranges[k % Self.classes] { clipped += 1 }
                }
                #expect(abs(stats.adcZeroed - zeroed) <= 3, "\(bits) b, \(policy): zeroed \(stats.adcZeroed) vs \(zeroed)")
                #expect(abs(stats.adcClipped - clipped) <= 3, "\(bits) b, \(policy): clipped \(stats.adcClipped) vs \(clipped)")
                #expect(stats.adcZeroedFraction < 1 && stats.adcClippedFraction < 0.01)
            }
        }
    }

    @Test("a batch never changes one sample's result: A alone and A beside a 100× larger sample, fixed-range converters", arguments: [OutputNoiseStreams.shared, .perRow])
    func batchIndependence(streams: OutputNoiseStreams) throws {
        let spec = Stage.spec(rows: 64, columns: 16) {
            $0.deviceKind = .pcm
            $0.dac = try! Quantizer(bits: 7, range: 1)
            $0.adc = try! Quantizer(bits: 9, range: 12)
            $0.boundManagement = true
            $0.outputNoiseStreams = streams
            // Every noise value has its own position: a first read of sample 0 draws the same
            // noise in a batch of 1 and of 2 with shared streams too (later planes and re-reads
            // of a sample depend on the batch size there; per-row streams never do).
            $0.outputNoise = 0.06
        }
        let w = Stage.uniform(40, 100, seed: 54)
        let a = Stage.uniform(1, 100, seed: 55)
        var big = Stage.uniform(1, 100, seed: 56)
        for i in 0..<100 { big[0, i] *= 100 }
        var pair = Matrix(rows: 2, columns: 100)
        for i in 0..<100 { pair[0, i] = a[0, i]; pair[1, i] = big[0, i] }
        let r = try AnalogMatrix(weights: w, spec: spec).program(seed: 7).readout(tInference: 3600)
        for comp in [DriftCompensation.none, .global, .column] {
            var s = ConversionStats()
            var rng = Xoshiro256(seed: 8)
            let alone = try r.forward(a, compensation: comp, rng: &rng, stats: &s)
            rng = Xoshiro256(seed: 8)
            let both = try r.forward(pair, compensation: comp, rng: &rng, stats: &s)
            #expect(Array(both.values[0..<40]) == alone.values, "\(streams), \(comp)")
        }
    }

    @Test("offset scheme: the row [−1, 0, 1] with inputs all 1 gives exactly 0", arguments: [OffsetReference.column, .digital])
    func offsetNegativeWeights(reference: OffsetReference) throws {
        let w = Matrix(rows: 1, columns: 3, values: [-1, 0, 1])
        let x = Matrix(rows: 1, columns: 3, values: [1, 1, 1])
        for units in OutputUnits.allCases {
            let spec = Stage.spec { $0.mapping = .offset; $0.offsetReference = reference; $0.outputUnits = units }
            let (y, _) = try Stage.run(w, x, spec)
            #expect(y.values == [0], "\(reference), \(units): \(y.values)")
        }
    }

    @Test("a kernel that cannot fit into one tile is an error when the layer is built")
    func kernelDoesNotFit() throws {
        let w = Stage.uniform(4, 4, seed: 57)
        // Bit slicing over 8 slices needs 8 columns per output; the tile has 4.
        #expect(throws: CrossbarError.self) { try AnalogMatrix(weights: w, spec: Stage.spec(rows: 4, columns: 4) { $0.slicing = SliceSpec(slices: 8, bits: 3) }) }
        // An offset mapping with a reference column needs 2 columns; the tile has 1.
        #expect(throws: CrossbarError.self) { try AnalogMatrix(weights: w, spec: Stage.spec(rows: 4, columns: 1) { $0.mapping = .offset }) }
        // A layer that may not be split and is larger than one tile.
        #expect(throws: CrossbarError.self) { try AnalogMatrix(weights: Stage.uniform(4, 5, seed: 1), spec: Stage.spec(rows: 4, columns: 4) { $0.splitLayers = false }) }
        #expect(throws: CrossbarError.self) { try AnalogMatrix(weights: Stage.uniform(4, 4, seed: 1), spec: Stage.spec(rows: 4, columns: 4) { $0.splitLayers = false; $0.slicing = SliceSpec(slices: 2) }) }
        // While one that fits builds, and the message names the sizes.
        _ = try AnalogMatrix(weights: w, spec: Stage.spec(rows: 4, columns: 4) { $0.splitLayers = false })
        do {
            _ = try AnalogMatrix(weights: w, spec: Stage.spec(rows: 4, columns: 4) { $0.slicing = SliceSpec(slices: 8, bits: 3) })
        } catch let e as CrossbarError {
            #expect(e.message.contains("tile.columns = 4") && e.message.contains("cannot fit"))
        }
    }

    @Test("zero input with abs-max scaling gives exactly 0 (no NaN) for every mapping and converter stage", arguments: Stage.mappingNames)
    func zeroInput(name: String) throws {
        let w = Stage.uniform(7, 9, seed: 58)
        let x = Matrix(rows: 3, columns: 9)
        for serial in [false, true] {
            var spec = Stage.spec(rows: 5, columns: 24) {
                Stage.mapping(name)(&$0)
                $0.dac = try! Quantizer(bits: 6, range: 1)
                $0.adc = try! Quantizer(bits: 8, range: 4)
                $0.outputNoise = 0.1
                $0.boundManagement = true
            }
            spec.dacBitSerial = serial
            for comp in DriftCompensation.allCases {
                let (y, stats) = try Stage.run(w, x, spec, t: 100, compensation: comp)
                #expect(y.values.allSatisfy { $0 == 0 && !$0.sign.rawValue.description.isEmpty }, "\(name) \(comp): \(y.values)")
                #expect(!y.values.contains { $0.isNaN })
                #expect(stats.adcConversions > 0)
            }
        }
    }

    @Test("a zero-size layer gives an empty output ([batch × 0]) or, with no inputs, the empty sum 0")
    func zeroSizeLayer() throws {
        for name in Stage.mappingNames {
            let spec = Stage.spec(rows: 8, columns: 8) { Stage.mapping(name)(&$0) }
            let (y0, _) = try Stage.run(Matrix(rows: 0, columns: 5), Stage.uniform(3, 5, seed: 1), spec)
            #expect(y0.shape == [3, 0])
            let (y1, _) = try Stage.run(Matrix(rows: 4, columns: 0), Matrix(rows: 3, columns: 0), spec)
            #expect(y1.shape == [3, 4] && y1.values.allSatisfy { $0 == 0 })
        }
    }

    /// Each option set on its own must change the MVM of the ideal hardware.
    static let options: [(String, @Sendable (inout HardwareSpec) -> Void)] = [
        ("stuck_at_g_max", { $0.faults.stuckAtGMax = 0.01 }),
        ("stuck_at_g_min", { $0.faults.stuckAtGMin = 0.01 }),
        ("g_max_spread", { $0.faults.gMaxSpread = 0.05 }),
        ("conductance_levels", { $0.faults.conductanceLevels = 16 }),
        ("dead_row_rate", { $0.faults.deadRowRate = 0.05 }),
        ("dead_column_rate", { $0.faults.deadColumnRate = 0.05 }),
        ("dead_rows", { $0.faults.deadRows = [1] }),
        ("dead_columns", { $0.faults.deadColumns = [1] }),
        ("slice_bits", { $0.slicing = SliceSpec(slices: 2, bits: 2) }),
        ("dac.bits", { $0.dac = try! Quantizer(bits: 4, range: 1) }),
        ("adc.bits", { $0.adc = try! Quantizer(bits: 5, range: 4) }),
        ("dac.bit_serial + adc", { $0.dac = try! Quantizer(bits: 6, range: 1); $0.adc = try! Quantizer(bits: 5, range: 4); $0.dacBitSerial = true }),
        ("output_noise per_row", { $0.outputNoise = 0.05; $0.outputNoiseStreams = .perRow }),
        ("device rram", { $0.deviceKind = .rram; $0.gMax = 40e-6 }),
        ("device pcm_hermes", { $0.deviceKind = .pcmHermes; $0.gMax = 20.7e-6 }),
    ]

    @Test("a fault or quantisation option that is set changes the result", arguments: options.map(\.0))
    func optionChangesResult(name: String) throws {
        let w = Stage.uniform(32, 64, seed: 59)
        let x = Stage.uniform(8, 64, seed: 60)
        let ideal = try Stage.run(w, x, Stage.spec(rows: 64, columns: 32)).y
        var spec = Stage.spec(rows: 64, columns: 32)
        Self.options.first { $0.0 == name }!.1(&spec)
        if name == "adc.bits" || name.hasPrefix("dac.bit_serial") {
            // Compare against the same converters without the option's quantisation.
        }
        let y = try Stage.run(w, x, spec, t: 3600).y
        var maxDiff: Float = 0
        for (a, b) in zip(y.values, ideal.values) { maxDiff = max(maxDiff, abs(a - b)) }
        #expect(maxDiff > 1e-4, "\(name) left the MVM unchanged (max |Δ| = \(maxDiff))")
    }

    @Test("bit-serial with a coarse ADC differs from the same converters read in parallel")
    func bitSerialIsNotSilentlyParallel() throws {
        let w = Stage.uniform(32, 64, seed: 61)
        let x = Stage.uniform(8, 64, seed: 62)
        let base = Stage.spec { $0.dac = try! Quantizer(bits: 6, range: 1); $0.adc = try! Quantizer(bits: 5, range: 4) }
        var serial = base
        serial.dacBitSerial = true
        #expect(try Stage.run(w, x, base).y.values != Stage.run(w, x, serial).y.values)
    }

    @Test("a stage that fails raises: invalid options and a missing calibration never fall back to the ideal matrix")
    func failingStagesRaise() throws {
        let w = Stage.uniform(4, 4, seed: 63)
        for configure in [
            { (s: inout HardwareSpec) in s.dacBitSerial = true },  // bit-serial needs a quantising DAC
            { (s: inout HardwareSpec) in s.adcRangePolicy = .calibrated },  // calibration needs a quantising ADC
            { (s: inout HardwareSpec) in s.slicing = SliceSpec(slices: 4, bits: 8) },  // 32 bits > 24
            { (s: inout HardwareSpec) in s.deviceKind = .rram; s.deviceModel.rram?.relaxationTimes = [10] },  // coefficient count mismatch
            { (s: inout HardwareSpec) in s.deviceKind = .pcmHermes; s.deviceModel.pcmHermes?.driftMean.logBranch = [0.1, 0, 0] },
        ] {
            var s = Stage.spec(configure)
            s.adc = s.adcRangePolicy == .fixed ? s.adc : .ideal
            #expect(throws: CrossbarError.self) { try AnalogMatrix(weights: w, spec: s) }
        }
    }
}

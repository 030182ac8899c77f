import Crossbar
import Foundation
import NumericKernels
import TestSupport
import Testing

/// Tests of `AnalogMatrix` → `ProgrammedMatrix` → `AnalogReadout`: exactness on ideal
/// hardware, tiling, the differential-pair mapping, input validation, seeding, drift
/// compensation, the converter path with bound management, and output noise
/// (PHYSICS.md §1, §2, §4).
///
/// "Relative 1e-5 of the output scale" means |y − y_exact| ≤ 1e-5 · Σᵢ|wⱼᵢ·xᵢ| for each
/// output: the scale of the float32 rounding of a dot product, which cancellation in the
/// sum cannot shrink. Statistical checks use a fixed seed and k = 5.
@Suite("Analog matrix")
struct AnalogMatrixTests {

    // MARK: - Helpers

    static let k = 5.0

    /// A `[rows × columns]` matrix of uniforms in [−amplitude, amplitude) from a fixed seed.
    static func random(_ rows: Int, _ columns: Int, seed: UInt64, amplitude: Float = 1) -> Matrix {
        var g = Xoshiro256(seed: seed)
        return Matrix(rows: rows, columns: columns, values: (0..<(rows * columns)).map { _ in amplitude * (2 * g.nextUniform() - 1) })
    }

    /// x·Wᵀ in Double and the per-element scale Σ|wⱼᵢ·xᵢ| (`TestSupport.exactMVM`).
    static func exact(_ x: Matrix, _ w: Matrix) -> (value: [Double], scale: [Double]) { exactMVM(x, w) }

    /// Largest |got − value| / scale (0/0 counts as 0; a non-zero output of zero scale as ∞).
    static func worstRelative(_ got: [Float], _ ref: (value: [Double], scale: [Double])) -> Double {
        var worst = 0.0
        for (g, (v, s)) in zip(got, zip(ref.value, ref.scale)) {
            let d = abs(Double(g) - v)
            worst = max(worst, s > 0 ? d / s : (d == 0 && !g.isNaN ? 0 : .infinity))
        }
        return worst
    }

    /// Programs `weights` on `spec`, reads out at `tInference` and runs `x` through.
    static func run(
        _ weights: Matrix, _ x: Matrix, spec: HardwareSpec, tInference: Double = 0, compensation: DriftCompensation = .none,
        programSeed: UInt64 = 1, noiseSeed: UInt64 = 2
    ) throws -> (y: Matrix, stats: ConversionStats) {
        let readout = try AnalogMatrix(weights: weights, spec: spec).program(seed: programSeed).readout(tInference: tInference)
        var rng = Xoshiro256(seed: noiseSeed)
        var stats = ConversionStats()
        let y = try readout.forward(x, compensation: compensation, rng: &rng, stats: &stats)
        return (y, stats)
    }

    /// Ideal hardware on `tileRows × tileColumns` tiles, then `configure`.
    static func spec(tileRows: Int, tileColumns: Int, _ configure: (inout HardwareSpec) -> Void = { _ in }) -> HardwareSpec {
        var s = HardwareSpec.ideal
        s.tileRows = tileRows
        s.tileColumns = tileColumns
        configure(&s)
        return s
    }

    /// A batch of inputs with mixed signs and magnitudes: rows of different abs-max, one
    /// all-negative row, one row with a single non-zero element and an all-zero row.
    static func inputs(_ batch: Int, _ width: Int, seed: UInt64) -> Matrix {
        var x = random(batch, width, seed: seed)
        for b in 0..<batch {
            let gain: Float = b % 4 == 0 ? 100 : (b % 4 == 1 ? 0.01 : 1 + Float(b))
            for i in 0..<width { x[b, i] *= gain }
        }
        if batch > 2 { for i in 0..<width { x[2, i] = -abs(x[2, i]) - 0.5 } }
        if batch > 3 {
            for i in 0..<width { x[3, i] = 0 }
            x[3, width / 2] = -3
        }
        if batch > 4 { for i in 0..<width { x[4, i] = 0 } }
        return x
    }

    /// Weights with one all-zero output row (so a column whose max|w| is 0 is exercised).
    static func weights(_ outputs: Int, _ inputs: Int, seed: UInt64) -> Matrix {
        var w = random(outputs, inputs, seed: seed, amplitude: 0.3)
        if outputs > 1 { for i in 0..<inputs { w[outputs - 1, i] = 0 } }
        return w
    }

    /// (outputs, inputs, tileRows, tileColumns): tiles that divide the shape and tiles that do not.
    static let geometries: [(Int, Int, Int, Int)] = [
        (37, 53, 16, 10),  // 4 × 4 tiles, ragged edges on both axes
        (256, 784, 512, 512),  // an MNIST layer 784 → 256: 2 × 1 tiles, 784 = 512 + 272
        (784, 256, 512, 512),  // and its transpose 256 → 784: 1 × 2 tiles
        (1, 1, 1, 1),
        (1, 1, 512, 512),
        (20, 30, 10, 5),  // tiles divide exactly: 3 × 4
        (3, 100, 7, 1),  // one output per tile
    ]

    // MARK: - Ideal hardware

    @Test(
        "ideal hardware equals x·Wᵀ within relative 1e-5, for every weight scaling and output unit",
        arguments: WeightScaling.allCases, OutputUnits.allCases)
    func idealEqualsMatmul(scaling: WeightScaling, units: OutputUnits) throws {
        for (outputs, inputs, rows, columns) in Self.geometries {
            for inputScaling in InputScaling.allCases {
                let spec = Self.spec(tileRows: rows, tileColumns: columns) {
                    $0.weightScaling = scaling
                    $0.outputUnits = units
                    $0.inputScaling = inputScaling
                }
                let w = Self.weights(outputs, inputs, seed: 10)
                let x = Self.inputs(9, inputs, seed: 11)
                let (y, stats) = try Self.run(w, x, spec: spec)
                #expect(y.shape == [9, outputs])
                let worst = Self.worstRelative(y.values, Self.exact(x, w))
                #expect(
                    worst <= 1e-5,
                    "W \(outputs)×\(inputs) on \(rows)×\(columns) tiles, \(scaling), \(units), \(inputScaling): worst relative error \(worst)")
                // And directly against BLAS.matmulTransposed(x, W), on the same scale.
                let blas = BLAS.matmulTransposed(x, w)
                let againstBLAS = Self.worstRelative(y.values, (blas.values.map { Double($0) }, Self.exact(x, w).scale))
                #expect(againstBLAS <= 1e-5, "against BLAS: worst relative difference \(againstBLAS)")
                #expect(stats.adcClipped == 0 && stats.dacClipped == 0)
            }
        }
    }

    @Test("effective weights of an ideal readout reproduce W (relative 1e-6 of max|W|)", arguments: WeightScaling.allCases)
    func effectiveWeights(scaling: WeightScaling) throws {
        let w = Self.weights(37, 53, seed: 12)
        let spec = Self.spec(tileRows: 16, tileColumns: 10) { $0.weightScaling = scaling }
        let eff = try AnalogMatrix(weights: w, spec: spec).program(seed: 1).readout(tInference: 0).effectiveWeights
        #expect(eff.shape == w.shape)
        let worst = zip(eff.values, w.values).map { abs($0 - $1) }.max() ?? 0
        #expect(worst <= 1e-6 * w.maxAbs)
    }

    @Test("a layer split over 7 × 5 tiles equals the same layer on one tile (relative 1e-5)", arguments: WeightScaling.allCases)
    func splitEqualsUnsplit(scaling: WeightScaling) throws {
        let w = Self.weights(23, 31, seed: 13)
        let x = Self.inputs(6, 31, seed: 14)
        let split = try Self.run(w, x, spec: Self.spec(tileRows: 7, tileColumns: 5) { $0.weightScaling = scaling }).y
        let whole = try Self.run(w, x, spec: Self.spec(tileRows: 64, tileColumns: 64) { $0.weightScaling = scaling }).y
        let scale = Self.exact(x, w).scale
        let worst = Self.worstRelative(split.values, (whole.values.map { Double($0) }, scale))
        #expect(worst <= 1e-5)
    }

    // MARK: - Tiling and mapping

    @Test("tile grid: ceil(in/rows)·ceil(out/cols) tiles, each (input, output) on exactly one tile", arguments: geometries)
    func tileGrid(geometry: (Int, Int, Int, Int)) throws {
        let (outputs, inputs, rows, columns) = geometry
        let m = try AnalogMatrix(weights: Self.weights(outputs, inputs, seed: 15), spec: Self.spec(tileRows: rows, tileColumns: columns))
        let rowBlocks = (inputs + rows - 1) / rows, columnBlocks = (outputs + columns - 1) / columns
        #expect(m.tiles.count == rowBlocks * columnBlocks)
        #expect(m.inputs == inputs && m.outputs == outputs)
        var cover = [Int](repeating: 0, count: inputs * outputs)
        for (index, t) in m.tiles.enumerated() {
            #expect(t.rows >= 1 && t.rows <= rows)
            #expect(t.columns >= 1 && t.columns <= columns)
            // Row-block-major order: tile (i, j) at i·columnBlocks + j.
            #expect(t.rowRange.lowerBound == (index / columnBlocks) * rows)
            #expect(t.columnRange.lowerBound == (index % columnBlocks) * columns)
            #expect(t.targetPlus.count == t.rows * t.columns)
            #expect(t.targetMinus.count == t.rows * t.columns)
            #expect(t.outputUnitFactor.count == t.columns && t.digitalFactor.count == t.columns)
            for i in t.rowRange { for j in t.columnRange { cover[j * inputs + i] += 1 } }
        }
        #expect(cover.allSatisfy { $0 == 1 })
    }

    @Test(
        "differential pair: targets within [gMin, gMax], one device of each pair at gMin, (G⁺ − G⁻) ∝ w",
        arguments: WeightScaling.allCases, [0, 2e-6] as [Float])
    func differentialPair(scaling: WeightScaling, gMin: Float) throws {
        let w = Self.weights(37, 53, seed: 16)
        let spec = Self.spec(tileRows: 16, tileColumns: 10) {
            $0.weightScaling = scaling
            $0.gMin = gMin
        }
        let gMax = spec.gMax
        let m = try AnalogMatrix(weights: w, spec: spec)
        for t in m.tiles {
            var tileMax: Float = 0
            for j in 0..<t.columns {
                var columnMax: Float = 0
                for i in 0..<t.rows {
                    let p = t.targetPlus[j * t.rows + i], n = t.targetMinus[j * t.rows + i]
                    #expect(p >= gMin && p <= gMax)
                    #expect(n >= gMin && n <= gMax)
                    #expect(min(p, n) == gMin)
                    let weight = w[t.columnRange.lowerBound + j, t.rowRange.lowerBound + i]
                    if weight == 0 { #expect(p == gMin && n == gMin) }
                    if weight > 0 { #expect(p > gMin) }
                    if weight < 0 { #expect(n > gMin) }
                    // (G⁺ − G⁻) · unit · digital gives back the weight.
                    let back = (p - n) * t.outputUnitFactor[j] * t.digitalFactor[j]
                    #expect(abs(back - weight) <= 1e-6 * w.maxAbs)
                    columnMax = max(columnMax, max(p, n))
                }
                // Column scaling uses the full range on every non-zero column.
                if scaling == .column, columnMax > gMin { #expect(abs(columnMax - gMax) <= 1e-6 * gMax) }
                tileMax = max(tileMax, columnMax)
            }
            // Tile scaling maps each tile's largest |w| to gMax.
            if scaling == .tile { #expect(abs(tileMax - gMax) <= 1e-6 * gMax) }
        }
        // Layer scaling maps the layer's largest |w| to gMax on exactly the tiles holding it.
        if scaling == .layer {
            let top = m.tiles.map { t in zip(t.targetPlus, t.targetMinus).map { max($0, $1) }.max() ?? 0 }.max() ?? 0
            #expect(abs(top - gMax) <= 1e-6 * gMax)
        }
    }

    @Test("an all-zero weight matrix maps to gMin everywhere and gives exactly zero output")
    func zeroWeights() throws {
        let w = Matrix(rows: 5, columns: 7)
        let m = try AnalogMatrix(weights: w, spec: Self.spec(tileRows: 4, tileColumns: 4))
        for t in m.tiles { #expect(t.targetPlus.allSatisfy { $0 == 0 } && t.targetMinus.allSatisfy { $0 == 0 }) }
        let (y, _) = try Self.run(w, Self.random(3, 7, seed: 1), spec: Self.spec(tileRows: 4, tileColumns: 4))
        #expect(y.values.allSatisfy { $0 == 0 })
    }

    // MARK: - Input validation

    @Test("a zero input vector with abs-max scaling gives exactly 0, even with output noise and PCM noise")
    func zeroInput() throws {
        var spec = HardwareSpec()
        spec.tileRows = 16
        spec.tileColumns = 10
        spec.outputNoise = 0.5
        spec.dac = try Quantizer(bits: 7, range: 1)
        spec.adc = try Quantizer(bits: 9, range: 12)
        spec.inputScaling = .absMax
        let w = Self.weights(37, 53, seed: 17)
        var x = Self.random(4, 53, seed: 18)
        for i in 0..<53 { x[1, i] = 0 }
        let (y, stats) = try Self.run(w, x, spec: spec, tInference: 86_400, compensation: .global)
        for j in 0..<37 { #expect(y[1, j] == 0) }
        #expect(y.values.allSatisfy { $0.isFinite })
        #expect(stats.adcConversions == 4 * 37 * 4)
    }

    @Test("NaN or ±Inf in the input throws CrossbarError naming the position", arguments: [Float.nan, .infinity, -.infinity])
    func nonFiniteInput(bad: Float) throws {
        let readout = try AnalogMatrix(weights: Self.weights(6, 5, seed: 1), spec: .ideal).program(seed: 1).readout(tInference: 0)
        var x = Self.random(3, 5, seed: 2)
        x[1, 4] = bad
        var rng = Xoshiro256(seed: 1)
        var stats = ConversionStats()
        let error = #expect(throws: CrossbarError.self) { try readout.forward(x, rng: &rng, stats: &stats) }
        #expect(error?.message.contains("[1, 4]") == true)
        #expect(stats == ConversionStats())
    }

    @Test("an input of the wrong width throws CrossbarError with both shapes", arguments: [4, 6, 0])
    func wrongWidth(width: Int) throws {
        let readout = try AnalogMatrix(weights: Self.weights(6, 5, seed: 1), spec: .ideal).program(seed: 1).readout(tInference: 0)
        var rng = Xoshiro256(seed: 1)
        var stats = ConversionStats()
        let error = #expect(throws: CrossbarError.self) { try readout.forward(Matrix(rows: 2, columns: width), rng: &rng, stats: &stats) }
        #expect(error?.message.contains("[2, \(width)]") == true)
    }

    @Test("an empty batch gives an empty output")
    func emptyBatch() throws {
        let (y, stats) = try Self.run(Self.weights(6, 5, seed: 1), Matrix(rows: 0, columns: 5), spec: .ideal)
        #expect(y.shape == [0, 6])
        #expect(stats == ConversionStats())
    }

    @Test("non-finite weights and invalid hardware throw CrossbarError")
    func invalidConstruction() {
        var w = Self.weights(3, 3, seed: 1)
        w[2, 1] = .nan
        #expect(throws: CrossbarError.self) { try AnalogMatrix(weights: w, spec: .ideal) }
        let good = Self.weights(3, 3, seed: 1)
        let invalid: [(inout HardwareSpec) -> Void] = [
            { $0.tileRows = 0 }, { $0.tileColumns = 0 }, { $0.outputNoise = -0.1 }, { $0.outputNoise = .nan },
            { $0.gMax = 0 }, { $0.gMin = -1e-6 }, { $0.gMin = $0.gMax }, { $0.boundManagementMaxFactor = 0.5 },
        ]
        for change in invalid {
            var spec = HardwareSpec.ideal
            change(&spec)
            #expect(throws: CrossbarError.self) { try AnalogMatrix(weights: good, spec: spec) }
        }
    }

    // MARK: - Seeding

    /// PCM at t = 1 day with programming, read and output noise and aihwkit's converters.
    static func noisySpec() throws -> HardwareSpec {
        var spec = HardwareSpec()
        spec.tileRows = 32
        spec.tileColumns = 24
        spec.outputNoise = 0.06
        spec.dac = try Quantizer(bits: 7, range: 1)
        spec.adc = try Quantizer(bits: 9, range: 12)
        spec.boundManagement = true
        return spec
    }

    @Test("the same seeds give bit-identical outputs with every noise source on (PCM, t = 86 400 s)")
    func sameSeed() throws {
        let spec = try Self.noisySpec()
        let w = Self.weights(40, 50, seed: 20), x = Self.inputs(16, 50, seed: 21)
        for compensation in DriftCompensation.allCases {
            let a = try Self.run(w, x, spec: spec, tInference: 86_400, compensation: compensation, programSeed: 7, noiseSeed: 8)
            let b = try Self.run(w, x, spec: spec, tInference: 86_400, compensation: compensation, programSeed: 7, noiseSeed: 8)
            #expect(a.y == b.y)
            #expect(a.stats == b.stats)
        }
        // Reading out the same programmed state twice gives the same conductances.
        let programmed = try AnalogMatrix(weights: w, spec: spec).program(seed: 7)
        #expect(programmed.readout(tInference: 86_400).effectiveWeights == programmed.readout(tInference: 86_400).effectiveWeights)
    }

    @Test("different seeds give different outputs: RMS difference ≥ ½·√2·σ_out in normalised units")
    func differentSeed() throws {
        let spec = try Self.noisySpec()
        let w = Self.weights(40, 50, seed: 20)
        // Inputs of abs-max 1 on every tile, so a normalised output is the layer output / max|W|.
        var x = Self.random(64, 50, seed: 22)
        for b in 0..<64 { for i in stride(from: 0, to: 50, by: 32) { x[b, i] = 1 } }
        let a = try Self.run(w, x, spec: spec, tInference: 86_400, programSeed: 7, noiseSeed: 8).y
        let b = try Self.run(w, x, spec: spec, tInference: 86_400, programSeed: 9, noiseSeed: 10).y
        // Each of the two tiles of an output adds independent output noise of σ·max|W_tile|;
        // max|W_tile| ≥ 0.29 here, so the difference has σ ≥ √2·0.06·0.29 even before
        // programming and read noise. Require half of that.
        let tileMax = try AnalogMatrix(weights: w, spec: spec).tiles.map { $0.digitalFactor[0] }.min() ?? 0
        #expect(tileMax >= 0.29)
        let rms = (zip(a.values, b.values).map { Double($0 - $1) * Double($0 - $1) }.reduce(0, +) / Double(a.values.count)).squareRoot()
        #expect(rms >= 0.5 * 2.0.squareRoot() * 0.06 * Double(tileMax), "RMS difference \(rms)")
        // Different programming seeds program different conductances: σ_prog ≥ 0.2635 µS even at r = 0.
        let pa = try AnalogMatrix(weights: w, spec: spec).program(seed: 7).tiles[0].gPlus
        let pb = try AnalogMatrix(weights: w, spec: spec).program(seed: 9).tiles[0].gPlus
        let grms = (zip(pa, pb).map { Double($0 - $1) * Double($0 - $1) }.reduce(0, +) / Double(pa.count)).squareRoot()
        #expect(grms >= 0.5 * 0.2635e-6)
    }

    // MARK: - Drift compensation

    /// PCM whose every device has ν = 0.06 exactly and no programming or read noise;
    /// ideal converters and no output noise.
    static func uniformDriftSpec() -> HardwareSpec {
        var spec = HardwareSpec()
        spec.deviceKind = .pcm
        spec.tileRows = 16
        spec.tileColumns = 12
        spec.deviceModel.pcm?.programmingNoiseScale = 0
        spec.deviceModel.pcm?.readNoiseScale = 0
        spec.deviceModel.pcm?.driftStdCoefficients = [0, 0]
        spec.deviceModel.pcm?.driftStdClip = [0, 0]
        spec.deviceModel.pcm?.driftMeanClip = [0.06, 0.06]
        return spec
    }

    @Test("drift compensation restores a uniformly drifted layer (ν = 0.06, t = 1 year, relative 1e-5)")
    func driftCompensation() throws {
        let spec = Self.uniformDriftSpec()
        let w = Self.weights(30, 40, seed: 30), x = Self.inputs(8, 40, seed: 31)
        let programmed = try AnalogMatrix(weights: w, spec: spec).program(seed: 3)
        #expect(programmed.tiles.allSatisfy { $0.nuPlus.allSatisfy { $0 == 0.06 } && $0.nuMinus.allSatisfy { $0 == 0.06 } })
        let year = 365.25 * 86_400
        let factor = pow((year + 20) / 20, -0.06)
        let scale = Self.exact(x, w).scale

        func forward(_ t: Double, _ c: DriftCompensation) throws -> [Float] {
            var rng = Xoshiro256(seed: 1)
            var stats = ConversionStats()
            return try programmed.readout(tInference: t).forward(x, compensation: c, rng: &rng, stats: &stats).values
        }
        let fresh = try forward(0, .none)
        #expect(Self.worstRelative(fresh, Self.exact(x, w)) <= 1e-5)
        for c in DriftCompensation.allCases { #expect(try forward(0, c) == fresh) }

        let exactCompensated = try forward(year, .globalExact)
        let readoutCompensated = try forward(year, .global)
        let uncompensated = try forward(year, .none)
        let freshRef = (fresh.map { Double($0) }, scale)
        #expect(Self.worstRelative(exactCompensated, freshRef) <= 1e-5)
        #expect(Self.worstRelative(readoutCompensated, freshRef) <= 1e-5)
        #expect(Self.worstRelative(uncompensated, (fresh.map { Double($0) * factor }, scale)) <= 1e-5)

        let readout = programmed.readout(tInference: year)
        for t in readout.tiles {
            #expect(abs(Double(t.compensation.exact) * factor - 1) <= 1e-5)
            #expect(abs(Double(t.compensation.readout) * factor - 1) <= 1e-5)
        }
    }

    @Test("global compensation on realistic PCM brings the 1-day output back towards the exact product")
    func driftCompensationRealistic() throws {
        // Default PCM (programming noise, drift, read noise), ideal converters, one tile.
        var spec = HardwareSpec()
        spec.tileRows = 64
        spec.tileColumns = 64
        let w = Self.weights(64, 64, seed: 40), x = Self.random(64, 64, seed: 41)
        let ref = Self.exact(x, w).value
        let refRMS = (ref.map { $0 * $0 }.reduce(0, +) / Double(ref.count)).squareRoot()
        func relativeRMSError(_ t: Double, _ c: DriftCompensation) throws -> Double {
            let y = try Self.run(w, x, spec: spec, tInference: t, compensation: c).y
            let e = zip(y.values, ref).map { (Double($0) - $1) * (Double($0) - $1) }.reduce(0, +) / Double(ref.count)
            return e.squareRoot() / refRMS
        }
        // At t = 0 only programming and read noise remain: σ_prog ≈ 1 µS and σ_read ≈ 6 %
        // of a 25 µS device give ≈ 5 % weight noise, ≈ 8 % of the output RMS.
        let fresh = try relativeRMSError(0, .none)
        #expect(fresh <= 0.15)
        // After a day, ν ≈ 0.05…0.1 shrinks every output by 1 − 4321^(−ν) ≈ 35…55 %.
        let none = try relativeRMSError(86_400, .none)
        #expect(none >= 0.25)
        // Compensation removes the common factor; what is left is noise and the spread of ν.
        for c in [DriftCompensation.global, .globalExact] {
            let compensated = try relativeRMSError(86_400, c)
            #expect(compensated <= 0.5 * none, "\(c): relative RMS error \(compensated), uncompensated \(none)")
            #expect(compensated <= 2 * fresh, "\(c): relative RMS error \(compensated), at t = 0 \(fresh)")
        }
    }

    @Test("both devices of a pair get programming noise, including the one whose target is gMin (N ≈ 25 000, k = 5)")
    func bothDevicesNoisy() throws {
        var spec = HardwareSpec()
        spec.tileRows = 256
        spec.tileColumns = 100
        let w = Self.random(100, 256, seed: 42)
        let programmed = try AnalogMatrix(weights: w, spec: spec).program(seed: 5).tiles[0]
        // Devices targeted at gMin = 0 are programmed to max(0, σ_prog(0)·Z): above 0 with
        // probability ½, with mean σ_prog(0)/√(2π) = 0.1051 µS.
        var idle: [Float] = []
        for (index, target) in programmed.mapping.targetMinus.enumerated() where target == 0 { idle.append(programmed.gMinus[index]) }
        for (index, target) in programmed.mapping.targetPlus.enumerated() where target == 0 { idle.append(programmed.gPlus[index]) }
        let n = Double(idle.count)
        #expect(n >= 25_000)
        let positive = Double(idle.filter { $0 > 0 }.count) / n
        #expect(abs(positive - 0.5) <= Self.k * (0.25 / n).squareRoot())
        let sigma0 = 0.26348e-6
        let mean = idle.reduce(0.0) { $0 + Double($1) } / n
        // σ of max(0, σZ) is σ·√(½ − 1/(2π)) = 0.584·σ.
        #expect(abs(mean - sigma0 / (2 * Double.pi).squareRoot()) <= Self.k * 0.584 * sigma0 / n.squareRoot())
    }

    // MARK: - Converters

    /// A realistic random layer: 64 outputs × 128 inputs, one tile.
    static let layer = (w: random(64, 128, seed: 50), x: random(32, 128, seed: 51))

    @Test("a 4-bit ADC of range ±0.01 clips most conversions and says so; an ideal ADC clips none")
    func adcClipping() throws {
        var spec = Self.spec(tileRows: 512, tileColumns: 512)
        spec.adc = try Quantizer(bits: 4, range: 0.01)
        let clipped = try Self.run(Self.layer.w, Self.layer.x, spec: spec).stats
        #expect(clipped.adcConversions == 32 * 64)
        #expect(clipped.adcClippedFraction > 0.5)
        #expect(clipped.dacConversions == 32 * 128)
        #expect(clipped.dacClippedFraction == 0)

        spec.adc = .ideal
        let ideal = try Self.run(Self.layer.w, Self.layer.x, spec: spec).stats
        #expect(ideal.adcConversions == 32 * 64)
        #expect(ideal.adcClipped == 0)
        #expect(ideal.adcClippedFraction == 0)
    }

    @Test("the DAC clipped fraction is reported: inputs uniform on [−2, 2) without input scaling clip half the time")
    func dacClipping() throws {
        var spec = Self.spec(tileRows: 512, tileColumns: 512)
        spec.inputScaling = .none
        spec.dac = try Quantizer(bits: 7, range: 1)
        let x = Self.random(64, 128, seed: 52, amplitude: 2)
        let stats = try Self.run(Self.layer.w, x, spec: spec).stats
        let n = Double(stats.dacConversions)
        #expect(stats.dacConversions == 64 * 128)
        // P(|U(−2, 2)| > 1) = 1/2; σ of the fraction is √(1/4 / N).
        #expect(abs(stats.dacClippedFraction - 0.5) <= Self.k * (0.25 / n).squareRoot())
    }

    @Test("quantised converters stay within their derived error bound")
    func quantisationBound() throws {
        // 8-bit DAC over ±1 and 10-bit ADC over ±R with R above every normalised output:
        // per output, |y − y_exact| ≤ (Σᵢ|wᵢ|/max|W| · Δ_DAC/2 + Δ_ADC/2) · m · max|W|.
        let (w, x) = Self.layer
        var spec = Self.spec(tileRows: 512, tileColumns: 512)
        spec.dac = try Quantizer(bits: 8, range: 1)
        let range: Float = 64
        spec.adc = try Quantizer(bits: 10, range: range)
        let (y, stats) = try Self.run(w, x, spec: spec)
        #expect(stats.adcClipped == 0 && stats.dacClipped == 0)
        let ref = Self.exact(x, w)
        let wMax = Double(w.maxAbs)
        for b in 0..<x.rows {
            let m = Double((0..<x.columns).map { abs(x[b, $0]) }.max() ?? 0)
            for j in 0..<w.rows {
                let l1 = (0..<w.columns).reduce(0.0) { $0 + Double(abs(w[j, $1])) } / wMax
                let bound = (l1 * Double(spec.dac.step) / 2 + Double(spec.adc.step) / 2) * m * wMax + 1e-5 * ref.scale[b * w.rows + j]
                #expect(abs(Double(y[b, j]) - ref.value[b * w.rows + j]) <= bound)
            }
        }
    }

    @Test("bound management removes ADC saturation and the error it causes, within a derived bound")
    func boundManagement() throws {
        // One tile, tile scaling, normalised units, ideal DAC, 8-bit ADC over ±1.
        // Normalised outputs v = Σ (w/max|W|)·(x/m) have σ ≈ √(128/9) ≈ 3.8: most saturate.
        let (w, x) = Self.layer
        var spec = Self.spec(tileRows: 512, tileColumns: 512)
        let range: Float = 1
        spec.adc = try Quantizer(bits: 8, range: range)
        spec.boundManagementMaxFactor = 256  // |v| ≤ 128 always, so v/256 never clips

        spec.boundManagement = false
        let off = try Self.run(w, x, spec: spec)
        spec.boundManagement = true
        let on = try Self.run(w, x, spec: spec)

        #expect(off.stats.adcClippedFraction > 0.5)
        #expect(on.stats.adcClipped == 0)
        #expect(on.stats.boundManagementRetries > 0)
        #expect(on.stats.boundManagementRetries <= x.rows)
        #expect(on.stats.adcConversions == off.stats.adcConversions)

        // Derived bound. Sample b is retried with factor f = 1, 2, 4, … until no output
        // exceeds R, so f ≤ max(1, 2·max|v|/R), and then each output is off by at most
        // Δ_ADC/2 in normalised units: |y − y_exact| ≤ Δ/2 · f · m · max|W|.
        let ref = Self.exact(x, w)
        let wMax = Double(w.maxAbs)
        var errorOn = 0.0, errorOff = 0.0
        for b in 0..<x.rows {
            let m = Double((0..<x.columns).map { abs(x[b, $0]) }.max() ?? 0)
            let vMax = (0..<w.rows).map { abs(ref.value[b * w.rows + $0]) / (m * wMax) }.max() ?? 0
            let f = max(1, 2 * vMax / Double(range))
            for j in 0..<w.rows {
                let index = b * w.rows + j
                let bound = Double(spec.adc.step) / 2 * f * m * wMax * (1 + 1e-5) + 1e-5 * ref.scale[index]
                let e = abs(Double(on.y[b, j]) - ref.value[index])
                #expect(e <= bound, "sample \(b), output \(j): error \(e) > bound \(bound)")
                errorOn += e * e
                errorOff += (Double(off.y[b, j]) - ref.value[index]) * (Double(off.y[b, j]) - ref.value[index])
            }
        }
        // Saturation loses everything beyond R·m·max|W|: the error without bound
        // management is many times the bounded one.
        #expect(errorOn < 0.01 * errorOff, "squared errors: with \(errorOn), without \(errorOff)")
    }

    @Test("bound management stops at its maximum factor and reports the remaining clipping")
    func boundManagementLimit() throws {
        let (w, x) = Self.layer
        var spec = Self.spec(tileRows: 512, tileColumns: 512)
        spec.adc = try Quantizer(bits: 8, range: 0.01)
        spec.boundManagement = true
        spec.boundManagementMaxFactor = 4
        let limited = try Self.run(w, x, spec: spec)
        // |v|/4 > 0.01 for |v| > 0.04: still nearly every conversion clips.
        #expect(limited.stats.adcClippedFraction > 0.5)
        #expect(limited.y.values.allSatisfy { $0.isFinite })
        // Saturated outputs read ±R·f·m·max|W| with f = 4 at most.
        let wMax = w.maxAbs
        for b in 0..<x.rows {
            let m = (0..<x.columns).map { abs(x[b, $0]) }.max() ?? 0
            for j in 0..<w.rows { #expect(abs(limited.y[b, j]) <= 0.01 * 4 * m * wMax * (1 + 1e-5)) }
        }
    }

    // MARK: - Output noise

    @Test(
        "output noise on a zero input has σ·(digital factor) in layer units (N = 200 000, k = 5)",
        arguments: [(OutputUnits.normalized, Float(1)), (.normalized, 0.25), (.weight, 0.25)])
    func outputNoise(units: OutputUnits, wMax: Float) throws {
        let sigma: Float = 0.1
        var spec = Self.spec(tileRows: 512, tileColumns: 512)
        spec.inputScaling = .none
        spec.outputUnits = units
        spec.weightScaling = .tile
        spec.outputNoise = sigma
        var w = Self.random(10, 8, seed: 60)
        let scale = wMax / w.maxAbs
        w.values = w.values.map { $0 * scale }
        #expect(abs(w.maxAbs - wMax) <= 1e-6)
        // Normalised units: noise is in units of max|W| of the tile (digital factor max|W|);
        // weight units: noise is in the layer's own units (digital factor 1).
        let expected = Double(sigma) * (units == .normalized ? Double(wMax) : 1)

        let batch = 20_000
        let x = Matrix(rows: batch, columns: 8)
        let (y, stats) = try Self.run(w, x, spec: spec, noiseSeed: 61)
        let samples = y.values.map { Double($0) }
        let n = Double(samples.count)
        let mean = samples.reduce(0, +) / n
        let std = (samples.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / (n - 1)).squareRoot()
        #expect(abs(mean) <= Self.k * expected / n.squareRoot())
        #expect(abs(std - expected) <= Self.k * expected / (2 * n).squareRoot(), "σ = \(std), expected \(expected)")
        #expect(stats.adcClipped == 0)

        // Fresh noise on every MVM: two calls with one generator are uncorrelated.
        let readout = try AnalogMatrix(weights: w, spec: spec).program(seed: 1).readout(tInference: 0)
        var rng = Xoshiro256(seed: 62)
        var s = ConversionStats()
        let first = try readout.forward(x, rng: &rng, stats: &s).values
        let second = try readout.forward(x, rng: &rng, stats: &s).values
        let correlation = zip(first, second).map { Double($0) * Double($1) }.reduce(0, +) / (n * expected * expected)
        #expect(abs(correlation) <= Self.k / n.squareRoot())
    }
}

import Crossbar
import Energy
import Networks
import NumericKernels
import TestSupport
import Testing

/// A model whose only non-zero constants are the cell read (V_read, t_int) and a tiny ADC,
/// so that sums of counts can be checked by hand.
func cellOnlyModel(voltage: Double = 0.2, time: Double = 10e-9) -> AnalogEnergyModel {
    var m = AnalogEnergyModel()
    m.name = "test"
    m.readVoltage = voltage
    m.supplyVoltage = voltage
    m.integrationTime = time
    m.inputEncoding = .amplitude
    m.adc = .walden(fom: 1e-15)
    m.adcConversionTime = 1e-9
    return m
}

/// Ideal device (no noise or drift) with gMax = 10 µS, ideal DAC, 8-bit ADC, no input scaling:
/// G⁺ and G⁻ are exactly the targets.
func idealSpec(gMax: Float = 10e-6, rows: Int = 2, columns: Int = 2) -> HardwareSpec {
    var s = HardwareSpec.ideal
    s.conductanceRange = ConductanceRange(gMax: gMax, gMin: 0)
    s.tileRows = rows
    s.tileColumns = columns
    s.inputScaling = .none
    s.adc = try! Quantizer(bits: 8, range: 12)  // the energy model needs an ADC resolution
    return s
}

/// Runs `x` through `w` on `spec` and returns the counts.
func counts(_ w: Matrix, _ x: Matrix, _ spec: HardwareSpec, seed: UInt64 = 1) throws -> (ConversionStats, Int) {
    let m = try AnalogMatrix(weights: w, spec: spec)
    let r = m.program(seed: seed).readout(tInference: 0)
    var rng = Xoshiro256(seed: seed)
    var st = ConversionStats()
    _ = try r.forward(x, compensation: .none, rng: &rng, stats: &st)
    return (st, m.tiles.count)
}

struct AnalogEnergyTests {
    /// 2 × 2 array, every device at G = 10 µS (a weight of +1 puts G⁺ = gMax, −1 puts G⁻ =
    /// gMax; gMin = 0 leaves the partner at 0), inputs 1 on both rows at V = 0.2 V for 10 ns:
    /// 4 devices × V²·G·t = 4 × 0.04 · 10e-6 · 10e-9 = 16 fJ, counted once (relative 1e-6).
    @Test func twoByTwoArrayHasSixteenFemtojoulesOfCellEnergy() throws {
        // Differential pair: each weight of magnitude 1 (= max|w|) puts one device at gMax =
        // 10 µS and its partner at gMin = 0, so the 2 × 2 array holds 4 conducting devices.
        let w = Matrix(rows: 2, columns: 2, values: [1, -1, -1, 1])
        let x = Matrix(rows: 1, columns: 2, values: [1, 1])
        let (st, tiles) = try counts(w, x, idealSpec())
        let e = try AnalogEnergyEstimate.estimate(
            model: cellOnlyModel(), spec: idealSpec(), layers: [LayerGeometry(inputs: 2, outputs: 2, tiles: tiles)], stats: [st])
        #expect(abs(e.breakdown.array - 16e-15) / 16e-15 < 1e-6, "\(e.breakdown.array) J")
        #expect(st.operations.activeInputs == 2 && st.operations.activeCells == 2 * 2 * 2)
        #expect(st.operations.tileReads == 1 && st.operations.inputVectors == 1)
    }

    /// A zero input vector drives no current: zero cell energy, zero active cells, while the
    /// ADC still converts every column.
    @Test func zeroInputGivesZeroCellEnergy() throws {
        var rng = Xoshiro256(seed: 3)
        let w = Matrix(rows: 5, columns: 7, values: rng.gaussians(35))
        let x = Matrix(rows: 4, columns: 7)
        var spec = idealSpec(rows: 4, columns: 3)
        spec.inputScaling = .absMax
        let (st, tiles) = try counts(w, x, spec)
        let e = try AnalogEnergyEstimate.estimate(
            model: cellOnlyModel(), spec: spec, layers: [LayerGeometry(inputs: 7, outputs: 5, tiles: tiles)], stats: [st])
        #expect(e.breakdown.array == 0)
        #expect(st.operations.activeInputs == 0 && st.operations.activeCells == 0 && st.operations.squaredInputConductance == 0)
        #expect(st.operations.adcConversionsAll == 4 * 5 * 2)  // 4 vectors × 5 outputs × 2 row blocks
        #expect(e.breakdown.adc > 0)
    }

    /// n columns per ADC: the same conversions and energy, n × the conversion time per read
    /// (when conversion, not integration, sets the pace).
    @Test(arguments: [2, 4, 8])
    func sharingAnADCKeepsEnergyAndMultipliesLatency(n: Int) throws {
        var rng = Xoshiro256(seed: 4)
        let w = Matrix(rows: 8, columns: 8, values: rng.gaussians(64))
        let x = Matrix(rows: 3, columns: 8, values: rng.gaussians(24))
        var spec = idealSpec(rows: 8, columns: 8)
        spec.adc = try Quantizer(bits: 8, range: 12)
        let (st, tiles) = try counts(w, x, spec)
        var one = cellOnlyModel(time: 1e-12)  // integration far shorter than a conversion
        one.digitalTimePerLayer = 0
        var shared = one
        shared.columnsPerADC = n
        let g = [LayerGeometry(inputs: 8, outputs: 8, tiles: tiles)]
        let a = try AnalogEnergyEstimate.estimate(model: one, spec: spec, layers: g, stats: [st])
        let b = try AnalogEnergyEstimate.estimate(model: shared, spec: spec, layers: g, stats: [st])
        #expect(a.joulesPerInference == b.joulesPerInference)
        #expect(a.breakdown.adc == b.breakdown.adc)
        #expect(abs(b.latencyS - Double(n) * a.latencyS) <= 1e-12 * b.latencyS)
    }

    /// Repeated runs of the same configuration give bit-identical counts and energy.
    @Test func repeatedRunsGiveIdenticalEnergy() throws {
        var rng = Xoshiro256(seed: 5)
        let w = Matrix(rows: 30, columns: 50, values: rng.gaussians(1500))
        let x = Matrix(rows: 20, columns: 50, values: rng.gaussians(1000))
        var spec = HardwareSpec()  // PCM with noise and drift
        spec.tileRows = 16
        spec.tileColumns = 16
        spec.dac = try Quantizer(bits: 7, range: 1)
        spec.adc = try Quantizer(bits: 9, range: 12)
        spec.outputNoise = 0.06
        spec.boundManagement = true
        let g = [LayerGeometry(inputs: 50, outputs: 30, tiles: 4 * 2)]
        let (s1, _) = try counts(w, x, spec, seed: 9)
        let (s2, _) = try counts(w, x, spec, seed: 9)
        #expect(s1 == s2)
        let e1 = try AnalogEnergyEstimate.estimate(model: cellOnlyModel(), spec: spec, layers: g, stats: [s1])
        let e2 = try AnalogEnergyEstimate.estimate(model: cellOnlyModel(), spec: spec, layers: g, stats: [s2])
        #expect(e1 == e2)
        #expect(e1.breakdown.array > 0)
    }

    /// Counting changes no output: the MVM with counts equals the MVM of a readout without
    /// row conductances (which counts nothing data-dependent), bit for bit.
    @Test func countingLeavesOutputsBitIdentical() throws {
        var rng = Xoshiro256(seed: 6)
        let w = Matrix(rows: 12, columns: 20, values: rng.gaussians(240))
        let x = Matrix(rows: 9, columns: 20, values: rng.gaussians(180))
        var spec = HardwareSpec()
        spec.tileRows = 8
        spec.tileColumns = 8
        spec.dac = try Quantizer(bits: 7, range: 1)
        spec.adc = try Quantizer(bits: 8, range: 12)
        spec.outputNoise = 0.06
        let r = try AnalogMatrix(weights: w, spec: spec).program(seed: 2).readout(tInference: 100)
        var a = Xoshiro256(seed: 8), b = Xoshiro256(seed: 8)
        var sa = ConversionStats(), sb = ConversionStats()
        let ya = try r.forward(x, compensation: .none, rng: &a, stats: &sa)
        let yb = try r.forward(x, compensation: .none, rng: &b, stats: &sb)
        #expect(ya == yb && a.next() == b.next())
        #expect(r.tiles.allSatisfy { $0.rowConductance.count == $0.mapping.rows })
    }

    /// The MAC count of a known network is exact: 784·256 + 256·128 + 128·10 = 234 752, so
    /// 469 504 operations per inference; tiles of 512 × 512 hold it in 2 + 1 + 1 tiles.
    @Test func macCountOfAKnownNetworkIsExact() throws {
        let model = try Architectures.mlp(features: 784, hidden: [256, 128], classes: 10).build(arrays: nil, seed: 1)
        var spec = idealSpec(rows: 512, columns: 512)
        spec.adc = try Quantizer(bits: 8, range: 12)
        let net = try AnalogSequentialNetwork(network: model, spec: spec)
        let readout = net.program(seed: 1).readout(tInference: 0)
        var rng = Xoshiro256(seed: 1)
        var stats: [ConversionStats] = []
        var xr = Xoshiro256(seed: 2)
        let x = Matrix(rows: 3, columns: 784, values: (0..<(3 * 784)).map { _ in xr.nextUniform() })
        _ = try readout.forward(x, compensation: .none, rng: &rng, stats: &stats)
        let g = net.units.map { LayerGeometry(inputs: $0.inputs, outputs: $0.outputs, tiles: $0.tileCount) }
        let e = try AnalogEnergyEstimate.estimate(model: cellOnlyModel(), spec: spec, layers: g, stats: stats)
        #expect(model.macsPerInference == 234_752)
        #expect(e.opsPerInference == 469_504)
        #expect(g.map(\.tiles) == [2, 1, 1])
        // Exact converter counts per inference: DAC = Σ inputs × column blocks, ADC = Σ outputs × row blocks.
        #expect(e.layers.map(\.dacConversions) == [784, 256, 128])
        #expect(e.layers.map(\.adcConversions) == [256 * 2, 128, 10])
        #expect(stats.map(\.operations.biasAdds) == [3 * 256, 3 * 128, 3 * 10] && stats.map(\.operations.activations) == [3 * 256, 3 * 128, 0])
    }

    /// Pulse-width and bit-serial encodings: hand-computed supply energy of one device with
    /// the supply at V_read. Weight +1 on a 1 × 1 tile (G⁺ = 10 µS, G⁻ = 0), 4-bit signed DAC
    /// over ±1 (step 2/14), input 5/7 → level 5 = 0b101: amplitude V·(V·5/7)·G·t (the rail
    /// supplies the cell current, the driver drops the rest), pulse width V²·G·t·5/7, bit
    /// serial V²·G·t·2 (two 1 bits). Relative tolerance 1e-6 (Float levels).
    @Test func encodingsHaveTheirHandComputedCellEnergy() throws {
        var spec = idealSpec(rows: 1, columns: 1)
        spec.dac = try Quantizer(bits: 4, range: 1)
        spec.adc = try Quantizer(bits: 8, range: 12)
        let (st, _) = try counts(Matrix(rows: 1, columns: 1, values: [1]), Matrix(rows: 1, columns: 1, values: [5.0 / 7.0]), spec)
        let base = 0.04 * 10e-6 * 10e-9
        let expected: [(InputEncoding, Double)] = [(.amplitude, base * 5 / 7), (.pulseWidth, base * 5 / 7), (.bitSerial, base * 2)]
        for (enc, want) in expected {
            var m = cellOnlyModel()
            m.inputEncoding = enc
            let e = try AnalogEnergyEstimate.estimate(model: m, spec: spec, layers: [LayerGeometry(inputs: 1, outputs: 1, tiles: 1)], stats: [st])
            #expect(abs(e.breakdown.array - want) / want < 1e-6, "\(enc): \(e.breakdown.array) J, expected \(want)")
        }
    }

    /// Walden FoM and table interpolation, exact where exact.
    @Test func adcEnergyByBits() throws {
        #expect(try ADCEnergyModel.walden(fom: 2e-15).energy(bits: 8) == 512e-15)
        let t = ADCEnergyModel.table(bits: [4, 6, 8, 10], joules: [0.79e-12, 1.20e-12, 1.67e-12, 2.38e-12])
        #expect(try t.energy(bits: 8) == 1.67e-12)
        #expect(abs(try t.energy(bits: 9) - (1.67e-12 * 2.38e-12).squareRoot()) < 1e-24)
        #expect(throws: EnergyError.self) { _ = try t.energy(bits: 12) }
        #expect(throws: EnergyError.self) { _ = try t.energy(bits: 0) }
    }
}

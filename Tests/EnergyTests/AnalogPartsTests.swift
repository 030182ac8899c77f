import Crossbar
import Energy
import Networks
import NumericKernels
import TestSupport
import Testing

/// The parts of the analogue model (ADC architectures, derived timing, front-end, static
/// power and leakage, read phases, bit-line supply, interconnect, area, bands, calibration)
/// against closed forms.
struct AnalogPartsTests {
    /// SAR (N + 1)·t·(a·N + b), ramp/CCO P·2^N·t_LSB, flash (2^N − 1)·E_cmp, each with its
    /// derived conversion time; relative 1e-12.
    @Test func adcArchitecturesHaveTheirClosedForms() throws {
        let sar = ADCEnergyModel.sar(powerPerBit: 0.538e-6, powerOffset: 4.3753e-6, clockPeriod: 1e-9)
        #expect(abs(try sar.energy(bits: 9) - 10e-9 * (9 * 0.538e-6 + 4.3753e-6)) / 9.2e-14 < 1e-12)
        #expect(sar.conversionTime(bits: 9) == 10e-9)
        let ramp = ADCEnergyModel.ramp(activePower: 40e-6, lsbTime: 0.3e-9)
        #expect(abs(try ramp.energy(bits: 8) - 3.072e-12) / 3.072e-12 < 1e-12)
        #expect(abs(ramp.conversionTime(bits: 8)! - 76.8e-9) / 76.8e-9 < 1e-12)
        #expect(abs(ramp.conversionTime(bits: 9)! - 153.6e-9) / 153.6e-9 < 1e-12)  // 9 bits take twice as long
        let flash = ADCEnergyModel.flash(comparatorEnergy: 10e-15, clockPeriod: 0.5e-9)
        #expect(abs(try flash.energy(bits: 4) - 150e-15) / 150e-15 < 1e-12)
        #expect(flash.conversionTime(bits: 6) == 0.5e-9)
        #expect(ADCEnergyModel.walden(fom: 1e-15).conversionTime(bits: 8) == nil)
        #expect(throws: EnergyError.self) { try ADCEnergyModel.ramp(activePower: 0, lsbTime: 1e-9).validate() }
        #expect(throws: EnergyError.self) { try ADCEnergyModel.sar(powerPerBit: 1e-6, powerOffset: 1e-6, clockPeriod: .nan).validate() }
    }

    /// SAR energy grows about linearly in N, a Walden 2^N model does not: from 5 to 9 bits
    /// the NeuroSim-form SAR grows 2.2×, 2^N 16×.
    @Test func sarGrowsLinearlyNotAsTwoToTheBits() throws {
        let sar = ADCEnergyModel.sar(powerPerBit: 0.538e-6, powerOffset: 4.3753e-6, clockPeriod: 1e-9)
        let g = try sar.energy(bits: 9) / sar.energy(bits: 5)
        #expect(g > 2 && g < 2.3, "\(g)")
    }

    /// Pulse-width inputs on a 1 ns clock: 2^m ns for m magnitude bits (8-bit signed: 128 ns,
    /// 7-bit signed: 64 ns, 6-bit unsigned: 64 ns); other encodings keep integration_time.
    @Test func pulseWidthTimeFollowsTheDACBits() {
        var m = cellOnlyModel()
        m.inputEncoding = .pulseWidth
        m.pulseClockPeriod = 1e-9
        #expect(m.integrationTime(dacBits: 8, dacSigned: true) == 128e-9)
        #expect(m.integrationTime(dacBits: 7, dacSigned: true) == 64e-9)
        #expect(m.integrationTime(dacBits: 6, dacSigned: false) == 64e-9)
        m.inputEncoding = .amplitude
        #expect(m.integrationTime(dacBits: 8, dacSigned: true) == 10e-9)
    }

    /// One input vector [1, 1] on a 2 × 2 tile of ±1 weights (G = 10 µS), 2 read phases:
    /// t_read = 2 × max(10 ns, 1 ns) = 20 ns; front-end 2 columns × 2 phases × 1 µW × 10 ns
    /// = 40 fJ; static 1 read × 2 columns × 2 µW × 20 ns = 80 fJ plus leakage 2 columns ×
    /// 0.3 µW × 20 ns = 12 fJ; array 2 × 16 fJ; ADC 2 × 2 × 256 fJ; interconnect (2 inputs ×
    /// 1 B + 2 outputs × 1 B) × 1 pJ = 4 pJ. Relative 1e-6 (Float conductances).
    @Test func staticFrontendPhasesAndInterconnectByHand() throws {
        let w = Matrix(rows: 2, columns: 2, values: [1, -1, -1, 1])
        let x = Matrix(rows: 1, columns: 2, values: [1, 1])
        let (st, tiles) = try counts(w, x, idealSpec())
        var m = cellOnlyModel()
        m.readPhases = 2
        m.frontendPowerPerColumn = 1e-6
        m.staticPowerPerColumn = 2e-6
        m.idlePowerPerColumn = 0.3e-6
        m.interconnectEnergyPerByte = 1e-12
        let e = try AnalogEnergyEstimate.estimate(model: m, spec: idealSpec(), layers: [LayerGeometry(inputs: 2, outputs: 2, tiles: tiles)], stats: [st])
        func near(_ a: Double, _ b: Double) -> Bool { abs(a - b) <= 1e-6 * abs(b) }
        #expect(near(e.readTimeS, 20e-9) && near(e.latencyS, 20e-9))
        #expect(near(e.breakdown.frontend, 40e-15), "\(e.breakdown.frontend)")
        #expect(near(e.breakdown.static, 92e-15), "\(e.breakdown.static)")
        #expect(near(e.breakdown.array, 32e-15), "\(e.breakdown.array)")
        #expect(near(e.breakdown.adc, 4 * 256e-15), "\(e.breakdown.adc)")
        #expect(near(e.breakdown.memory, 4e-12), "\(e.breakdown.memory)")
        #expect(e.layers[0].adcConversions == 4 && e.layers[0].dacConversions == 4)
        // Calibration: 2 × 1 tile × 2 rows one-hot reads.
        #expect(e.calibration.reads == 4)
    }

    /// Bit lines clamped from V_DD: the array term is V_DD·V_read·G·t, V_DD/V_read × the
    /// cell dissipation (0.8/0.2 = 4×, relative 1e-12).
    @Test func supplyVoltageScalesTheArrayTerm() throws {
        let w = Matrix(rows: 2, columns: 2, values: [1, -1, -1, 1])
        let (st, tiles) = try counts(w, Matrix(rows: 1, columns: 2, values: [1, 0.5]), idealSpec())
        var m = cellOnlyModel()
        let g = [LayerGeometry(inputs: 2, outputs: 2, tiles: tiles)]
        let a = try AnalogEnergyEstimate.estimate(model: m, spec: idealSpec(), layers: g, stats: [st])
        m.supplyVoltage = 0.8
        let b = try AnalogEnergyEstimate.estimate(model: m, spec: idealSpec(), layers: g, stats: [st])
        #expect(abs(b.breakdown.array / a.breakdown.array - 4) < 1e-12)
        m.supplyVoltage = 0.1  // below V_read
        #expect(throws: EnergyError.self) { _ = try AnalogEnergyEstimate.estimate(model: m, spec: idealSpec(), layers: g, stats: [st]) }
    }

    /// Tile area: 4 × 3 cells of 100 F² at 10 nm (1.2e-13 m²) + 3 columns × 2 µm² + 4 rows ×
    /// 1 µm² + 50 µm² = 6.012e-11 m² (relative 1e-12).
    @Test func tileAreaByHand() {
        var a = TileArea()
        a.unitCellF2 = 100
        a.perColumn = 2e-12
        a.perRow = 1e-12
        a.perTile = 50e-12
        let t = a.tile(rows: 4, columns: 3, nodeNanometres: 10)
        #expect(abs(t.array - 1.2e-13) / 1.2e-13 < 1e-12)
        #expect(abs(t.total - 6.012e-11) / 6.012e-11 < 1e-12)
    }

    /// Bands: the optimistic and pessimistic totals are the parts × their band ends, and a
    /// band in the wrong order is rejected.
    @Test func bandsMultiplyTheirParts() throws {
        let w = Matrix(rows: 2, columns: 2, values: [1, -1, -1, 1])
        let (st, tiles) = try counts(w, Matrix(rows: 1, columns: 2, values: [1, 1]), idealSpec())
        var m = cellOnlyModel()
        m.bands.adc = EnergyBand(0.5, 2)
        m.bands.array = EnergyBand(0.25, 1)
        let e = try AnalogEnergyEstimate.estimate(model: m, spec: idealSpec(), layers: [LayerGeometry(inputs: 2, outputs: 2, tiles: tiles)], stats: [st])
        let b = e.breakdown
        #expect(abs(e.joulesOptimistic - (b.total - 0.5 * b.adc - 0.75 * b.array)) <= 1e-12 * b.total)
        #expect(abs(e.joulesPessimistic - (b.total + b.adc)) <= 1e-12 * b.total)
        m.bands.dac = EnergyBand(2, 3)
        #expect(throws: EnergyError.self) { try m.validate() }
    }
}

import Crossbar
import Energy
import ExperimentKit
import Foundation
import TestSupport
import Testing

/// The validation table of docs/ENERGY.md (`aimc energy --validate`): every row within its
/// factor of the published value, and no part of the HERMES estimates above 80 % of the
/// total (the papers publish no breakdown that says otherwise).
struct EnergyValidationTests {
    @Test func everyRowIsWithinItsFactor() throws {
        let rows = try EnergyValidation.rows(circuits: repositoryRoot.appendingPathComponent("Circuits"))
        print(EnergyValidation.render(rows))
        #expect(rows.count == 5 + 5 + 1)
        for r in rows {
            #expect(r.passes, "\(r.quantity): model \(r.modelled) vs published \(r.published) \(r.unit), ratio \(r.ratio), allowed ×\(r.factor)")
        }
    }

    @Test func noHermesPartAboveEightyPercent() throws {
        let circuits = repositoryRoot.appendingPathComponent("Circuits")
        for phases in [1, 4] {
            let e = try EnergyValidation.layerEstimate("presets/hermes-like.yaml", size: 256, circuits: circuits, overrides: ["energy.read_phases=\(phases)"])
            let top = EnergyValidation.largestPart(e)
            #expect(top.share <= 0.8, "\(phases) phase(s): \(top.name) is \(top.share * 100) % of the energy")
        }
    }

    /// The four-phase read costs four reads: between 3 and 4 × the one-phase energy (the
    /// digital output work is paid once), as the chip's 9.76 / 2.48 = 3.94.
    @Test func fourPhasesCostAboutFourReads() throws {
        let circuits = repositoryRoot.appendingPathComponent("Circuits")
        let one = try EnergyValidation.layerEstimate("presets/hermes-like.yaml", size: 256, circuits: circuits)
        let four = try EnergyValidation.layerEstimate("presets/hermes-like.yaml", size: 256, circuits: circuits, overrides: ["energy.read_phases=4"])
        let r = four.joulesPerInference / one.joulesPerInference
        #expect(r > 3 && r <= 4, "\(r)")
        #expect(abs(four.readTimeS - 4 * one.readTimeS) <= 1e-15)
    }
}

/// The timing of an energy file follows the converters it is paired with: HERMES's constants
/// with HERMES's 8-bit converters read in 128 ns pulses and 76.8 ns conversions; with the
/// default hardware's 7-bit DAC and 9-bit ADC in 64 ns and 153.6 ns (relative 1e-12).
struct EnergyPresetConsistencyTests {
    static func model(_ includes: [String]) throws -> (AnalogEnergyModel, HardwareSpec) {
        let dir = try temporaryDirectory()
        let circuits = repositoryRoot.appendingPathComponent("Circuits").path
        let f = try writeFile(dir, "h.yaml", "include: [" + includes.map { circuits + "/" + $0 }.joined(separator: ", ") + "]\n")
        let (spec, tree) = try HardwareBuilder.load(path: f)
        return (try #require(try EnergyBuilder.model(tree, prefix: "")), spec)
    }

    @Test func hermesTimingFollowsTheConverters() throws {
        let (m8, s8) = try Self.model(["presets/hermes-like.yaml"])
        #expect(try AnalogEnergyEstimate.integrationTime(m8, s8) == 128e-9)
        #expect(abs(m8.conversionTime(bits: s8.adc.bits) - 76.8e-9) / 76.8e-9 < 1e-12)
        let (m9, s9) = try Self.model(["presets/pcm-default.yaml", "energy/hermes-14nm.yaml"])
        #expect(s9.dac.bits == 7 && s9.adc.bits == 9)
        #expect(try AnalogEnergyEstimate.integrationTime(m9, s9) == 64e-9)
        #expect(abs(m9.conversionTime(bits: s9.adc.bits) - 153.6e-9) / 153.6e-9 < 1e-12)
        #expect(abs(try AnalogEnergyEstimate.readTime(m9, s9) - 153.6e-9) / 153.6e-9 < 1e-12)
    }
}

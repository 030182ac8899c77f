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

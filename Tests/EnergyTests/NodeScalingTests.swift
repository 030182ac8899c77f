import Energy
import ExperimentKit
import Foundation
import TestSupport
import Testing

/// Node scaling by Stillmaker & Baas (2017): the fitted factors, their range checks, and the
/// presets' digital constants as the source figures times the fitted factor.
struct NodeScalingTests {
    /// The fitted polynomial at the tabulated nodes, closed form (relative 1e-12).
    @Test func factorsAreTheFittedPolynomials() throws {
        func e(_ a: Double, _ b: Double, _ c: Double, _ v: Double) -> Double { a * v * v + b * v + c }
        let h = try NodeScaling.energyFactor(from: 45, fromVdd: 0.9, to: 14, toVdd: 0.8)
        let expected = e(0.2363, -0.09675, 0.02239, 0.8) / e(1.103, -0.362, 0.2767, 0.9)
        #expect(abs(h - expected) <= 1e-12 * expected)
        #expect(abs(h - 0.114) < 0.0005)
        #expect(try NodeScaling.energyFactor(from: 32, fromVdd: 0.9, to: 32, toVdd: 0.9) == 1)
    }

    /// Between fitted nodes the energy lies between its neighbours'; smaller nodes cost less
    /// at one supply; a higher supply costs more at one node.
    @Test func interpolationAndMonotonicity() throws {
        let e20 = try NodeScaling.relativeEnergy(nodeNanometres: 20, vdd: 0.8)
        let e22 = try NodeScaling.relativeEnergy(nodeNanometres: 22, vdd: 0.8)
        let e32 = try NodeScaling.relativeEnergy(nodeNanometres: 32, vdd: 0.8)
        #expect(e20 < e22 && e22 < e32)
        var last = 0.0
        for f in NodeScaling.fits.reversed() {  // 7 nm … 130 nm
            let v = try NodeScaling.relativeEnergy(nodeNanometres: f.nm, vdd: 1.0)
            #expect(v > last, "\(f.nm) nm")
            last = v
        }
        #expect(try NodeScaling.relativeEnergy(nodeNanometres: 14, vdd: 0.9) > NodeScaling.relativeEnergy(nodeNanometres: 14, vdd: 0.7))
    }

    @Test(arguments: [(5.0, 0.8), (200.0, 0.8), (14.0, 0.2), (14.0, .nan)])
    func outsideTheFitsIsAnError(node: Double, vdd: Double) {
        #expect(throws: EnergyError.self) { try NodeScaling.relativeEnergy(nodeNanometres: node, vdd: vdd) }
    }

    /// Each preset's digital and buffer constants are Horowitz's 45 nm, 0.9 V figures (ISSCC
    /// 2014: 32-bit add 0.1 pJ, FP16 multiply 1.1 pJ, FP16 add 0.4 pJ, 8-bit add + FP16
    /// multiply 1.13 pJ, 8 KB SRAM 10 pJ per 8 bytes) times the fitted factor, within the
    /// rounding of the file (2 %).
    @Test(arguments: [("energy/hermes-14nm.yaml", 14.0), ("energy/neurosim-22nm.yaml", 22.0)])
    func presetsUseTheFittedFactor(file: String, node: Double) throws {
        let dir = try temporaryDirectory()
        let f = try writeFile(dir, "h.yaml", "include: [" + repositoryRoot.appendingPathComponent("Circuits/" + file).path + "]\n")
        let (_, tree) = try HardwareBuilder.load(path: f)
        let m = try #require(try EnergyBuilder.model(tree, prefix: ""))
        let k = try NodeScaling.energyFactor(from: 45, fromVdd: 0.9, to: node, toVdd: 0.8)
        for (value, horowitz, name) in [
            (m.addEnergy, 0.1e-12, "add"), (m.multiplyEnergy, 1.1e-12, "multiply"), (m.activationEnergy, 0.4e-12, "activation"),
            (m.inputScalingEnergy, 1.13e-12, "input scaling"), (m.bufferEnergyPerByte, 1.25e-12, "buffer per byte"),
        ] {
            #expect(abs(value / (horowitz * k) - 1) < 0.02, "\(file) \(name): \(value) J vs \(horowitz * k) J")
        }
    }
}

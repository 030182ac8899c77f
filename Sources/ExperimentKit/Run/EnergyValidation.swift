import Crossbar
import Energy
import Foundation
import NumericKernels

/// One row of the energy model's validation against published chips and models
/// (docs/ENERGY.md, "Validation"): a published value, the model's value from a preset built
/// from that chip's parameters, and whether they agree within the stated factor.
public struct EnergyValidationRow: Codable, Sendable, Equatable {
    /// What is compared, e.g. "HERMES chip, one-phase".
    public var quantity: String
    /// Paper and where in it the value is (figure, table or abstract).
    public var source: String
    public var published: Double
    public var modelled: Double
    public var unit: String
    /// Allowed ratio: modelled / published within [1/factor, factor].
    public var factor: Double
    /// What the row checks beyond the number (e.g. the largest part's share).
    public var note: String
    /// The aimc command that prints the row.
    public var command: String

    /// modelled / published.
    public var ratio: Double { modelled / published }
    /// Whether the ratio lies within [1/factor, factor].
    public var passes: Bool { ratio.isFinite && ratio >= 1 / factor && ratio <= factor }
}

/// The validation of the energy model (`aimc energy --validate`): each HERMES row reads one
/// 256 × 256 layer of N(0, 1) weights with 1000 input vectors uniform in [−1, 1] (full
/// scale, the peak-efficiency condition of the chips' figures; seeds 7, 1 and 2), programmed
/// and read 1 s later, through `presets/hermes-like.yaml`; the NeuroSim rows evaluate the
/// SAR model of `energy/neurosim-22nm.yaml`; the ISAAC row reads a 128 × 128 layer through
/// `presets/isaac-like.yaml`.
public enum EnergyValidation {
    /// The command that prints the table.
    public static let command = "aimc energy --validate"

    /// The analogue estimate of one `size × size` layer on a hardware file (path relative
    /// to `circuits`), with hardware-key `overrides`.
    /// - Throws: `ConfigError`, `CrossbarError` or `EnergyError`.
    public static func layerEstimate(_ file: String, size: Int, circuits: URL, overrides: [String] = []) throws -> AnalogEnergyEstimate {
        let (spec, tree) = try HardwareBuilder.load(path: circuits.appendingPathComponent(file).path, overrides: overrides)
        guard let model = try EnergyBuilder.model(tree, prefix: "") else {
            throw ConfigError("\(file): names no energy model (energy.name)")
        }
        var rng = Xoshiro256(seed: 7)
        let w = Matrix(rows: size, columns: size, values: rng.gaussians(size * size))
        let x = Matrix(rows: 1000, columns: size, values: (0..<(1000 * size)).map { _ in rng.nextUniform() * 2 - 1 })
        let matrix = try AnalogMatrix(weights: w, spec: spec)
        let readout = matrix.program(seed: 1).readout(tInference: 1)
        var noise = Xoshiro256(seed: 2)
        var stats = ConversionStats()
        _ = try readout.forward(x, compensation: .none, rng: &noise, stats: &stats)
        do {
            return try AnalogEnergyEstimate.estimate(
                model: model, spec: spec, layers: [LayerGeometry(inputs: size, outputs: size, tiles: matrix.tiles.count)], stats: [stats])
        } catch let e as EnergyError {
            throw ConfigError("\(file): \(e.message)")
        }
    }

    /// The largest part of an estimate and its share of the total.
    public static func largestPart(_ e: AnalogEnergyEstimate) -> (name: String, share: Double) {
        let top = e.breakdown.named.max { $0.1 < $1.1 }!
        return (top.0, top.1 / e.breakdown.total)
    }

    /// NeuroSim V1.4's SAR ADC energy (J) at `bits`, low-power 22 nm coefficients
    /// (`SarADC.cpp`, as quoted in docs/ENERGY.md): (0.538·N + 4.3753) µW for
    /// (N + 1) ns, without the column-resistance term (which only adds).
    public static func neuroSimSAR(bits n: Int) -> Double { (0.538 * Double(n) + 4.3753) * 1e-6 * Double(n + 1) * 1e-9 }

    /// Every row, computed now.
    /// - Throws: `ConfigError` when a preset does not load.
    public static func rows(circuits: URL) throws -> [EnergyValidationRow] {
        var out: [EnergyValidationRow] = []
        let one = try layerEstimate("presets/hermes-like.yaml", size: 256, circuits: circuits)
        let four = try layerEstimate("presets/hermes-like.yaml", size: 256, circuits: circuits, overrides: ["energy.read_phases=4"])
        func share(_ e: AnalogEnergyEstimate) -> String {
            let p = largestPart(e)
            return String(format: "largest part %@ %.0f %%", p.name, p.share * 100)
        }
        let lg = "Le Gallo et al., Nat. Electron. 6, 680 (2023), abstract"
        let ka = "Khaddam-Aljameh et al., IEEE JSSC 57, 1027 (2022), title and abstract"
        out.append(.init(quantity: "HERMES chip, one-phase read, 8-bit MVM", source: lg, published: 9.76, modelled: one.topsPerWatt, unit: "TOPS/W",
                         factor: 1.5, note: share(one), command: command))
        out.append(.init(quantity: "HERMES chip, four-phase read (energy.read_phases = 4)", source: lg, published: 2.48, modelled: four.topsPerWatt,
                         unit: "TOPS/W", factor: 1.5, note: share(four), command: command))
        out.append(.init(quantity: "HERMES core (256 × 256)", source: ka, published: 10.5, modelled: one.topsPerWatt, unit: "TOPS/W",
                         factor: 1.5, note: share(one), command: command))
        out.append(.init(quantity: "HERMES core throughput density", source: ka, published: 1.59, modelled: one.area.tileTopsPerMm2, unit: "TOPS/mm²",
                         factor: 1.5, note: "area split assumed, total calibrated", command: command))
        out.append(.init(quantity: "HERMES MVM latency (8-bit, one phase)", source: lg + "; 133 ns per MVM", published: 133e-9,
                         modelled: one.latencyS, unit: "s", factor: 1.01, note: "128 ns pulse + 5 ns LDPU", command: command))
        // NeuroSim's SAR ADC, 5–9 bits.
        let (_, tree) = try HardwareBuilder.load(path: circuits.appendingPathComponent("energy/neurosim-22nm.yaml").path)
        guard let ns = try EnergyBuilder.model(tree, prefix: "") else { throw ConfigError("energy/neurosim-22nm.yaml: no energy model") }
        for b in 5...9 {
            let e: Double
            do { e = try ns.adc.energy(bits: b) } catch let x as EnergyError { throw ConfigError("energy/neurosim-22nm.yaml: \(x.message)") }
            out.append(.init(quantity: "SAR ADC, \(b) bits, 22 nm (energy/neurosim-22nm.yaml)",
                             source: "DNN+NeuroSim V1.4, SarADC.cpp (LP 22 nm coefficients)", published: neuroSimSAR(bits: b), modelled: e,
                             unit: "J", factor: 1.5, note: "same functional form: checks the preset's coefficients", command: command))
        }
        let isaac = try layerEstimate("presets/isaac-like.yaml", size: 128, circuits: circuits)
        out.append(.init(quantity: "ISAAC: ADC share of tile energy", source: "Shafiee et al., ISCA 2016, component power table (ADCs 58 % of tile power)",
                         published: 0.58, modelled: isaac.breakdown.adc / isaac.breakdown.total, unit: "fraction", factor: 1.5,
                         note: share(isaac), command: command))
        return out
    }

    /// The table as text.
    public static func render(_ rows: [EnergyValidationRow]) -> String {
        func v(_ x: Double, _ unit: String) -> String {
            switch unit {
            case "J", "s": return EnergyTable.si(x, unit)
            default: return String(format: "%.3g %@", x, unit)
            }
        }
        var out = "energy model validation (model ÷ published within the factor; \(command)):\n"
        out += ReportTable.table(
            ["quantity", "published", "model", "model ÷ published", "within", "check", "source"],
            rows.map { [$0.quantity, v($0.published, $0.unit), v($0.modelled, $0.unit), String(format: "%.3g", $0.ratio),
                        String(format: "%@ %.3g×", $0.passes ? "yes" : "NO", $0.factor), $0.note, $0.source] })
        return out
    }
}

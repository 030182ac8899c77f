import Crossbar
import Energy
import ExperimentKit
import Foundation
import NumericKernels
import TestSupport
import Testing

/// The energy model's totals against published chips (ENERGY.md, "Measured analogue chips"),
/// with the presets of Circuits/. Weights: one 256 × 256 (or 128 × 128) layer of N(0, 1)
/// weights; inputs: 1000 vectors uniform in [−1, 1] (full-scale, the peak-efficiency
/// condition); programmed with seed 1, read 1 s after programming.
struct EnergySanityTests {
    static func estimate(preset: String, size: Int) throws -> AnalogEnergyEstimate {
        let path = repositoryRoot.appendingPathComponent("Circuits/presets/\(preset)").path
        let (spec, tree) = try HardwareBuilder.load(path: path)
        let model = try #require(try EnergyBuilder.model(tree, prefix: ""))
        var rng = Xoshiro256(seed: 7)
        let w = Matrix(rows: size, columns: size, values: rng.gaussians(size * size))
        let x = Matrix(rows: 1000, columns: size, values: (0..<(1000 * size)).map { _ in rng.nextUniform() * 2 - 1 })
        let matrix = try AnalogMatrix(weights: w, spec: spec)
        let readout = matrix.program(seed: 1).readout(tInference: 1)
        var noise = Xoshiro256(seed: 2)
        var stats = ConversionStats()
        _ = try readout.forward(x, compensation: .none, rng: &noise, stats: &stats)
        return try AnalogEnergyEstimate.estimate(
            model: model, spec: spec, layers: [LayerGeometry(inputs: size, outputs: size, tiles: matrix.tiles.count)], stats: [stats])
    }

    /// HERMES (Le Gallo et al., Nature Electronics 2023): 9.76 TOPS/W; the model must land
    /// within a factor of 2 (4.88…19.52 TOPS/W).
    @Test func hermesLikeLandsWithinAFactorOfTwoOfTheMeasuredChip() throws {
        let e = try Self.estimate(preset: "hermes-like.yaml", size: 256)
        print("HERMES-like: \(e.topsPerWatt) TOPS/W, \(e.joulesPerInference) J per MVM, latency \(e.latencyS) s, breakdown \(e.breakdown)")
        #expect(e.topsPerWatt >= 9.76 / 2 && e.topsPerWatt <= 9.76 * 2, "\(e.topsPerWatt) TOPS/W")
        // One core MVM: max(128 ns pulse, 76.8 ns conversion) + 5 ns digital, ±1 % (retries).
        #expect(abs(e.latencyS - 133e-9) / 133e-9 < 0.01, "\(e.latencyS) s")
    }

    /// ISAAC (Shafiee et al., ISCA 2016): ADCs are about half or more of the tile's power.
    @Test func isaacLikeSpendsHalfOrMoreOnADCs() throws {
        let e = try Self.estimate(preset: "isaac-like.yaml", size: 128)
        let share = e.breakdown.adc / e.breakdown.total
        print("ISAAC-like: ADC share \(share), \(e.topsPerWatt) TOPS/W, breakdown \(e.breakdown)")
        #expect(share >= 0.5 && share < 1, "ADC share \(share)")
    }

    /// Every GPU profile loads, with positive values, and every GPU key is documented.
    @Test(arguments: yamlFiles(under: "Circuits/gpus"))
    func everyGPUProfileLoads(path: String) throws {
        let g = try GPUKeys.load(path, circuits: repositoryRoot.appendingPathComponent("Circuits"))
        #expect(!g.source.isEmpty && g.peakINT8 >= g.peakBF16 && g.peakBF16 > g.peakFP32)
    }

    @Test func everyGPUKeyIsDocumentedInCircuitsReadme() throws {
        let readme = try String(contentsOf: repositoryRoot.appendingPathComponent("Circuits/README.md"), encoding: .utf8)
        for k in GPUKeys.all { #expect(readme.contains("`\(k.key)`"), "Circuits/README.md does not document \(k.key)") }
    }

    /// An energy model that leaves a constant unset is rejected, naming the key.
    @Test func energyModelWithAMissingConstantIsRejected() throws {
        let dir = try temporaryDirectory()
        let f = try writeFile(dir, "e.yaml", "energy:\n  name: half\n  read_voltage: 0.2\n")
        #expect(throws: ConfigError.self) { _ = try HardwareBuilder.load(path: f) }
        do { _ = try HardwareBuilder.load(path: f) } catch let e as ConfigError { #expect(e.message.contains("energy.technology_node_nm")) }
    }
}

@Suite(.serialized, .enabled(if: fashionMNISTAvailable, "needs the Debian package dataset-fashion-mnist (make test installs it)"))
struct EnergyEndToEndTests {
    /// `aimc run` writes energy.analog and energy.gpu with their four fields, energy.csv with
    /// one row per system, and the report prints the comparison.
    @Test func runWritesEnergyFields() throws {
        let dir = try temporaryDirectory()
        let file = try smallExperiment(dir)
        let circuits = repositoryRoot.appendingPathComponent("Circuits").path
        let cfg = try ExperimentConfig.load(path: file, overrides: [
            "hardware.include=[\(circuits)/presets/pcm-default.yaml, \(circuits)/energy/hermes-14nm.yaml]",
            "evaluation.repeats=1", "baseline.batch_sizes=[1, 64]",
        ])
        let s = try ExperimentRunner(config: cfg).run()
        let res = dir.appendingPathComponent("results/small")
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: res.appendingPathComponent("summary.json"))) as! [String: Any]
        let energy = try #require(json["energy"] as? [String: Any])
        for side in ["analog", "gpu"] {
            let e = try #require(energy[side] as? [String: Any], "energy.\(side)")
            for k in ["joules_per_inference", "latency_s", "tops_per_watt"] { #expect((e[k] as? Double ?? 0) > 0, "energy.\(side).\(k)") }
            #expect(e["breakdown"] is [String: Any], "energy.\(side).breakdown")
        }
        // The summary decodes back (sweeps read it with convertFromSnakeCase).
        let d = JSONDecoder()
        d.keyDecodingStrategy = .convertFromSnakeCase
        let back = try d.decode(RunSummary.self, from: Data(contentsOf: res.appendingPathComponent("summary.json")))
        #expect(back.energy?.analog == s.energy?.analog && back.energy?.gpu == s.energy?.gpu)
        let analog = try #require(s.energy?.analog)
        // Counts cover every test image of every evaluation time: 500 × 2.
        #expect(analog.inferencesCounted == 500 * 2)
        #expect(s.energy?.gpuAll.count == 4 * 2)
        let csv = try String(contentsOf: res.appendingPathComponent("energy.csv"), encoding: .utf8).split(separator: "\n")
        #expect(csv.count == 1 + 1 + 4 * 2)
        #expect(ReportTable.render(s).contains("GPU baseline"))
        let b = try #require(s.energy?.baselineAccuracy)
        #expect(abs(b.fp32 - s.digital.accuracy) < 1e-12)
        #expect(abs(b.int8 - b.fp32) < 0.05 && abs(b.bf16 - b.fp32) < 0.05)
    }
}

import Crossbar
import Energy
import ExperimentKit
import Foundation
import NumericKernels
import TestSupport
import Testing

/// The energy files of Circuits/: GPU profiles load and are documented, an incomplete energy
/// model is rejected. The model's totals against published chips are the validation table
/// (Tests/EnergyTests/EnergyValidationTests.swift, `aimc energy --validate`).
struct EnergySanityTests {
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
        #expect(csv.count == 1 + 1 + 4 * 2 * 3)  // header, analogue, GPUs × batches × (cuda_graph, eager, roofline)
        #expect(ReportTable.render(s).contains("GPU baseline"))
        // Band, area, realistic GPU rows and the headline range at every batch size.
        #expect(analog.joulesOptimistic <= analog.joulesPerInference && analog.joulesPerInference <= analog.joulesPessimistic)
        #expect(analog.area.chip.total > 0 && analog.area.tileTopsPerMm2 > 0)
        #expect(s.energy?.gpuAll.allSatisfy { $0.realistic.count == 4 } == true)
        let headlines = try #require(s.energy?.headlines)
        #expect(headlines.map(\.batchSize) == [1, 64])
        for h in headlines { #expect(h.ratio.energyLow <= h.ratio.energyHigh && h.ratio.latencyLow <= h.ratio.latencyHigh) }
        #expect(ReportTable.render(s).contains("headline:") && ReportTable.render(s).contains("cuda_graph"))
        let headlineJSON = try #require(energy["headlines"] as? [[String: Any]])
        #expect(headlineJSON.count == 2)
        let b = try #require(s.energy?.baselineAccuracy)
        #expect(abs(b.fp32 - s.digital.accuracy) < 1e-12)
        #expect(abs(b.int8 - b.fp32) < 0.05 && abs(b.bf16 - b.fp32) < 0.05)
    }
}

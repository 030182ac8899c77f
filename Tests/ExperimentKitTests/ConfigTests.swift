import Crossbar
import ExperimentKit
import Foundation
import TestSupport
import Testing

@Suite struct ConfigTests {
    let main = repositoryRoot.appendingPathComponent("Experiments/fashion-mlp-pcm.yaml").path

    @Test func mainExperimentResolves() throws {
        let c = try ExperimentConfig.load(path: main)
        #expect(c.name == "fashion-mlp-pcm")
        #expect(c.seed == 42)
        #expect(c.architecture == .mlp && c.hiddenWidths == [256, 128])
        #expect(c.tInference == [1, 3600, 86400, 31_536_000])
        #expect(c.repeats >= 10)
        #expect(c.compensation == [.none, .global, .globalExact])
        let h = c.hardware
        #expect(h.deviceKind == .pcm)
        #expect(h.gMax == 25e-6)
        #expect(h.tileRows == 512 && h.tileColumns == 512)
        #expect(h.dac.bits == 7 && h.dac.range == 1)
        #expect(h.adc.bits == 9 && h.adc.range == 12)
        #expect(h.outputNoise == 0.06)
        #expect(h.inputScaling == .absMax && h.boundManagement)
    }

    /// PHYSICS.md §2: aihwkit's default InferenceRPUConfig forward pass.
    @Test func aihwkitPresetMatchesPublishedDefaults() throws {
        let (h, _) = try HardwareBuilder.load(path: repositoryRoot.appendingPathComponent("Circuits/presets/aihwkit-inference.yaml").path)
        #expect(h.dac.levels == 127)
        #expect(abs(h.dac.step - 2.0 / 126.0) < 1e-7)
        #expect(h.adc.levels == 511)
        #expect(abs(h.adc.step - 24.0 / 510.0) < 1e-6)
        #expect(h.outputNoise == 0.06)
        #expect(h.inputScaling == .absMax)
        #expect(h.boundManagement && h.boundManagementMaxFactor == 16)
        #expect(h.tileRows == 512 && h.tileColumns == 512)
        #expect(h.outputUnits == .weight)
        #expect(h.deviceKind == .pcm && h.gMax == 25e-6)
    }

    @Test(arguments: yamlFiles(under: "Circuits").filter { !$0.contains("/Circuits/gpus/") })  // GPU profiles: EnergySanityTests
    func everyCircuitsFileValidates(path: String) throws {
        _ = try HardwareBuilder.load(path: path)
    }

    @Test(arguments: yamlFiles(under: "Experiments"))
    func everyExperimentFileValidates(path: String) throws {
        _ = try ExperimentConfig.load(path: path)
    }

    @Test func everyKeyIsDocumented() throws {
        let readme = try String(contentsOf: repositoryRoot.appendingPathComponent("Experiments/README.md"), encoding: .utf8)
        for k in ExperimentKeys.all {
            #expect(readme.contains("`\(k.key)`"), "Experiments/README.md does not document \(k.key)")
        }
    }

    @Test func unknownKeyNamesFileKeyAndSuggestion() throws {
        let dir = try temporaryDirectory()
        let f = try writeFile(dir, "bad.yaml", "version: 1\nhardware:\n  adc:\n    bitz: 8\n")
        do {
            _ = try ExperimentConfig.load(path: f)
            Issue.record("an unknown key must be rejected")
        } catch let e as ConfigError {
            #expect(e.message.contains(f))
            #expect(e.message.contains(":4"))
            #expect(e.message.contains("hardware.adc.bitz"))
            #expect(e.message.contains("did you mean 'hardware.adc.bits'"))
        }
    }

    @Test(arguments: [
        ("hardware.adc.bits=30", "0 or an integer in 2…24"),
        ("evaluation.repeats=0", "1…100000"),
        ("hardware.mapping.weight_scaling=row", "tile, column, layer"),
        ("evaluation.compensation=[none, drift]", "none, global, global_exact"),
        ("evaluation.t_inference=[-1]", "[0, 1000000000000]"),
        ("hardware.dac.signed=maybe", "true or false"),
    ])
    func outOfRangeValuesNameKeyAndAllowedValues(set: String, allowed: String) throws {
        do {
            _ = try ExperimentConfig.load(path: main, overrides: [set])
            Issue.record("\(set) must be rejected")
        } catch let e as ConfigError {
            let key = String(set.split(separator: "=")[0])
            #expect(e.message.contains(key), "\(e.message)")
            #expect(e.message.contains(allowed), "\(e.message)")
            #expect(e.message.contains("--set"), "\(e.message)")
        }
    }

    @Test func conductanceInMicrosiemensGetsAHint() throws {
        do {
            _ = try ExperimentConfig.load(path: main, overrides: ["hardware.device.g_max=25"])
            Issue.record("g_max = 25 S must be rejected")
        } catch let e as ConfigError {
            #expect(e.message.contains("25e-6"))
        }
    }

    @Test func gMinAboveGMaxIsRejected() throws {
        #expect(throws: ConfigError.self) {
            _ = try ExperimentConfig.load(path: main, overrides: ["hardware.device.g_min=30e-6"])
        }
    }

    @Test func overridesApplyOnTopOfIncludes() throws {
        let c = try ExperimentConfig.load(
            path: main,
            overrides: ["hardware.adc.bits=6", "evaluation.t_inference=[0, 1h, 2d, 1y]", "seed=7", "hardware.tile.rows=128"])
        #expect(c.hardware.adc.bits == 6)
        #expect(c.hardware.adc.range == 12)  // from the included file
        #expect(c.tInference == [0, 3600, 172_800, 31_536_000])
        #expect(c.seed == 7)
        #expect(c.hardware.tileRows == 128 && c.hardware.tileColumns == 512)
    }

    @Test func malformedOverrideIsRejected() throws {
        #expect(throws: ConfigError.self) { _ = try ExperimentConfig.load(path: main, overrides: ["hardware.adc.bits"]) }
    }

    @Test func missingIncludeNamesTheFile() throws {
        let dir = try temporaryDirectory()
        let f = try writeFile(dir, "x.yaml", "hardware:\n  include: [devices/nope.yaml]\n")
        do {
            _ = try ExperimentConfig.load(path: f)
            Issue.record("missing include must be rejected")
        } catch let e as ConfigError {
            #expect(e.message.contains("devices/nope.yaml"))
        }
    }

    @Test func resolvedConfigLoadsBackToTheSameValues() throws {
        let c = try ExperimentConfig.load(path: main, overrides: ["hardware.adc.bits=8"])
        let dir = try temporaryDirectory()
        let f = try writeFile(dir, "resolved.yaml", try c.resolvedYAML())
        let d = try ExperimentConfig.load(path: f)
        #expect(d.name == c.name && d.seed == c.seed && d.tInference == c.tInference && d.repeats == c.repeats)
        #expect(d.hardware.adc == c.hardware.adc && d.hardware.dac == c.hardware.dac)
        #expect(d.hardware.deviceModel.pcm != nil && d.hardware.deviceModel.pcm?.programmingNoiseCoefficients == c.hardware.deviceModel.pcm?.programmingNoiseCoefficients)
        #expect(d.hardware.outputNoise == c.hardware.outputNoise && d.hardware.tileRows == c.hardware.tileRows)
        #expect(d.training == c.training)
    }
}

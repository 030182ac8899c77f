import Crossbar
import ExperimentKit
import Foundation
import NumericKernels
import TestSupport
import Testing

/// Device files and the stage keys (faults, mappings, converters, devices, per-column
/// compensation): each file builds its model with the cited constants, and each key
/// reaches `HardwareSpec`.
@Suite struct StageConfigTests {
    static let deviceFiles = yamlFiles(under: "Circuits/devices")

    @Test(arguments: deviceFiles)
    func deviceFileBuildsAndRuns(path: String) throws {
        let (spec, _) = try HardwareBuilder.load(path: path)
        #expect(spec.device.gMax == spec.gMax)
        // A small layer programmed and read a day later gives finite outputs near W·x.
        var g = Xoshiro256(seed: 1)
        let w = Matrix(rows: 16, columns: 32, values: (0..<512).map { _ in 2 * g.nextUniform() - 1 })
        let x = Matrix(rows: 4, columns: 32, values: (0..<128).map { _ in 2 * g.nextUniform() - 1 })
        let r = try AnalogMatrix(weights: w, spec: spec).program(seed: 2).readout(tInference: 86_400)
        var rng = Xoshiro256(seed: 3)
        var stats = ConversionStats()
        let y = try r.forward(x, compensation: .globalExact, rng: &rng, stats: &stats)
        let exact = BLAS.matmulTransposed(x, w)
        var err: Float = 0, norm: Float = 0
        for (a, b) in zip(y.values, exact.values) { err += (a - b) * (a - b); norm += b * b }
        #expect(y.values.allSatisfy { $0.isFinite })
        #expect((err / norm).squareRoot() < 0.5, "\(path): relative error \((err / norm).squareRoot())")
    }

    @Test(arguments: deviceFiles)
    func deviceFileParametersCanBeOverridden(path: String) throws {
        let (spec, _) = try HardwareBuilder.load(path: path, overrides: ["device.g_max=10.0e-6", "device.conductance_levels=8"])
        #expect(spec.device.gMax == 10e-6)
        #expect(spec.faults.conductanceLevels == 8)
    }

    @Test func rramFileHoldsTheNeuRRAMFits() throws {
        let (spec, _) = try HardwareBuilder.load(path: repositoryRoot.appendingPathComponent("Circuits/devices/rram-neurram.yaml").path)
        #expect(spec.deviceKind == .rram)
        let d = try #require(spec.device as? RRAMDevice)
        #expect(d.gMax == 40e-6 && d.programmingNoiseReferenceGMax == 40e-6)
        #expect(d.programmingNoiseCoefficients == [0.348, 16.030, -43.853, 45.393, -16.815])
        #expect(d.relaxationTimes == [86_400, 172_800])
        #expect(d.relaxationCoefficients == [0.701, 22.086, -50.773, 47.095, -16.458, 0.782, 20.274, -43.507, 37.062, -11.934])
        #expect(d.t0 == 1)
    }

    @Test func hermesFileHoldsTheHermesFits() throws {
        let (spec, _) = try HardwareBuilder.load(path: repositoryRoot.appendingPathComponent("Circuits/devices/pcm-hermes.yaml").path)
        #expect(spec.deviceKind == .pcmHermes)
        let d = try #require(spec.device as? HermesPCMDevice)
        #expect(d.gMax == 20.7e-6 && d.t0 == 300 && d.tRead == 512e-9)
        #expect(d.programmingNoiseCoefficients == [0.16603222, 4.71806468, -8.48101252, 4.68961419])
        #expect(d.driftMean == HermesPCMDevice().driftMean && d.driftStd == HermesPCMDevice().driftStd && d.readNoise == HermesPCMDevice().readNoise)
    }

    @Test func everyStageKeyReachesTheSpec() throws {
        let (s, _) = try HardwareBuilder.load(
            path: repositoryRoot.appendingPathComponent("Circuits/presets/pcm-default.yaml").path,
            overrides: [
                "faults.stuck_at_g_max=0.01", "faults.stuck_at_g_min=0.02", "faults.g_max_spread=0.1",
                "faults.dead_row_rate=0.03", "faults.dead_column_rate=0.04", "faults.dead_rows=[1, 2]", "faults.dead_columns=[3]",
                "mapping.scheme=offset", "mapping.offset_reference=digital", "mapping.slices=2", "mapping.slice_bits=4",
                "tile.split=false", "adc.range_policy=calibrated_per_column", "adc.calibration_percentile=99.5",
                "dac.bit_serial=true", "output_noise_streams=per_row",
            ])
        #expect(s.faults.stuckAtGMax == 0.01 && s.faults.stuckAtGMin == 0.02 && s.faults.gMaxSpread == 0.1)
        #expect(s.faults.deadRowRate == 0.03 && s.faults.deadColumnRate == 0.04 && s.faults.deadRows == [1, 2] && s.faults.deadColumns == [3])
        #expect(s.mapping == .offset && s.offsetReference == .digital && s.slicing == SliceSpec(slices: 2, bits: 4))
        #expect(!s.splitLayers && s.adcRangePolicy == .calibratedPerColumn && s.adcCalibrationPercentile == 99.5)
        #expect(s.dacBitSerial && s.outputNoiseStreams == .perRow)
    }

    @Test func defaultsLeaveEveryStageOff() throws {
        let c = try ExperimentConfig.load(path: repositoryRoot.appendingPathComponent("Experiments/fashion-mlp-pcm.yaml").path)
        let h = c.hardware
        #expect(h.faults == FaultSpec() && h.mapping == .differentialPair && h.slicing == SliceSpec())
        #expect(h.adcRangePolicy == .fixed && !h.dacBitSerial && h.outputNoiseStreams == .shared && h.splitLayers)
        #expect(try c.adcCalibrationBatch() == nil)
    }

    @Test(arguments: [
        ("hardware.faults.stuck_at_g_max=1.5", "[0, 1]"),
        ("hardware.mapping.scheme=bitline", "differential_pair, offset"),
        ("hardware.adc.range_policy=auto", "fixed, calibrated, calibrated_per_column"),
        ("evaluation.compensation=[row]", "column, column_exact"),
    ])
    func badStageValuesNameTheAllowedOnes(set: String, allowed: String) throws {
        let main = repositoryRoot.appendingPathComponent("Experiments/fashion-mlp-pcm.yaml").path
        do {
            _ = try ExperimentConfig.load(path: main, overrides: [set])
            Issue.record("\(set) must be rejected")
        } catch let e as ConfigError {
            #expect(e.message.contains(allowed), "\(e.message)")
        }
    }

    @Test func stuckRatesSummingAboveOneAreAConfigError() throws {
        let main = repositoryRoot.appendingPathComponent("Experiments/fashion-mlp-pcm.yaml").path
        #expect(throws: ConfigError.self) {
            try ExperimentConfig.load(path: main, overrides: ["hardware.faults.stuck_at_g_max=0.6", "hardware.faults.stuck_at_g_min=0.6"])
        }
    }

    @Test func columnCompensationIsAnEvaluationMethod() throws {
        let main = repositoryRoot.appendingPathComponent("Experiments/fashion-mlp-pcm.yaml").path
        let c = try ExperimentConfig.load(path: main, overrides: ["evaluation.compensation=[column, column_exact]"])
        #expect(c.compensation == [.column, .columnExact])
    }

    /// A model chosen without its Circuits file gets its own published constants, never
    /// another model's (the flat layout gave rram the PCM programming-noise fit and t0 = 20 s).
    @Test(arguments: [DeviceKind.rram, .pcmHermes, .pcm])
    func aModelWithoutItsFileHasItsOwnConstants(kind: DeviceKind) throws {
        let dir = try temporaryDirectory()
        let f = try writeFile(dir, "hw.yaml", "device: {model: \(kind.rawValue), g_max: 30.0e-6}\n")
        let (spec, _) = try HardwareBuilder.load(path: f)
        #expect(spec.deviceKind == kind && spec.device.gMax == 30e-6)
        switch spec.deviceModel {
        case .rram(let d):
            #expect(d.programmingNoiseCoefficients == RRAMDevice().programmingNoiseCoefficients && d.t0 == 1)
        case .pcmHermes(let d):
            #expect(d.programmingNoiseCoefficients == HermesPCMDevice().programmingNoiseCoefficients && d.t0 == 300 && d.tRead == 512e-9)
        case .pcm(let d):
            #expect(d.programmingNoiseCoefficients == PCMDevice().programmingNoiseCoefficients && d.t0 == 20)
        case .ideal: Issue.record("ideal")
        }
    }

    /// A key of the former flat layout fails with its new key for each model it applies to.
    @Test(arguments: [
        ("hardware.device.drift.t0=30", ["'hardware.device.pcm.drift.t0'", "'hardware.device.rram.programming_noise.fit_time'", "'hardware.device.pcm_hermes.drift.t0'"]),
        ("hardware.device.read_noise.q=0.01", ["'hardware.device.pcm.read_noise.q'"]),
        ("hardware.device.hermes.drift_mean_branch=[0.1, 0, 0, 0, 1]", ["'hardware.device.pcm_hermes.drift.mean_branch'"]),
        ("hardware.device.relaxation.scale=2", ["'hardware.device.rram.relaxation.scale'"]),
    ])
    func aFormerFlatKeyNamesItsNewKey(set: String, expected: [String]) throws {
        let main = repositoryRoot.appendingPathComponent("Experiments/fashion-mlp-pcm.yaml").path
        do {
            _ = try ExperimentConfig.load(path: main, overrides: [set])
            Issue.record("\(set) must be rejected")
        } catch let e as ConfigError {
            for key in expected { #expect(e.message.contains(key), "\(e.message)") }
        }
        // The same in a hardware file (no `hardware.` prefix).
        do {
            _ = try HardwareBuilder.load(path: main.replacingOccurrences(of: "Experiments/fashion-mlp-pcm.yaml", with: "Circuits/presets/pcm-default.yaml"),
                                         overrides: [String(set.dropFirst("hardware.".count))])
            Issue.record("\(set) must be rejected in a hardware file")
        } catch let e as ConfigError {
            for key in expected { #expect(e.message.contains(key.replacingOccurrences(of: "hardware.", with: "")), "\(e.message)") }
        }
    }

    /// One model's section on another model is an error naming the model it applies to.
    @Test func anotherModelsSectionDoesNotApply() throws {
        let main = repositoryRoot.appendingPathComponent("Experiments/fashion-mlp-pcm.yaml").path
        do {
            _ = try ExperimentConfig.load(path: main, overrides: ["hardware.device.rram.relaxation.scale=2"])
            Issue.record("an rram key on a pcm device must be rejected")
        } catch let e as ConfigError {
            #expect(e.message.contains("hardware.device.rram.relaxation.scale") && e.message.contains("device.model = rram only"), "\(e.message)")
        }
    }

    /// Switching the device by including its file after a PCM preset: the model and range are
    /// the device file's, and the preset's PCM section comes back as one warning naming the
    /// section, the count and why, not a line of fourteen keys.
    @Test func aDeviceFileAfterAPresetWarnsOnceForTheInertSection() throws {
        let main = repositoryRoot.appendingPathComponent("Experiments/fashion-mlp-pcm.yaml").path
        let c = try ExperimentConfig.load(path: main, overrides: [
            "hardware.include=[presets/pcm-default.yaml, devices/rram-neurram.yaml, energy/hermes-14nm.yaml]",
        ])
        #expect(c.hardware.deviceKind == .rram && c.hardware.gMax == 40e-6)
        #expect(c.warnings.count == 1)
        let w = try #require(c.warnings.first)
        #expect(w.contains("pcm-joshi2020.yaml") && w.contains("hardware.device.pcm.* (14 keys, applies to device.model = pcm only)"), "\(w)")
    }

    /// `--set device=NAME` (the sweep axis's shorthand) in any experiment load: the device
    /// file's keys, its model and range; an unknown name lists the devices there are.
    @Test func theDeviceShorthandWorksForASingleRun() throws {
        let main = repositoryRoot.appendingPathComponent("Experiments/fashion-mlp-pcm.yaml").path
        let c = try ExperimentConfig.load(path: main, overrides: ["device=rram-neurram", "seed=3"])
        #expect(c.hardware.deviceKind == .rram && c.hardware.gMax == 40e-6 && c.seed == 3)
        do {
            _ = try ExperimentConfig.load(path: main, overrides: ["device=nope"])
            Issue.record("an unknown device must be refused")
        } catch let e as ConfigError {
            #expect(e.message.contains("rram-neurram") && e.message.contains("pcm-joshi2020"), "\(e.message)")
        }
    }
}

import Crossbar
import Foundation
import Networks
import NumericKernels
import TestSupport
import Testing

import ExperimentKit

private let pythonNumPy = python3Has("numpy")

@Suite struct NetworkImportTests {
    /// The worked example end to end: Examples/import/export_numpy.py writes the network of
    /// Examples/import/lenet.yaml (PyTorch state_dict names, with num_batches_tracked) as
    /// .npz and .safetensors; both load through the YAML and give NumPy's reference logits
    /// within 1e-4 of the largest |logit|.
    @Test(.enabled(if: pythonNumPy)) func importsWhatNumPyWrote() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let script = repositoryRoot.appendingPathComponent("Examples/import/export_numpy.py")
        let (status, _, err) = try runProcess(URL(fileURLWithPath: "/usr/bin/env"), ["python3", script.path, dir.path, "--reference"])
        #expect(status == 0, "\(err)")
        let arch = repositoryRoot.appendingPathComponent("Examples/import/lenet.yaml").path
        let x = try NPY.read(dir.appendingPathComponent("inputs.npy")).matrix()
        let reference = try NPY.read(dir.appendingPathComponent("logits.npy")).matrix()
        for file in ["lenet.npz", "lenet.safetensors"] {
            let net = try NetworkImport.load(architecture: arch, weights: dir.appendingPathComponent(file).path)
            let y = try net.forward(x)
            let scale = max(reference.maxAbs, 1)
            for j in y.values.indices { #expect(abs(y.values[j] - reference.values[j]) <= 1e-4 * scale, "\(file) logit \(j)") }
            // And on ideal analogue hardware.
            let readout = try AnalogSequentialNetwork(network: net, spec: .ideal).program(seed: 1).readout(tInference: 0)
            var rng = Xoshiro256(seed: 2)
            var stats: [ConversionStats] = []
            let ya = try readout.forward(x, compensation: .none, rng: &rng, stats: &stats)
            for j in ya.values.indices { #expect(abs(ya.values[j] - reference.values[j]) <= 1e-4 * scale) }
        }
    }

    /// Architecture files are checked key by key, one case per line.
    @Test func badArchitecturesAreRejected() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let bad = [
            "input: [1, 28, 28]\nlayers:\n  - {type: conv3d, in_channels: 1}\n",                                  // unknown type
            "input: [1, 28, 28]\nlayers:\n  - {type: conv2d, in_channels: 1, out_channels: 2}\n",                 // no kernel_size
            "input: [1, 28, 28]\nlayers:\n  - {type: linear, in_features: 784, out_features: 10, bais: true}\n", // misspelt key
            "input: [1, 28, 28]\nlayers:\n  - {type: linear, in_features: 784, out_features: 10}\n",              // linear on an image
            "layers:\n  - {type: relu}\n",                                                                        // no input
        ]
        for (i, text) in bad.enumerated() {
            let path = try writeFile(dir, "a\(i).yaml", text)
            #expect(throws: (any Error).self, "case \(i)") {
                let d = try NetworkImport.description(path: path)
                _ = try d.build(arrays: nil)
            }
        }
        let missing = try writeFile(dir, "m.yaml", "input: [4]\nlayers:\n  - {type: linear, name: fc, in_features: 4, out_features: 2}\n")
        let weights = dir.appendingPathComponent("w.npz")
        try NPZ.write([("fc.weight", NumpyArray(floats: [Float](repeating: 0, count: 8), shape: [2, 4]))], to: weights)
        do {
            _ = try NetworkImport.load(architecture: missing, weights: weights.path)
            Issue.record("expected a missing-array error")
        } catch let e as NetworksError {
            #expect(e.message.contains("fc.bias"))
        }
    }
}

@Suite(.serialized) struct NetworkExperimentTests {
    /// A LeNet run end to end on ideal hardware (short training on a subset): every analogue
    /// accuracy equals the digital one; with compare_plain and hardware-aware training the
    /// summary holds both networks, the plain one trained with noise and clipping off, and
    /// the table prints them side by side.
    @Test(.enabled(if: fashionMNISTAvailable)) func idealRunAndComparison() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let yaml = """
            version: 1
            experiment: tiny-cnn
            seed: 3
            output_dir: \(dir.path)
            dataset: {train_limit: 600, test_limit: 200}
            network: {architecture: lenet5}
            training: {epochs: 1, batch_size: 64, noise: {type: multiplicative, std: 0.1}, weight_clip_sigma: 3}
            hardware: {device: {model: ideal}}
            evaluation: {t_inference: [1, 1d], repeats: 2, batch_size: 100, compensation: [none, global], compare_plain: true}
            """
        let path = try writeFile(dir, "tiny.yaml", yaml)
        let config = try ExperimentConfig.load(path: path)
        let runner = ExperimentRunner(config: config)
        runner.weightsCache = dir.appendingPathComponent("cache")  // fresh: both networks train
        let summary = try runner.run()
        for p in summary.analog { #expect(abs(p.accuracyMean - summary.digital.accuracy) < 1e-9) }
        let c = try #require(summary.comparison)
        #expect(c.hardwareAware.digitalAccuracy == summary.digital.accuracy)
        #expect(c.plain.weights.origin == "trained" && c.plain.weights.file.contains("lenet5-") && !c.plain.weights.file.contains("-hwa-"))
        #expect(c.hardwareAware.weights.file.contains("lenet5-hwa-"))
        for p in c.plain.analog { #expect(abs(p.accuracyMean - c.plain.digitalAccuracy) < 1e-9) }
        #expect(summary.layers.count == 5 && summary.layers[1].inputs == 400)
        let table = ReportTable.render(summary)
        #expect(table.contains("plain vs hardware-aware training"))
        // A second run reuses both cached networks.
        let rerun = ExperimentRunner(config: config)
        rerun.weightsCache = runner.weightsCache
        let again = try rerun.run(write: false)
        #expect(again.weights.origin == "cached" && again.comparison?.plain.weights.origin == "cached")
        #expect(again.analog.map(\.accuracyMean) == summary.analog.map(\.accuracyMean))
    }

    /// Hardware-aware training works for the MLP as for every architecture: the weights
    /// differ from the plain network's, and compare_plain reports both side by side.
    @Test(.enabled(if: fashionMNISTAvailable)) func hardwareAwareMLPAndComparison() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let yaml = """
            version: 1
            experiment: tiny-mlp
            seed: 4
            output_dir: \(dir.path)
            dataset: {train_limit: 600, test_limit: 200}
            network: {architecture: mlp, hidden: [32]}
            training: {epochs: 1, batch_size: 64, noise: {type: pcm, std: 1}, lr_schedule: cosine}
            hardware: {include: [presets/pcm-default.yaml]}
            evaluation: {t_inference: [1, 1d], repeats: 2, batch_size: 100, compensation: [none, global], compare_plain: true}
            """
        let path = try writeFile(dir, "tiny.yaml", yaml)
        let summary = try ExperimentRunner(config: try ExperimentConfig.load(path: path)).run(write: false)
        let c = try #require(summary.comparison)
        #expect(c.hardwareAware.weights.file.contains("mlp-784-32-10-hwa-"))
        #expect(c.plain.weights.file.contains("mlp-784-32-10-") && !c.plain.weights.file.contains("-hwa-"))
        let hwa = try NPZ.read(URL(fileURLWithPath: c.hardwareAware.weights.file))
        let plain = try NPZ.read(URL(fileURLWithPath: c.plain.weights.file))
        #expect(Set(hwa.keys) == ["W0", "b0", "W1", "b1"])
        #expect(hwa["W0"]!.floats() != plain["W0"]!.floats())
        #expect(c.plain.analog.count == summary.analog.count)
        #expect(ReportTable.render(summary).contains("plain vs hardware-aware training"))
    }

    /// Hardware-aware PCM noise draws from the configured device model: a pcm_hermes
    /// config trains with the HERMES statistics (not the Joshi PCM constants), an rram
    /// config with RRAM programming noise and no drift; the two draw different noise.
    @Test func hardwareAwareNoiseUsesTheConfiguredDevice() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        func settings(_ device: String) throws -> HardwareAwareSettings {
            let path = try writeFile(dir, "\(device).yaml", """
                version: 1
                training: {noise: {type: pcm}}
                hardware: {include: [\(repositoryRoot.appendingPathComponent("Circuits/devices/\(device).yaml").path)]}
                """)
            return try ExperimentConfig.load(path: path).hardwareAwareSettings()
        }
        let hermes = try settings("pcm-hermes"), joshi = try settings("pcm-joshi2020"), rram = try settings("rram-neurram")
        #expect(hermes.device is HermesPCMDevice && joshi.device is PCMDevice && rram.device is RRAMDevice)
        #expect(hermes.device.gMax == 20.7e-6 && rram.device.driftExponentMoments(r: 0.5) == (0, 0))
        var g = Xoshiro256(seed: 1)
        let w = Matrix(rows: 8, columns: 8, values: (0..<64).map { _ in g.nextUniform() - 0.5 })
        var a = Xoshiro256(seed: 2), b = a
        let noisyHermes = WeightNoise(kind: .pcm, level: 1, tInference: 86400, device: hermes.device).perturb(w, rng: &a)
        let noisyJoshi = WeightNoise(kind: .pcm, level: 1, tInference: 86400, device: joshi.device).perturb(w, rng: &b)
        #expect(noisyHermes != noisyJoshi)
    }

    /// Keys that need another key, or apply to another context, are errors at load.
    @Test func inapplicableKeysAreRejected() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let cases = [
            "training: {noise: {type: additive}}",                 // std missing
            "network: {architecture: custom}",                     // no definition
            "evaluation: {compare_plain: true}",                   // no hardware-aware training
            "network: {architecture: lenet5, hidden: [10]}",       // mlp key on a CNN
            "training: {optimizer: adam, momentum: 0.5}",          // sgd key with adam
            "network: {weights: w.npz}\ntraining: {epochs: 3}",    // nothing is trained
            "training: {drift_aware: {learning_rate: 0.01}}",      // fine-tuning off
            "hardware: {device: {model: pcm, relaxation: {scale: 2}}}",  // rram key on pcm
            "network: {layers: [784, 10], hidden: [5]}",           // both forms of widths
        ]
        for (i, text) in cases.enumerated() {
            let path = try writeFile(dir, "c\(i).yaml", "version: 1\n" + text + "\n")
            #expect(throws: ConfigError.self, "case \(i): \(text)") { try ExperimentConfig.load(path: path) }
        }
    }
}

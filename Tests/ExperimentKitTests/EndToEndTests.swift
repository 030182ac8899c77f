import Crossbar
import ExperimentKit
import Foundation
import Networks
import NumericKernels
import TestSupport
import Testing

/// A small experiment (2 000 training images, 1 epoch, 500 test images) in a temp folder.
/// `training: false` leaves the training section out (for runs that load weights).
func smallExperiment(_ dir: URL, extra: String = "", training: Bool = true) throws -> String {
    try writeFile(dir, "small.yaml", """
        version: 1
        experiment: small
        seed: 3
        output_dir: \(dir.appendingPathComponent("results").path)
        dataset: {\(training ? "train_limit: 2000, " : "")test_limit: 500}
        network: {hidden: [32]}
        \(training ? "training: {epochs: 1, batch_size: 64}" : "")
        hardware:
          include: [\(repositoryRoot.appendingPathComponent("Circuits/presets/pcm-default.yaml").path)]
          tile: {rows: 300, columns: 20}
        evaluation:
          t_inference: [0, 86400]
          repeats: 3
          batch_size: 128
        \(extra)
        """)
}

@Suite(.serialized, .enabled(if: fashionMNISTAvailable, "needs the Debian package dataset-fashion-mnist (make test installs it)"))
struct EndToEndTests {
    /// Ideal hardware (ideal devices, 0-bit converters, no noise) predicts exactly what the
    /// digital network predicts, on every one of the 10 000 test images.
    @Test func idealHardwarePredictsLikeTheDigitalNetworkOnEveryTestImage() throws {
        let train = try FashionMNIST.load(split: .train, directory: FashionMNIST.defaultDirectory, limit: 10000)
        let test = try FashionMNIST.load(split: .test, directory: FashionMNIST.defaultDirectory)
        var model = try Architectures.mlp(features: 784, hidden: [256, 128], classes: 10).build(arrays: nil, seed: 11)
        var s = TrainingSettings()
        s.epochs = 1
        s.seed = 11
        BLAS.setThreads(1)
        try NetworkTrainer(settings: s).train(&model, images: train.images, labels: train.labels)
        var spec = HardwareSpec.ideal
        spec.tileRows = 300  // 784 inputs over 3 row blocks, 256 outputs over 2 column blocks
        spec.tileColumns = 200
        let net = try AnalogSequentialNetwork(network: model, spec: spec)
        let readout = net.program(seed: 1).readout(tInference: 0)
        var rng = Xoshiro256(seed: 0)
        var stats: [ConversionStats] = []
        var mismatches = 0
        for start in stride(from: 0, to: test.count, by: 1000) {
            let x = test.images.rows(start..<min(start + 1000, test.count))
            let digital = argmaxRows(try model.forward(x))
            let analog = argmaxRows(try readout.forward(x, compensation: .none, rng: &rng, stats: &stats))
            mismatches += zip(digital, analog).filter { $0 != $1 }.count
        }
        #expect(mismatches == 0)
        #expect(test.count == 10000)
    }

    @Test func runWritesResultsAndIsReproducibleAcrossThreadCounts() throws {
        let dir = try temporaryDirectory()
        let file = try smallExperiment(dir)
        // A fresh weights cache, so that the first run trains (the user cache may hold the network).
        let cache = dir.appendingPathComponent("cache")
        let first = ExperimentRunner(config: try ExperimentConfig.load(path: file, overrides: ["evaluation.threads=1"]))
        first.weightsCache = cache
        let one = try first.run()
        let second = ExperimentRunner(config: try ExperimentConfig.load(path: file, overrides: ["evaluation.threads=2"]))
        second.weightsCache = cache
        let two = try second.run()
        #expect(one.weights.origin == "trained")
        #expect(two.weights.origin == "cached")
        #expect(one.weights.file.hasPrefix(cache.path))
        #expect(one.digital.accuracy == two.digital.accuracy)
        #expect(one.analog.map(\.accuracies) == two.analog.map(\.accuracies))
        #expect(one.repeatSeeds == two.repeatSeeds && Set(one.repeatSeeds).count == 3)
        #expect(one.analog.count == 2 * 3)
        #expect(one.layers.map(\.tiles) == [3 * 2, 1])

        let res = dir.appendingPathComponent("results/small")
        let csv = try String(contentsOf: res.appendingPathComponent("analog.csv"), encoding: .utf8)
        let lines = csv.split(separator: "\n")
        #expect(lines.first == "t_inference_s,repeat,seed,accuracy_none,accuracy_global,accuracy_global_exact")
        #expect(lines.count == 1 + 2 * 3)
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: res.appendingPathComponent("summary.json"))) as! [String: Any]
        let digital = json["digital"] as! [String: Any]
        #expect((digital["accuracy"] as! Double) == one.digital.accuracy)
        let analog = json["analog"] as! [[String: Any]]
        for key in ["t_inference", "compensation", "accuracy_mean", "accuracy_std", "accuracy_ci95", "repeats"] {
            #expect(analog.allSatisfy { $0[key] != nil }, "summary.json analog entries lack \(key)")
        }
        #expect(FileManager.default.fileExists(atPath: res.appendingPathComponent("resolved.yaml").path))
        // No temporary files left behind by the atomic writes.
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: res.path).filter { $0.hasPrefix(".") }
        #expect(leftovers.isEmpty, "\(leftovers)")
        // Summary statistics are those of the per-repeat accuracies.
        for p in one.analog {
            let s = Summary(p.accuracies)
            #expect(p.accuracyMean == s.mean && p.accuracyStd == s.std && p.accuracyCi95 == s.ci95)
        }
    }

    @Test func seedChangesTheAnalogResultButNotTheTrainedNetwork() throws {
        let dir = try temporaryDirectory()
        let file = try smallExperiment(dir)
        let a = try ExperimentRunner(config: ExperimentConfig.load(path: file)).run(write: false)
        let b = try ExperimentRunner(config: ExperimentConfig.load(path: file, overrides: ["evaluation.repeats=4"])).run(write: false)
        // The first three repeats of a 4-repeat run are the 3-repeat run.
        for (p, q) in zip(a.analog, b.analog) { #expect(Array(q.accuracies.prefix(3)) == p.accuracies) }
    }

    @Test func missingDatasetNamesThePackage() throws {
        let dir = try temporaryDirectory()
        let file = try smallExperiment(dir, extra: "")
        do {
            _ = try ExperimentRunner(config: ExperimentConfig.load(path: file, overrides: ["dataset.path=\(dir.path)/nowhere"])).run(write: false)
            Issue.record("a missing dataset must be an error")
        } catch let e as NetworksError {
            #expect(e.message.contains("dataset-fashion-mnist"))
            #expect(e.message.contains("\(dir.path)/nowhere"))
        }
    }

    @Test func userWeightsOfTheWrongShapeAreRejected() throws {
        let dir = try temporaryDirectory()
        let w = dir.appendingPathComponent("w.npz")
        let d = Architectures.mlp(features: 784, hidden: [16], classes: 10)
        try d.save(try d.build(arrays: nil, seed: 1), npz: w)
        let file = try smallExperiment(dir, training: false)
        do {
            _ = try ExperimentRunner(config: ExperimentConfig.load(path: file, overrides: ["network.weights=\(w.path)"])).run(write: false)
            Issue.record("mismatched weights must be rejected")
        } catch let e as NetworksError {
            #expect(e.message.contains("W0") && e.message.contains("[16, 784]") && e.message.contains("[32, 784]"), "\(e.message)")
        }
    }
}

@Suite struct CLITests {
    @Test func mvmOnIdealHardwareEqualsTheMatrixProduct() throws {
        let exe = try #require(aimcExecutable(), "aimc is built by `make test`")
        let dir = try temporaryDirectory()
        var rng = Xoshiro256(seed: 5)
        let w = Matrix(rows: 7, columns: 11, values: rng.gaussians(77))
        let x = rng.gaussians(3 * 11).map(Double.init)
        try NPY.write(NumpyArray(floats: w.values, shape: [7, 11]), to: dir.appendingPathComponent("W.npy"))
        try NPY.write(NumpyArray(doubles: x, shape: [3, 11]), to: dir.appendingPathComponent("X.npy"))
        let (status, _, err) = try runProcess(exe, [
            "mvm", "--config", repositoryRoot.appendingPathComponent("Circuits/presets/ideal.yaml").path,
            "--weights", dir.appendingPathComponent("W.npy").path, "--inputs", dir.appendingPathComponent("X.npy").path,
            "--output", dir.appendingPathComponent("Y.npy").path, "--set", "tile.rows=4", "--set", "tile.columns=3",
        ])
        #expect(status == 0, "\(err)")
        let y = try NPY.read(dir.appendingPathComponent("Y.npy"))
        #expect(y.shape == [3, 7])
        #expect(y.dtype == .float64)
        let yv = y.doubles()
        for b in 0..<3 {
            for o in 0..<7 {
                var ref = 0.0
                for i in 0..<11 { ref += Double(w[o, i]) * Double(Float(x[b * 11 + i])) }
                #expect(abs(yv[b * 7 + o] - ref) <= 1e-5 * max(1, abs(ref)))
            }
        }
    }

    /// The tile reads multiply through the simulator's own packed product (each output one
    /// FMA chain over the rows), not OpenBLAS: the same bits whichever OpenBLAS kernel the
    /// machine picks and whichever SIMD variant runs. With an ideal ADC and no output noise
    /// nothing hides a rounding difference (an sgemm's summation order changes with its
    /// kernel, which these outputs did before).
    @Test func mvmDoesNotDependOnTheBLASKernelOrSIMDVariant() throws {
        let exe = try #require(aimcExecutable())
        let dir = try temporaryDirectory()
        var rng = Xoshiro256(seed: 21)
        try NPY.write(NumpyArray(floats: rng.gaussians(300 * 700).map { $0 * 0.05 }, shape: [300, 700]), to: dir.appendingPathComponent("W.npy"))
        try NPY.write(NumpyArray(floats: (0..<(40 * 700)).map { _ in max(rng.nextUniform() - 0.4, 0) }, shape: [40, 700]), to: dir.appendingPathComponent("X.npy"))
        var settings: [[String: String]] = [["OPENBLAS_CORETYPE": "Prescott"], ["AIMC_SIMD": "portable"]]
        if Kernels.supported >= .avx2 { settings += [["OPENBLAS_CORETYPE": "Haswell"], ["AIMC_SIMD": "avx2"]] }
        if Kernels.supported >= .avx512 { settings += [["OPENBLAS_CORETYPE": "SkylakeX"]] }
        var outputs: [[UInt32]] = []
        for (i, env) in settings.enumerated() {
            let (status, _, err) = try runProcess(exe, [
                "mvm", "--config", repositoryRoot.appendingPathComponent("Circuits/presets/pcm-default.yaml").path,
                "--weights", dir.appendingPathComponent("W.npy").path, "--inputs", dir.appendingPathComponent("X.npy").path,
                "--output", dir.appendingPathComponent("Y\(i).npy").path, "--seed", "5", "--t-inference", "1d",
                "--set", "adc.bits=0", "--set", "output_noise=0",
            ], environment: env)
            #expect(status == 0, "\(env): \(err)")
            outputs.append(try NPY.read(dir.appendingPathComponent("Y\(i).npy")).floats().map(\.bitPattern))
        }
        #expect(outputs[0].count == 40 * 300)
        for (env, y) in zip(settings, outputs) { #expect(y == outputs[0], "\(env)") }
    }

    @Test func mvmIsReproducibleAndSeeded() throws {
        let exe = try #require(aimcExecutable())
        let dir = try temporaryDirectory()
        var rng = Xoshiro256(seed: 9)
        try NPY.write(NumpyArray(floats: rng.gaussians(64 * 32), shape: [64, 32]), to: dir.appendingPathComponent("W.npy"))
        try NPY.write(NumpyArray(floats: rng.gaussians(5 * 32), shape: [5, 32]), to: dir.appendingPathComponent("X.npy"))
        func run(_ seed: Int, _ out: String) throws -> [Float] {
            let (status, _, err) = try runProcess(exe, [
                "mvm", "--config", repositoryRoot.appendingPathComponent("Circuits/presets/pcm-default.yaml").path,
                "--weights", dir.appendingPathComponent("W.npy").path, "--inputs", dir.appendingPathComponent("X.npy").path,
                "--output", dir.appendingPathComponent(out).path, "--seed", "\(seed)", "--t-inference", "86400",
            ])
            #expect(status == 0, "\(err)")
            return try NPY.read(dir.appendingPathComponent(out)).floats()
        }
        let a = try run(1, "a.npy"), b = try run(1, "b.npy"), c = try run(2, "c.npy")
        #expect(a == b)
        #expect(a != c)
        #expect(a.count == 5 * 64)
    }

    /// A run into a folder that holds another configuration's results says so before any
    /// work (naming the first differing line and how to keep both); the same configuration
    /// again, or an empty folder, says nothing.
    @Test func replacingAnotherConfigurationsResultsIsAnnounced() throws {
        let exe = try #require(aimcExecutable())
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let base = [
            "run", repositoryRoot.appendingPathComponent("Experiments/digits-mlp-pcm.yaml").path, "--set", "output_dir=\(dir.path)",
            "--set", "training.epochs=2", "--set", "evaluation.repeats=1", "--set", "evaluation.t_inference=[1]", "--quiet",
        ]
        func warned(_ extra: [String]) throws -> Bool {
            let (status, _, err) = try runProcess(exe, base + extra)
            #expect(status == 0, "\(err)")
            return err.contains("holds the results of another configuration")
        }
        #expect(try !warned([]))
        #expect(try !warned([]))
        let (status, _, err) = try runProcess(exe, base + ["--set", "hardware.output_noise=0.1"])
        #expect(status == 0, "\(err)")
        #expect(err.contains("holds the results of another configuration") && err.contains("now 'output_noise: 0.1'") && err.contains("--set experiment=NAME"), "\(err)")
    }

    @Test func badConfigKeyIsAUserErrorNotACrash() throws {
        let exe = try #require(aimcExecutable())
        let (status, out, err) = try runProcess(exe, [
            "run", repositoryRoot.appendingPathComponent("Experiments/fashion-mlp-pcm.yaml").path, "--set", "hardware.adc.bits=99",
        ])
        #expect(status == 1)
        #expect(out.isEmpty)
        #expect(err.contains("hardware.adc.bits") && err.contains("2…24"))
    }
}

@Suite(.enabled(if: fashionMNISTAvailable, "needs the Debian package dataset-fashion-mnist (make test installs it)"))
struct MainJobTests {
    /// The acceptance figures of the main job: the FP32 MLP reaches ≥ 88 % on the test set,
    /// and on the default PCM hardware 1 s after programming the analogue accuracy (mean of
    /// 2 programmings) is within 1.5 points of it.
    @Test func mainJobReachesItsAccuracyTargets() throws {
        let dir = try temporaryDirectory()
        let cfg = try ExperimentConfig.load(
            path: repositoryRoot.appendingPathComponent("Experiments/fashion-mlp-pcm.yaml").path,
            overrides: ["output_dir=\(dir.path)", "evaluation.repeats=2", "evaluation.t_inference=[1]", "evaluation.compensation=[none]"])
        let s = try ExperimentRunner(config: cfg).run()
        #expect(s.digital.accuracy >= 0.88)
        let oneSecond = try #require(s.analog.first)
        #expect(oneSecond.tInference == 1)
        #expect(oneSecond.accuracyMean >= s.digital.accuracy - 0.015)
    }
}

import ExperimentKit
import Foundation
import Networks
import NumericKernels
import TestSupport
import Testing

private let pythonSklearn = python3Has("sklearn", "numpy")

/// One network stack: every architecture runs through the same runner, on any dataset.
@Suite(.serialized) struct OneStackTests {
    static let digits = repositoryRoot.appendingPathComponent("Examples/datasets/digits.npz").path

    /// A 12 × 12 two-channel arrays dataset whose label is the quadrant with the largest sum.
    static func imageDataset(_ dir: URL) throws -> String {
        var g = Xoshiro256(seed: 8)
        func split(_ n: Int) -> (NumpyArray, NumpyArray) {
            let x = (0..<(n * 288)).map { _ in g.nextUniform() }
            let y = (0..<n).map { i -> Int64 in
                let q = (0..<4).map { q in (0..<36).reduce(Float(0)) { $0 + x[i * 288 + (q / 2) * 72 + (q % 2) * 6 + ($1 / 6) * 12 + $1 % 6] } }
                return Int64(q.indices.max { q[$0] < q[$1] }!)
            }
            return (NumpyArray(floats: x, shape: [n, 2, 12, 12]), NumpyArray(int64s: y, shape: [n]))
        }
        let (xt, yt) = split(200), (xv, yv) = split(60)
        let url = dir.appendingPathComponent("quadrants.npz")
        try NPZ.write([("x_train", xt), ("y_train", yt), ("x_test", xv), ("y_test", yv)], to: url)
        return url.path
    }

    /// On ideal hardware (ideal devices and converters, no noise) every analogue accuracy
    /// equals the digital one, for every architecture and on image-shaped arrays data; the
    /// per-layer table, the GPU baseline (with its convolution and pooling kernels) and the
    /// baseline accuracies come with every run.
    @Test(arguments: ["mlp", "resnet", "lenet5", "custom"])
    func idealHardwareEqualsDigital(_ architecture: String) throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var network = "architecture: \(architecture)"
        var data = Self.digits
        switch architecture {
        case "mlp": network += ", hidden: [16]"
        case "lenet5": data = try Self.imageDataset(dir)
        case "custom":
            network += ", definition: " + (try writeFile(dir, "net.yaml", """
                input: [1, 8, 8]
                layers:
                  - {type: conv2d, in_channels: 1, out_channels: 4, kernel_size: 3, padding: 1}
                  - {type: relu}
                  - {type: avg_pool, kernel_size: 2}
                  - {type: flatten}
                  - {type: linear, in_features: 64, out_features: 10}
                """))
        default: break
        }
        let path = try writeFile(dir, "e.yaml", """
            version: 1
            experiment: ideal-\(architecture)
            seed: 5
            output_dir: \(dir.path)
            dataset: {name: arrays, path: \(data), train_limit: 400}
            network: {\(network)}
            training: {epochs: 8, batch_size: 32, learning_rate: 0.003}
            hardware: {device: {model: ideal}, tile: {rows: 40, columns: 12}}
            evaluation: {t_inference: [1, 1d], repeats: 2, batch_size: 50, compensation: [none, global]}
            baseline: {batch_sizes: [1]}
            """)
        let summary = try ExperimentRunner(config: try ExperimentConfig.load(path: path)).run(write: false)
        #expect(summary.digital.accuracy > 0.35, "\(architecture) learnt nothing: \(summary.digital.accuracy)")
        for p in summary.analog { #expect(abs(p.accuracyMean - summary.digital.accuracy) < 1e-9, "\(architecture) \(p.compensation) at \(p.tInference) s") }
        #expect(!summary.layers.isEmpty && summary.layers.allSatisfy { $0.tiles >= 1 })
        let energy = try #require(summary.energy)
        let gpu = try #require(energy.gpu)
        let kinds = Set(gpu.layers.map(\.kind))
        #expect(kinds.contains("dense"))
        if architecture != "mlp" { #expect(kinds.contains("conv2d")) }
        if architecture == "resnet" { #expect(kinds.contains("residual_add") && kinds.contains("global_avg_pool")) }
        #expect(energy.baselineAccuracy?.fp32 == summary.digital.accuracy)
    }

    /// The committed digits file is what Examples/datasets/export_digits.py writes (same
    /// arrays), and it loads as 1437 + 360 images of [1, 8, 8] in 10 classes.
    @Test func digitsDatasetIsTheExportedOne() throws {
        let d = try ArraysDataset.load(path: Self.digits)
        #expect(d.sampleShape == [1, 8, 8] && d.classCount == 10)
        #expect(d.train.count == 1437 && d.test.count == 360)
        guard pythonSklearn else { return }
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("digits.npz")
        let (status, _, err) = try runProcess(URL(fileURLWithPath: "/usr/bin/python3"), [repositoryRoot.appendingPathComponent("Examples/datasets/export_digits.py").path, out.path])
        #expect(status == 0, "\(err)")
        let fresh = try ArraysDataset.load(path: out.path)
        #expect(fresh.train.images == d.train.images && fresh.train.labels == d.train.labels)
        #expect(fresh.test.images == d.test.images && fresh.test.labels == d.test.labels)
    }

    /// A network whose outputs do not match the data's classes, and an MLP whose
    /// network.layers disagree with the data, are errors naming both.
    @Test func networkMustFitTheData() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let wide = try writeFile(dir, "w.yaml", "version: 1\ndataset: {name: arrays, path: \(Self.digits)}\nnetwork: {layers: [784, 32, 10]}\ntraining: {epochs: 1}\n")
        do {
            _ = try ExperimentRunner(config: try ExperimentConfig.load(path: wide)).obtainNetwork(hardwareAware: HardwareAwareSettings())
            Issue.record("784 inputs on 64-feature data must be rejected")
        } catch let e as ConfigError {
            #expect(e.message.contains("[784, 32, 10]") && e.message.contains("64"), "\(e.message)")
        }
        let def = try writeFile(dir, "n.yaml", "input: [64]\nlayers:\n  - {type: linear, in_features: 64, out_features: 7}\n")
        let custom = try writeFile(dir, "c.yaml", "version: 1\ndataset: {name: arrays, path: \(Self.digits)}\nnetwork: {architecture: custom, definition: \(def)}\n")
        do {
            _ = try ExperimentRunner(config: try ExperimentConfig.load(path: custom)).obtainNetwork(hardwareAware: HardwareAwareSettings())
            Issue.record("7 outputs for 10 classes must be rejected")
        } catch let e as ConfigError {
            #expect(e.message.contains("[7]") && e.message.contains("10 classes"), "\(e.message)")
        }
        let noPath = try writeFile(dir, "p.yaml", "version: 1\ndataset: {name: arrays}\n")
        #expect(throws: ConfigError.self) { try ExperimentConfig.load(path: noPath) }
    }
}

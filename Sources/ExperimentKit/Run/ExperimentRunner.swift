import Crossbar
import Dispatch
import Foundation
import Networks
import NumericKernels

/// Runs an experiment end to end: data, weights (load, cached or trained), digital
/// baseline, analogue evaluation over repeats × evaluation times × compensation methods,
/// and results written atomically to `output_dir/<experiment>/`.
///
/// Every stochastic draw comes from streams of the master seed: repeat r programs with
/// `mix(seed, [r])`, batch c at time t draws output noise from stream `[5, bits(t), c]` of
/// that seed. Repeats run on `threads` workers with BLAS on one thread, so results are
/// bit-identical for any thread count.
public final class ExperimentRunner {
    public let config: ExperimentConfig
    /// Receives progress lines (the CLI prints them to stderr).
    public var log: (String) -> Void

    public init(config: ExperimentConfig, log: @escaping (String) -> Void = { _ in }) {
        self.config = config
        self.log = log
    }

    /// Seed of repeat `r`.
    public static func repeatSeed(_ seed: UInt64, _ r: Int) -> UInt64 { Xoshiro256.mix(seed, [0x5245_5045, UInt64(r)]) }

    /// Runs and writes `analog.csv`, `summary.json` and `resolved.yaml`.
    /// - Throws: `ConfigError`, `NetworksError` (data, weights) or `CrossbarError`.
    public func run(write: Bool = true) throws -> RunSummary {
        if config.architecture != .mlp { return try runSequential(write: write) }  // ExperimentRunner+Network.swift
        var timing: [String: Double] = [:]
        var clock = Date()
        func lap(_ name: String) {
            timing[name] = Date().timeIntervalSince(clock)
            clock = Date()
        }
        log("dataset: \(config.datasetDirectory)")
        let test = try FashionMNIST.load(split: .test, directory: config.datasetDirectory, limit: config.testLimit)
        lap("load_data")
        let (model, weights) = try obtainModel()
        lap("weights")
        let digitalAcc = Self.digitalAccuracy(model, test)
        log(String(format: "digital accuracy (FP32): %.2f %% on %d test images", digitalAcc * 100, test.count))
        lap("digital")

        let evaluation = try evaluateAnalog(model, test)
        lap("analog")

        let points = analogPoints(evaluation.accuracy)
        let net = try AnalogNetwork(model: model, spec: config.hardware)
        let layers = evaluation.stats.enumerated().map { i, st in
            RunSummary.Layer(
                index: i, inputs: model.layers[i].inputs, outputs: model.layers[i].outputs, tiles: net.layers[i].tiles.count,
                dacClippedFraction: st.dacClippedFraction, adcClippedFraction: st.adcClippedFraction,
                adcZeroedFraction: st.adcZeroedFraction, boundManagementRetries: st.boundManagementRetries)
        }
        let energy = try EnergyReporter(config: config).summary(
            model: model, stats: evaluation.stats,
            inputStatistics: energyInputStatistics(test),
            test: test)
        lap("energy")
        var summary = makeSummary(digitalAccuracy: digitalAcc, testImages: test.count, points: points, layers: layers, weights: weights, timing: timing)
        summary.energy = energy
        if write { try writeResults(summary, evaluation) }
        return summary
    }

    // MARK: Weights

    func obtainModel() throws -> (MLP, RunSummary.Weights) {
        guard config.architecture == .mlp else {
            throw ConfigError("\(config.file): network.architecture = \(config.architecture.rawValue): this command supports only mlp so far (aimc run supports every architecture)")
        }
        if let file = config.weightsFile {
            let model = try MLP.load(npz: URL(fileURLWithPath: file))
            guard model.sizes == config.layerSizes else {
                throw ConfigError("\(config.file): network.weights = \(file) has layer widths \(model.sizes) but network.layers = \(config.layerSizes)")
            }
            log("weights: loaded \(file)")
            return (model, .init(file: file, origin: "loaded"))
        }
        // Trained networks are cached by what they depend on, so that every experiment and
        // sweep point with the same dataset, widths and training settings reuses them.
        let fingerprint = try trainingFingerprint()
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in fingerprint { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        let dir = URL(fileURLWithPath: config.outputDirectory).appendingPathComponent("weights-cache")
        let stem = "mlp-" + config.layerSizes.map(String.init).joined(separator: "-") + "-" + String(format: "%016llx", h)
        let npz = dir.appendingPathComponent(stem + ".npz")
        let meta = dir.appendingPathComponent(stem + ".json")
        if let existing = FileManager.default.contents(atPath: meta.path), existing == fingerprint,
            FileManager.default.fileExists(atPath: npz.path),
            let model = try? MLP.load(npz: npz), model.sizes == config.layerSizes
        {
            log("weights: reusing \(npz.path) (trained with the same config)")
            return (model, .init(file: npz.path, origin: "cached"))
        }
        log("training: \(config.layerSizes.map(String.init).joined(separator: "-")) MLP, \(config.training.optimizer.rawValue), \(config.training.epochs) epochs on \(config.trainLimit) images")
        let train = try FashionMNIST.load(split: .train, directory: config.datasetDirectory, limit: config.trainLimit)
        var model = MLP(sizes: config.layerSizes, seed: config.seed)
        BLAS.setThreads(1)
        let start = Date()
        Trainer(settings: config.training).train(&model, images: train.images, labels: train.labels) { epoch, loss in
            self.log(String(format: "  epoch %d/%d  loss %.4f  (%.1f s)", epoch, self.config.training.epochs, loss, Date().timeIntervalSince(start)))
        }
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try model.save(npz: npz)
        try AtomicFile.write(fingerprint, to: meta)
        log("weights: saved \(npz.path)")
        return (model, .init(file: npz.path, origin: "trained"))
    }

    /// What the cached weights depend on, as canonical JSON.
    func trainingFingerprint() throws -> Data {
        struct F: Codable {
            var dataset: String
            var trainLimit: Int
            var layers: [Int]
            var training: TrainingSettings
            var format: Int
            /// `TrainingNumerics.version` of the code that trains.
            var code: Int
        }
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .prettyPrinted]
        return try e.encode(F(dataset: "fashion-mnist", trainLimit: config.trainLimit, layers: config.layerSizes, training: config.training, format: 1, code: TrainingNumerics.version))
    }

    /// FP32 accuracy of `model` on `data`.
    public static func digitalAccuracy(_ model: MLP, _ data: LabeledImages, batch: Int = 1000) -> Double {
        var predictions: [Int] = []
        for s in stride(from: 0, to: data.count, by: batch) {
            predictions += argmaxRows(model.forward(data.images.rows(s..<min(s + batch, data.count))))
        }
        return accuracy(predictions, data.labels)
    }

    // MARK: Analogue evaluation

    struct Evaluation {
        /// [repeat][time][compensation]
        var accuracy: [[[Double]]]
        /// Per layer, summed over repeats, times and the first compensation method.
        var stats: [ConversionStats]
    }

    func evaluateAnalog(_ model: MLP, _ test: LabeledImages) throws -> Evaluation {
        let net = try AnalogNetwork(model: model, spec: config.hardware, calibration: try config.adcCalibrationBatch())
        let batches = testBatches(test)
        let (times, comps) = (config.tInference, config.compensation)
        let (accuracy, stats) = try runRepeats(layers: model.layers.count, images: test.count) { seed in
            try Self.evaluateRepeat(net, batches: batches, times: times, comps: comps, seed: seed)
        }
        return Evaluation(accuracy: accuracy, stats: stats)
    }

    /// The summary of a run of this config (every path fills the same fields).
    func makeSummary(
        digitalAccuracy: Double, testImages: Int, points: [RunSummary.AnalogPoint], layers: [RunSummary.Layer],
        weights: RunSummary.Weights, timing: [String: Double]
    ) -> RunSummary {
        RunSummary(
            experiment: config.name, configFile: config.file, seed: config.seed,
            repeatSeeds: (0..<config.repeats).map { Self.repeatSeed(config.seed, $0) },
            digital: .init(accuracy: digitalAccuracy, testImages: testImages), analog: points, layers: layers,
            hardware: .init(config.hardware), weights: weights, timingSeconds: timing)
    }

    /// Which inputs the energy counts come from, for the report.
    func energyInputStatistics(_ test: LabeledImages) -> String {
        "the \(test.count) test images × \(config.repeats) programmings × \(config.tInference.count) evaluation times, compensation '\(config.compensation.first?.rawValue ?? "none")'"
    }

    /// The test set in batches of `evaluation.batch_size` (images, labels).
    func testBatches(_ test: LabeledImages) -> [(Matrix, ArraySlice<Int>)] {
        stride(from: 0, to: test.count, by: config.evaluationBatchSize).map {
            let r = $0..<min($0 + config.evaluationBatchSize, test.count)
            return (test.images.rows(r), test.labels[r])
        }
    }

    /// Runs `evaluate(seed of repeat r)` for every repeat on `evaluation.threads` workers,
    /// BLAS on one thread each, logging progress; returns the accuracies in repeat order
    /// (`[repeat][time][compensation]`) and the per-layer statistics summed over repeats.
    /// Each repeat depends only on its seed, so the result does not depend on the threads.
    func runRepeats(
        layers: Int, images: Int, _ evaluate: @escaping (UInt64) throws -> ([[Double]], [ConversionStats])
    ) throws -> (accuracy: [[[Double]]], stats: [ConversionStats]) {
        let repeats = config.repeats
        let seed = config.seed
        log("analog: \(repeats) repeats × \(config.tInference.count) times × \(config.compensation.count) compensation methods on \(images) images, \(config.threads) threads")
        BLAS.setThreads(1)
        var results = [[[Double]]?](repeating: nil, count: repeats)
        var stats = [[ConversionStats]](repeating: [], count: repeats)
        let lock = NSLock()
        var done = 0
        let start = Date()
        try parallelForEach(repeats, threads: config.threads) { r in
            let (acc, st) = try evaluate(Self.repeatSeed(seed, r))
            lock.lock()
            results[r] = acc
            stats[r] = st
            done += 1
            let d = done
            lock.unlock()
            let el = Date().timeIntervalSince(start)
            self.log(String(format: "  repeat %d/%d done  (%.1f s elapsed, ~%.0f s left)", d, repeats, el, el / Double(d) * Double(repeats - d)))
        }
        var total = [ConversionStats](repeating: ConversionStats(), count: layers)
        for st in stats { for (i, s) in st.enumerated() { total[i].add(s) } }
        return (results.map { $0! }, total)
    }

    /// Accuracy of one programming at every time and compensation: `[time][compensation]`,
    /// with converter statistics of the first compensation method.
    public static func evaluateRepeat(
        _ net: AnalogNetwork, batches: [(Matrix, ArraySlice<Int>)], times: [Double], comps: [DriftCompensation], seed: UInt64
    ) throws -> ([[Double]], [ConversionStats]) {
        let programmed = net.program(seed: seed)
        var acc: [[Double]] = []
        var stats: [ConversionStats] = []
        for t in times {
            let readout = programmed.readout(tInference: t)
            // Every compensation method shares the first layer's read (see
            // `NetworkReadout.forward(_:compensations:rng:stats:)`); statistics are those of
            // the first method.
            var hits = [Int](repeating: 0, count: comps.count), total = 0
            var st: [ConversionStats] = []
            for (bi, (x, labels)) in batches.enumerated() {
                var rng = Xoshiro256(seed: seed, stream: [5, t.bitPattern, UInt64(bi)])
                let logits = try readout.forward(x, compensations: comps, rng: &rng, stats: &st)
                for (ci, l) in logits.enumerated() {
                    for (p, y) in zip(argmaxRows(l), labels) where p == y { hits[ci] += 1 }
                }
                total += labels.count
            }
            let row = hits.map { Double($0) / Double(max(total, 1)) }
            if stats.isEmpty { stats = st } else { for i in st.indices { stats[i].add(st[i]) } }
            acc.append(row)
        }
        return (acc, stats)
    }

    // MARK: Results

    func writeResults(_ s: RunSummary, _ e: Evaluation) throws {
        let dir = config.resultsDirectory
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        var csv = "t_inference_s,repeat,seed," + config.compensation.map { "accuracy_\($0.rawValue)" }.joined(separator: ",") + "\n"
        for (ti, t) in config.tInference.enumerated() {
            for r in 0..<config.repeats {
                csv += "\(fmtNumber(t)),\(r),\(s.repeatSeeds[r])," + e.accuracy[r][ti].map { String(format: "%.4f", $0) }.joined(separator: ",") + "\n"
            }
        }
        try AtomicFile.write(Data(csv.utf8), to: dir.appendingPathComponent("analog.csv"))
        try AtomicFile.write(try s.json(), to: dir.appendingPathComponent("summary.json"))
        try AtomicFile.write(Data(try config.resolvedYAML().utf8), to: dir.appendingPathComponent("resolved.yaml"))
        if let energy = s.energy { try AtomicFile.write(Data(EnergyTable.csv(energy).utf8), to: dir.appendingPathComponent("energy.csv")) }
        log("results: \(dir.path)/{analog.csv, summary.json, resolved.yaml\(s.energy == nil ? "" : ", energy.csv")}")
    }
}

func fmtNumber(_ x: Double) -> String {
    x == x.rounded() && abs(x) < 1e15 ? String(Int64(x)) : String(x)
}

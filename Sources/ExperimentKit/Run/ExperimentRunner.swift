import Crossbar
import Dispatch
import Energy
import Foundation
import Networks
import NumericKernels

/// Runs an experiment end to end, for every architecture alike: data, weights (load,
/// cached or trained), digital baseline, analogue evaluation over repeats × evaluation
/// times × compensation methods, the energy report, the side-by-side comparison with the
/// plain network when `evaluation.compare_plain` is set, and results written atomically to
/// `output_dir/<experiment>/`.
///
/// Every stochastic draw comes from streams of the master seed: repeat r programs with
/// `repeatSeed(seed, r)` (weighted layer i with `mix(that, [i])`), batch c at time t
/// draws output noise from stream `[5, bits(t), c]` of the repeat's seed. Repeats run on
/// `threads` workers with BLAS on one thread, so results are bit-identical for any thread
/// count.
public final class ExperimentRunner {
    public let config: ExperimentConfig
    /// Receives progress lines (the CLI prints them to stderr).
    public var log: (String) -> Void
    /// Folder of trained networks, shared by runs from any folder (`WeightsCache.directory`).
    public var weightsCache: URL

    public init(config: ExperimentConfig, log: @escaping (String) -> Void = { _ in }) {
        self.config = config
        self.log = log
        weightsCache = WeightsCache.directory(outputDirectory: config.outputDirectory)
    }

    /// Seed of repeat `r`.
    public static func repeatSeed(_ seed: UInt64, _ r: Int) -> UInt64 { Xoshiro256.mix(seed, [RandomStream.repeatSeed.rawValue, UInt64(r)]) }

    /// Runs and writes `analog.csv`, `summary.json`, `resolved.yaml` and `energy.csv`.
    /// - Throws: `ConfigError`, `NetworksError` (data, weights) or `CrossbarError`.
    public func run(write: Bool = true) throws -> RunSummary {
        var timing: [String: Double] = [:]
        var clock = Date()
        func lap(_ name: String) {
            timing[name] = Date().timeIntervalSince(clock)
            clock = Date()
        }
        let hwa = try config.hardwareAwareSettings()
        log("dataset: \(config.datasetDirectory)")
        let test = try config.loadData(.test)
        // Nothing to evaluate: stop before training, writing or averaging over zero samples.
        guard test.count > 0 else {
            throw ConfigError("\(config.file): the test split of \(config.datasetDirectory) holds 0 samples; nothing to evaluate (no results written)")
        }
        lap("load_data")
        let (network, weights) = try obtainNetwork(hardwareAware: hwa)
        lap("weights")
        let digitalAcc = try Self.digitalAccuracy(network, test)
        log(String(format: "digital accuracy (FP32): %.2f %% on %d test samples", digitalAcc * 100, test.count))
        lap("digital")
        let calibration = try config.adcCalibrationBatch()
        let net = try AnalogSequentialNetwork(network: network, spec: config.hardware, calibration: calibration)
        let evaluation = try naming(weights) { try evaluateAnalog(net, test) }
        lap("analog")
        let points = analogPoints(evaluation.accuracy)
        let (shape, classes) = try config.dataShape()
        let names = try config.networkDescription(sampleShape: shape, classes: classes).weightedLayerNames
        let placements = network.weightedLayers.map(\.placement.rawValue)
        let layers = evaluation.stats.enumerated().map { i, st in
            RunSummary.Layer(
                index: i, name: i < names.count ? names[i] : nil, placement: i < placements.count ? placements[i] : nil,
                inputs: net.units[i].inputs, outputs: net.units[i].outputs, tiles: net.units[i].tileCount,
                dacClippedFraction: st.dacClippedFraction, adcClippedFraction: st.adcClippedFraction,
                adcZeroedFraction: st.adcZeroedFraction, boundManagementRetries: st.boundManagementRetries)
        }
        var comparison: RunSummary.Comparison? = nil
        if config.comparePlain {
            log("plain network (hardware-aware training off) for the comparison:")
            let (plain, plainWeights) = try obtainNetwork(hardwareAware: HardwareAwareSettings())
            let plainDigital = try Self.digitalAccuracy(plain, test)
            log(String(format: "plain digital accuracy (FP32): %.2f %%", plainDigital * 100))
            let plainNet = try AnalogSequentialNetwork(network: plain, spec: config.hardware, calibration: calibration)
            let plainEval = try naming(plainWeights) { try evaluateAnalog(plainNet, test) }
            comparison = RunSummary.Comparison(
                plain: .init(digitalAccuracy: plainDigital, analog: analogPoints(plainEval.accuracy), weights: plainWeights),
                hardwareAware: .init(digitalAccuracy: digitalAcc, analog: points, weights: weights))
            lap("plain")
        }
        let energy = try EnergyReporter(config: config).summary(
            net, stats: evaluation.stats, inputStatistics: energyInputStatistics(test), test: test)
        lap("energy")
        var summary = makeSummary(digitalAccuracy: digitalAcc, testImages: test.count, points: points, layers: layers, weights: weights, timing: timing)
        summary.energy = energy
        summary.comparison = comparison
        if write { try writeResults(summary, evaluation) }
        return summary
    }

    /// Runs an analogue evaluation; a `CrossbarError` (a non-finite activation, a failed
    /// readout stage, already naming the layer) becomes a `ConfigError` that also names the
    /// config, the weights and the dataset.
    func naming<T>(_ weights: RunSummary.Weights, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let e as CrossbarError {
            var m = "\(config.file): analogue evaluation (weights \(weights.file), \(weights.origin); dataset \(config.datasetDirectory)): \(e.message)"
            if e.message.contains("must be finite") {
                m += " — the activations overflowed float32: check the weights' and the inputs' scale"
            }
            throw ConfigError(m)
        }
    }

    func analogPoints(_ accuracy: [[[Double]]]) -> [RunSummary.AnalogPoint] {
        var points: [RunSummary.AnalogPoint] = []
        for (ti, t) in config.tInference.enumerated() {
            for (ci, c) in config.compensation.enumerated() {
                let accs = accuracy.map { $0[ti][ci] }
                let s = Summary(accs)
                points.append(.init(
                    tInference: t, compensation: c.rawValue, accuracyMean: s.mean, accuracyStd: s.std,
                    accuracyCi95: s.ci95, repeats: s.count, accuracies: accs))
            }
        }
        return points
    }

    // MARK: Weights

    /// The network of `trainedNetwork(hardwareAware:)` with the placement policy of
    /// `network.placement.*` applied (which matrices run digitally; no retraining).
    /// - Throws: as `trainedNetwork(hardwareAware:)`.
    public func obtainNetwork(hardwareAware: HardwareAwareSettings) throws -> (SequentialNetwork, RunSummary.Weights) {
        let (network, weights) = try trainedNetwork(hardwareAware: hardwareAware)
        return (config.placementPolicy.apply(to: network), weights)
    }

    /// The network: loaded from `network.weights`, or trained (with `hardwareAware`) and
    /// cached in `weightsCache/<architecture>-<hash>.npz` (an MLP: `mlp-<widths>-<hash>.npz`,
    /// arrays `W0, b0, …`) keyed by everything training depends on. A network cached by an
    /// older aimc in `output_dir/weights-cache/` is still reused from there.
    /// - Throws: `ConfigError`, `NetworksError` for unreadable data or weights.
    public func trainedNetwork(hardwareAware: HardwareAwareSettings) throws -> (SequentialNetwork, RunSummary.Weights) {
        let (shape, classes) = try config.dataShape()
        let description = try config.networkDescription(sampleShape: shape, classes: classes)
        try config.checkNetworkMemory(description, trains: config.weightsFile == nil)
        if let file = config.weightsFile {
            let network = try description.build(arrays: try NetworkImport.arrays(path: file), file: file)
            try checkOutputs(network, classes: classes, source: file)
            log("weights: loaded \(file)")
            return (network, .init(file: file, origin: "loaded"))
        }
        let fingerprint = try networkFingerprint(hardwareAware, description: description)
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in fingerprint { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        let dir = weightsCache
        let stem = cacheName(description) + (hardwareAware.isEnabled ? "-hwa-" : "-") + String(format: "%016llx", h)
        let npz = dir.appendingPathComponent(stem + ".npz")
        let meta = dir.appendingPathComponent(stem + ".json")
        let legacy = WeightsCache.legacyDirectory(outputDirectory: config.outputDirectory)
        for folder in [dir, legacy] {
            let npz = folder.appendingPathComponent(stem + ".npz")
            if let existing = FileManager.default.contents(atPath: folder.appendingPathComponent(stem + ".json").path), existing == fingerprint,
                FileManager.default.fileExists(atPath: npz.path),
                let arrays = try? NPZ.read(npz), let network = try? description.build(arrays: arrays, file: npz.path)
            {
                log("weights: reusing \(npz.path) (trained with the same config)")
                return (network, .init(file: npz.path, origin: "cached"))
            }
        }
        let tr = config.training
        log("training: \(cacheName(description))\(hardwareAware.isEnabled ? " (hardware-aware: noise \(hardwareAware.noise.rawValue) σ \(hardwareAware.noiseLevel), clip \(hardwareAware.weightClipSigma) σ, drift-aware epochs \(hardwareAware.driftAwareEpochs))" : ""), \(tr.optimizer.rawValue), \(tr.epochs) epochs on \(config.trainLimit) samples")
        let train = try config.loadData(.train)
        var network = try description.build(arrays: nil, seed: config.seed)
        try checkOutputs(network, classes: classes, source: config.file)
        BLAS.setThreads(1)
        let start = Date()
        let total = tr.epochs + hardwareAware.driftAwareEpochs
        try NetworkTrainer(settings: tr, hardwareAware: hardwareAware, schedule: try config.learningRateSchedule()).train(&network, images: train.images, labels: train.labels) { epoch, loss in
            self.log(String(format: "  epoch %d/%d  loss %.4f  (%.1f s)", epoch, total, loss, Date().timeIntervalSince(start)))
        }
        do {
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        } catch {
            throw ConfigError("cannot create the weights cache \(dir.path) (set \(WeightsCache.environmentVariable) to a writable folder): \(ResultSet.reason(error))")
        }
        try description.save(network, npz: npz)
        try AtomicFile.write(fingerprint, to: meta)
        log("weights: saved \(npz.path)")
        return (network, .init(file: npz.path, origin: "trained"))
    }

    /// The name of cached weights: `mlp-784-256-128-10` or the architecture's name.
    func cacheName(_ d: NetworkDescription) -> String {
        guard config.architecture == .mlp else { return config.architecture.rawValue }
        let widths = [d.inputShape.reduce(1, *)] + d.layers.filter { $0.kind == .linear }.map(\.outFeatures)
        return "mlp-" + widths.map(String.init).joined(separator: "-")
    }

    /// The network must give one logit per class.
    func checkOutputs(_ network: SequentialNetwork, classes: Int, source: String) throws {
        let out = try network.outputShape
        guard out == [classes] else {
            throw ConfigError("\(source): the network gives outputs of shape \(out) but the dataset \(config.datasetDirectory) has \(classes) classes")
        }
    }

    /// What the cached weights depend on, as canonical JSON.
    func networkFingerprint(_ hwa: HardwareAwareSettings, description: NetworkDescription) throws -> Data {
        struct F: Codable {
            var dataset: String
            var trainLimit: Int
            var architecture: String
            var network: String
            var training: TrainingSettings
            var hardwareAware: HardwareAwareSettings?
            var device: String?
            var schedule: String
            var format: Int
            /// `TrainingNumerics.version` of the code that trains.
            var code: Int
        }
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .prettyPrinted]
        let usesDevice = hwa.noise == .pcm || hwa.driftAwareEpochs > 0
        return try e.encode(F(
            dataset: try config.datasetIdentity(), trainLimit: config.trainLimit, architecture: config.architecture.rawValue,
            // JSON with sorted keys: the same text in every process (a Dictionary's description
            // follows the process's hash seed).
            network: String(decoding: try e.encode(description), as: UTF8.self), training: config.training, hardwareAware: hwa.isEnabled ? hwa : nil,
            device: usesDevice ? String(describing: hwa.device) : nil, schedule: try config.learningRateSchedule().rawValue, format: 2,
            code: TrainingNumerics.version))
    }

    /// FP32 accuracy of `network` on `data`.
    /// - Throws: `NetworksError(.shape)` when the samples do not fit the network.
    public static func digitalAccuracy(_ network: SequentialNetwork, _ data: LabeledImages, batch: Int = 1000) throws -> Double {
        var predictions: [Int] = []
        for s in stride(from: 0, to: data.count, by: batch) {
            try Interruption.checkpoint()
            predictions += argmaxRows(try network.forward(data.images.rows(s..<min(s + batch, data.count))))
        }
        return accuracy(predictions, data.labels)
    }

    // MARK: Analogue evaluation

    struct Evaluation {
        /// [repeat][time][compensation]
        var accuracy: [[[Double]]]
        /// Per weighted layer, summed over repeats, times and the first compensation method.
        var stats: [ConversionStats]
    }

    func evaluateAnalog(_ net: AnalogSequentialNetwork, _ test: LabeledImages) throws -> Evaluation {
        let batches = testBatches(test)
        let (times, comps) = (config.tInference, config.compensation)
        let (accuracy, stats) = try runRepeats(layers: net.units.count, images: test.count) { seed in
            try Self.evaluateRepeat(net, batches: batches, times: times, comps: comps, seed: seed)
        }
        return Evaluation(accuracy: accuracy, stats: stats)
    }

    /// Accuracy of one programming at every time and compensation, `[time][compensation]`,
    /// with the converter statistics of the first compensation method. Every compensation
    /// method shares the first weighted layer's read (`SequentialReadout.forward(_:compensations:rng:stats:)`).
    public static func evaluateRepeat(
        _ net: AnalogSequentialNetwork, batches: [(Matrix, ArraySlice<Int>)], times: [Double], comps: [DriftCompensation], seed: UInt64
    ) throws -> ([[Double]], [ConversionStats]) {
        let programmed = net.program(seed: seed)
        var acc: [[Double]] = []
        var stats: [ConversionStats] = []
        for t in times {
            let readout = programmed.readout(tInference: t)
            var hits = [Int](repeating: 0, count: comps.count), total = 0
            var st: [ConversionStats] = []
            for (bi, (x, labels)) in batches.enumerated() {
                try Interruption.checkpoint()  // Ctrl-C: stop between batches, never inside BLAS
                var rng = Xoshiro256(seed: seed, .outputNoise, t.bitPattern, UInt64(bi))
                let logits = try readout.forward(x, compensations: comps, rng: &rng, stats: &st)
                for (ci, l) in logits.enumerated() {
                    for (p, y) in zip(argmaxRows(l), labels) where p == y { hits[ci] += 1 }
                }
                total += labels.count
            }
            if stats.isEmpty { stats = st } else { for i in st.indices { stats[i].add(st[i]) } }
            acc.append(hits.map { Double($0) / Double(max(total, 1)) })
        }
        return (acc, stats)
    }

    /// The summary of a run of this config.
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

    /// The test set in batches of `evaluation.batch_size` (samples, labels).
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
        log("analog: \(repeats) repeats × \(config.tInference.count) times × \(config.compensation.count) compensation methods on \(images) samples, \(config.threads) threads")
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

    // MARK: Results

    /// A warning when the results folder holds a run of another configuration (its
    /// `resolved.yaml` differs from this run's), for `aimc run` to print before any work (even
    /// with `--quiet`, as the config's warnings) so that the run can be stopped: the new
    /// results replace those files. Nil when the folder is empty or holds
    /// this configuration's results.
    public func replacedRunWarning() throws -> String? {
        let dir = config.resultsDirectory
        let old = dir.appendingPathComponent("resolved.yaml")
        guard let previous = try? String(contentsOf: old, encoding: .utf8) else { return nil }
        let current = try config.resolvedYAML()
        guard previous != current else { return nil }
        let a = previous.split(separator: "\n", omittingEmptySubsequences: false), b = current.split(separator: "\n", omittingEmptySubsequences: false)
        let line = zip(a, b).first { $0 != $1 }.map { "was '\($0.trimmingCharacters(in: .whitespaces))', now '\($1.trimmingCharacters(in: .whitespaces))'" }
            ?? "the files differ in length"
        return "warning: \(dir.path) holds the results of another configuration (resolved.yaml: \(Clip.middle(line, 300))); this run replaces them — give it its own name (--set experiment=NAME) to keep both"
    }

    func writeResults(_ s: RunSummary, _ e: Evaluation) throws {
        let dir = config.resultsDirectory
        var csv = "t_inference_s,repeat,seed," + config.compensation.map { "accuracy_\($0.rawValue)" }.joined(separator: ",") + "\n"
        for (ti, t) in config.tInference.enumerated() {
            for r in 0..<config.repeats {
                csv += "\(fmtNumber(t)),\(r),\(s.repeatSeeds[r])," + e.accuracy[r][ti].map { String(format: "%.4f", $0) }.joined(separator: ",") + "\n"
            }
        }
        // One set: staged, renamed into place, manifest.json last (ResultSet).
        var files: [(name: String, data: Data)] = [
            ("analog.csv", Data(csv.utf8)), ("summary.json", try s.json()), ("resolved.yaml", Data(try config.resolvedYAML().utf8)),
        ]
        if let energy = s.energy { files.append(("energy.csv", Data(EnergyTable.csv(energy).utf8))) }
        try ResultSet.write(files, to: dir)
        log("results: \(dir.path)/{analog.csv, summary.json, resolved.yaml\(s.energy == nil ? "" : ", energy.csv"), manifest.json}")
    }
}

func fmtNumber(_ x: Double) -> String {
    x == x.rounded() && abs(x) < 1e15 ? String(Int64(x)) : String(x)
}

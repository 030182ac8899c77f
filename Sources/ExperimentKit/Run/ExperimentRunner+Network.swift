import Crossbar
import Dispatch
import Energy
import Foundation
import Networks
import NumericKernels

/// `aimc run` for `SequentialNetwork`s (`network.architecture` lenet5, resnet, custom):
/// the same phases, seeds, results and table as the MLP path, plus the side-by-side
/// comparison with the plain network when `evaluation.compare_plain` is set.
extension ExperimentRunner {
    func runSequential(write: Bool) throws -> RunSummary {
        var timing: [String: Double] = [:]
        var clock = Date()
        func lap(_ name: String) {
            timing[name] = Date().timeIntervalSince(clock)
            clock = Date()
        }
        let hwa = try config.hardwareAwareSettings()
        log("dataset: \(config.datasetDirectory)")
        let test = try FashionMNIST.load(split: .test, directory: config.datasetDirectory, limit: config.testLimit)
        lap("load_data")
        let (network, weights) = try obtainNetwork(hardwareAware: hwa)
        lap("weights")
        let digitalAcc = try Self.digitalAccuracy(network, test)
        log(String(format: "digital accuracy (FP32): %.2f %% on %d test images", digitalAcc * 100, test.count))
        lap("digital")
        let calibration = try config.adcCalibrationBatch()
        let net = try AnalogSequentialNetwork(network: network, spec: config.hardware, calibration: calibration)
        let evaluation = try evaluateAnalog(net, test)
        lap("analog")
        let points = analogPoints(evaluation.accuracy)
        let layers = evaluation.stats.enumerated().map { i, st in
            RunSummary.Layer(
                index: i, inputs: net.units[i].inputs, outputs: net.units[i].outputs, tiles: net.units[i].tileCount,
                dacClippedFraction: st.dacClippedFraction, adcClippedFraction: st.adcClippedFraction,
                adcZeroedFraction: st.adcZeroedFraction, boundManagementRetries: st.boundManagementRetries)
        }
        var comparison: RunSummary.Comparison? = nil
        if config.comparePlain {
            guard hwa.isEnabled, config.weightsFile == nil else {
                throw ConfigError("\(config.file): evaluation.compare_plain needs hardware-aware training (training.noise, training.weight_clip_sigma or training.drift_aware) and no network.weights")
            }
            log("plain network (hardware-aware training off) for the comparison:")
            let (plain, plainWeights) = try obtainNetwork(hardwareAware: HardwareAwareSettings())
            let plainDigital = try Self.digitalAccuracy(plain, test)
            log(String(format: "plain digital accuracy (FP32): %.2f %%", plainDigital * 100))
            let plainEval = try evaluateAnalog(try AnalogSequentialNetwork(network: plain, spec: config.hardware, calibration: calibration), test)
            comparison = RunSummary.Comparison(
                plain: .init(digitalAccuracy: plainDigital, analog: analogPoints(plainEval.accuracy), weights: plainWeights),
                hardwareAware: .init(digitalAccuracy: digitalAcc, analog: points, weights: weights))
            lap("plain")
        }
        let energy = try energySummary(
            net, stats: evaluation.stats,
            inputStatistics: energyInputStatistics(test))
        lap("energy")
        var summary = makeSummary(digitalAccuracy: digitalAcc, testImages: test.count, points: points, layers: layers, weights: weights, timing: timing)
        summary.energy = energy
        summary.comparison = comparison
        if write { try writeResults(summary, Evaluation(accuracy: evaluation.accuracy, stats: evaluation.stats)) }
        return summary
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

    /// The network: loaded from `network.weights`, or trained (with `hardwareAware`) and
    /// cached in `output_dir/weights-cache/<architecture>-<hash>.npz` keyed by everything
    /// training depends on.
    func obtainNetwork(hardwareAware: HardwareAwareSettings) throws -> (SequentialNetwork, RunSummary.Weights) {
        let description = try config.networkDescription()
        if let file = config.weightsFile {
            let network = try description.build(arrays: try NetworkImport.arrays(path: file), file: file)
            log("weights: loaded \(file)")
            return (network, .init(file: file, origin: "loaded"))
        }
        guard config.architecture != .custom else {
            throw ConfigError("\(config.file): network.architecture = custom needs network.weights (an .npz or .safetensors of the trained network)")
        }
        let fingerprint = try networkFingerprint(hardwareAware)
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in fingerprint { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        let dir = URL(fileURLWithPath: config.outputDirectory).appendingPathComponent("weights-cache")
        let stem = config.architecture.rawValue + (hardwareAware.isEnabled ? "-hwa-" : "-") + String(format: "%016llx", h)
        let npz = dir.appendingPathComponent(stem + ".npz")
        let meta = dir.appendingPathComponent(stem + ".json")
        if let existing = FileManager.default.contents(atPath: meta.path), existing == fingerprint,
            FileManager.default.fileExists(atPath: npz.path),
            let arrays = try? NPZ.read(npz), let network = try? description.build(arrays: arrays, file: npz.path)
        {
            log("weights: reusing \(npz.path) (trained with the same config)")
            return (network, .init(file: npz.path, origin: "cached"))
        }
        let tr = config.training
        log("training: \(config.architecture.rawValue)\(hardwareAware.isEnabled ? " (hardware-aware: noise \(hardwareAware.noise.rawValue) σ \(hardwareAware.noiseLevel), clip \(hardwareAware.weightClipSigma) σ, drift-aware epochs \(hardwareAware.driftAwareEpochs))" : ""), \(tr.optimizer.rawValue), \(tr.epochs) epochs on \(config.trainLimit) images")
        let train = try FashionMNIST.load(split: .train, directory: config.datasetDirectory, limit: config.trainLimit)
        var network = try description.build(arrays: nil, seed: config.seed)
        BLAS.setThreads(1)
        let start = Date()
        let total = tr.epochs + hardwareAware.driftAwareEpochs
        try NetworkTrainer(settings: tr, hardwareAware: hardwareAware, schedule: try config.learningRateSchedule()).train(&network, images: train.images, labels: train.labels) { epoch, loss in
            self.log(String(format: "  epoch %d/%d  loss %.4f  (%.1f s)", epoch, total, loss, Date().timeIntervalSince(start)))
        }
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try network.save(npz: npz)
        try AtomicFile.write(fingerprint, to: meta)
        log("weights: saved \(npz.path)")
        return (network, .init(file: npz.path, origin: "trained"))
    }

    func networkFingerprint(_ hwa: HardwareAwareSettings) throws -> Data {
        struct F: Codable {
            var dataset: String
            var trainLimit: Int
            var architecture: String
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
            dataset: "fashion-mnist", trainLimit: config.trainLimit, architecture: config.architecture.rawValue,
            training: config.training, hardwareAware: hwa.isEnabled ? hwa : nil,
            device: usesDevice ? String(describing: hwa.device) : nil, schedule: try config.learningRateSchedule().rawValue, format: 1, code: TrainingNumerics.version))
    }

    /// FP32 accuracy of `network` on `data`.
    public static func digitalAccuracy(_ network: SequentialNetwork, _ data: LabeledImages, batch: Int = 1000) throws -> Double {
        var predictions: [Int] = []
        for s in stride(from: 0, to: data.count, by: batch) {
            predictions += argmaxRows(try network.forward(data.images.rows(s..<min(s + batch, data.count))))
        }
        return accuracy(predictions, data.labels)
    }

    // MARK: Analogue evaluation

    func evaluateAnalog(_ net: AnalogSequentialNetwork, _ test: LabeledImages) throws -> (accuracy: [[[Double]]], stats: [ConversionStats]) {
        let batches = testBatches(test)
        let (times, comps) = (config.tInference, config.compensation)
        return try runRepeats(layers: net.units.count, images: test.count) { seed in
            try Self.evaluateRepeat(net, batches: batches, times: times, comps: comps, seed: seed)
        }
    }

    /// Accuracy of one programming at every time and compensation, `[time][compensation]`,
    /// with the converter statistics of the first compensation method; the same seeds and
    /// streams as the MLP path.
    public static func evaluateRepeat(
        _ net: AnalogSequentialNetwork, batches: [(Matrix, ArraySlice<Int>)], times: [Double], comps: [DriftCompensation], seed: UInt64
    ) throws -> ([[Double]], [ConversionStats]) {
        let programmed = net.program(seed: seed)
        var acc: [[Double]] = []
        var stats: [ConversionStats] = []
        for t in times {
            let readout = programmed.readout(tInference: t)
            var row: [Double] = []
            for (ci, c) in comps.enumerated() {
                var hits = 0, total = 0
                var st: [ConversionStats] = []
                for (bi, (x, labels)) in batches.enumerated() {
                    var rng = Xoshiro256(seed: seed, stream: [5, t.bitPattern, UInt64(bi)])
                    let pred = argmaxRows(try readout.forward(x, compensation: c, rng: &rng, stats: &st))
                    for (p, l) in zip(pred, labels) where p == l { hits += 1 }
                    total += labels.count
                }
                row.append(Double(hits) / Double(max(total, 1)))
                if ci == 0 {
                    if stats.isEmpty { stats = st } else { for i in st.indices { stats[i].add(st[i]) } }
                }
            }
            acc.append(row)
        }
        return (acc, stats)
    }

    // MARK: Energy

    /// The analogue energy of the weighted layers (GPU baseline not modelled for these
    /// architectures: its roofline is written for dense layers). A convolution reads its
    /// tiles once per output pixel: its counts are normalised per image (`inputVectors` set
    /// to the images of the first layer), so energy and latency are per inference and
    /// TOPS/W uses the network's MACs per image.
    func energySummary(_ net: AnalogSequentialNetwork, stats: [ConversionStats], inputStatistics: String) throws -> EnergySummary {
        var analog: AnalogEnergyEstimate?
        var note: String?
        if let m = try config.energyModel() {
            let geometry = net.units.map { LayerGeometry(inputs: $0.inputs, outputs: $0.outputs, tiles: $0.tileCount) }
            let images = net.units.first.map { u in stats.first.map { $0.inputVectors / max(1, Self.vectorsPerImage(net, unit: 0)) } ?? 0 } ?? 0
            var perImage = stats
            for i in perImage.indices { perImage[i].inputVectors = images }
            do {
                var a = try AnalogEnergyEstimate.estimate(model: m, spec: config.hardware, layers: geometry, stats: perImage)
                a.opsPerInference = 2 * Double(net.network.macsPerInference)
                a.topsPerWatt = a.joulesPerInference > 0 ? a.opsPerInference / a.joulesPerInference / 1e12 : 0
                analog = a
            } catch let e as EnergyError {
                note = "not modelled: \(e.message)"
            }
        } else {
            note = "not modelled: no energy model (include a file from Circuits/energy/ in hardware.include)"
        }
        return EnergySummary(
            analog: analog, analogNote: note, inputStatistics: inputStatistics + "; GPU baseline: not modelled for \(config.architecture.rawValue) (dense layers only)",
            gpu: nil, gpuAll: [], ratio: nil, baselineAccuracy: nil)
    }

    /// MVMs per image of weighted layer `unit` (output pixels of a convolution, 1 for dense).
    static func vectorsPerImage(_ net: AnalogSequentialNetwork, unit: Int) -> Int {
        var count = 0, result = 1
        func walk(_ layers: [Layer], _ shape: [Int]) -> [Int] {
            var s = shape
            for l in layers {
                switch l {
                case .conv2d(let c):
                    if count == unit, let o = try? c.outputShape(s) { result = o[1] * o[2] }
                    count += 1
                case .dense: count += 1
                case .residual(let r):
                    _ = walk(r.body, s)
                    _ = walk(r.shortcut, s)
                default: break
                }
                s = (try? l.outputShape(s)) ?? s
            }
            return s
        }
        _ = walk(net.network.layers, net.network.inputShape)
        return result
    }
}

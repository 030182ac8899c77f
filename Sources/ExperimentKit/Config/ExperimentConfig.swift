import Crossbar
import Energy
import Foundation
import Networks
import NumericKernels

/// A fully resolved experiment: every key of `ExperimentKeys.all` with its value.
public struct ExperimentConfig: Sendable {
    /// The experiment file.
    public let file: String
    /// The merged, validated tree (what `resolved.yaml` records).
    public let resolved: ResolvedTree
    public let name: String
    public let seed: UInt64
    public let outputDirectory: String
    /// `dataset.name`.
    public let datasetName: DatasetName
    /// fashion-mnist: the folder after `dataset.path` → `$AIMC_FASHION_MNIST_DIR` →
    /// default; arrays: the `.npz` file or folder of `.npy` files.
    public let datasetDirectory: String
    public let trainLimit: Int
    public let testLimit: Int
    /// `network.architecture`.
    public let architecture: NetworkArchitecture
    /// mlp: the hidden widths (`network.hidden`, or the middle of `network.layers`).
    public let hiddenWidths: [Int]
    /// mlp: `network.layers` when given (checked against the data when it is loaded).
    public let layerWidths: [Int]?
    /// vit: `network.vit.*`.
    public let vit: Architectures.ViTSettings
    /// Warnings about keys that a default or an included hardware file makes inert; the
    /// CLI prints them.
    public internal(set) var warnings: [String] = []
    /// The keys read by the extensions (hardware-aware training, schedule, energy model,
    /// GPU baseline, ADC calibration), decoded once at load.
    var decoded = Decoded()

    /// Typed values of the keys the extensions serve (see `decoded`).
    struct Decoded: Sendable {
        var hardwareAware = HardwareAwareSettings()
        var schedule = LearningRateSchedule.constant
        var comparePlain = false
        var energyModel: AnalogEnergyModel? = nil
        var gpus: [GPUProfile] = []
        var precision = DigitalPrecision.int8
        var batchSizes: [Int] = []
        var adcCalibrationImages = 0
        var placement = PlacementPolicy()
    }
    /// User-supplied weights, or nil to train (with caching).
    public let weightsFile: String?
    public let training: TrainingSettings
    public let hardware: HardwareSpec
    /// Evaluation times after programming (s).
    public let tInference: [Double]
    public let repeats: Int
    public let evaluationBatchSize: Int
    public let compensation: [DriftCompensation]
    /// Worker threads, ≥ 1.
    public let threads: Int

    /// Folder of this experiment's results: `output_dir/<experiment>`.
    public var resultsDirectory: URL {
        URL(fileURLWithPath: outputDirectory).appendingPathComponent(name)
    }

    /// Loads `path`, applies `--set` overrides (full dotted keys), expands hardware
    /// includes and validates everything.
    /// - Throws: `ConfigError` naming the file, key, value and allowed values.
    public static func load(path: String, overrides: [String] = []) throws -> ExperimentConfig {
        var tree = try ConfigLoader.read(path)
        // The sweep section describes many runs; `SweepSpec` reads it.
        tree.remove(["sweep"])
        let circuits = ConfigLoader.circuitsRoot(near: URL(fileURLWithPath: path).deletingLastPathComponent())
        // `device=NAME` is shorthand for the device file's keys (as the sweep axis).
        let sets = try overrides.flatMap { $0.hasPrefix("device=") ? try ConfigLoader.deviceOverrides(String($0.dropFirst(7)), circuits: circuits) : [$0] }
        for (k, v) in try ConfigLoader.overrides(sets) {
            tree.set(k.split(separator: ".").map(String.init), v)
        }
        if let hw = tree.value(at: "hardware") {
            let expanded = try ConfigLoader.expandIncludes(hw, file: path, circuits: circuits)
            tree.set(["hardware"], expanded)
        }
        let schema = Schema(ExperimentKeys.all)
        try schema.validate(tree)
        let t = ResolvedTree(tree: tree, schema: schema, file: path)
        return try ExperimentConfig(file: path, resolved: t)
    }

    init(file: String, resolved t: ResolvedTree) throws {
        self.file = file
        self.resolved = t
        let stem = URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent
        let name = t.isSet("experiment") ? try t.string("experiment") : stem
        guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || "-_.".contains($0) }), name != ".", name != ".." else {
            throw ConfigError("\(file): experiment = '\(name)' is not allowed: use letters, digits, '-', '_' and '.'")
        }
        self.name = name
        seed = UInt64(try t.int("seed"))
        outputDirectory = try t.string("output_dir")
        datasetName = try t.choice("dataset.name")
        let configured = try t.string("dataset.path")
        switch datasetName {
        case .fashionMNIST: datasetDirectory = FashionMNIST.resolveDirectory(configured: configured.isEmpty ? nil : configured)
        case .arrays:
            guard !configured.isEmpty else {
                throw ConfigError("\(file): dataset.name = arrays needs dataset.path (an .npz with x_train, y_train, x_test, y_test, or a folder of those four .npy files)")
            }
            datasetDirectory = configured
        }
        trainLimit = try t.int("dataset.train_limit")
        testLimit = try t.int("dataset.test_limit")
        architecture = try t.choice("network.architecture")
        if t.isSet("network.layers") {
            guard !t.isSet("network.hidden") else {
                throw ConfigError("\(file): network.layers and network.hidden both set; give one (network.hidden: the hidden widths; network.layers: all widths from input to output)")
            }
            let widths = try t.ints("network.layers")
            layerWidths = widths
            hiddenWidths = Array(widths.dropFirst().dropLast())
        } else {
            layerWidths = nil
            hiddenWidths = try t.ints("network.hidden")
        }
        var v = Architectures.ViTSettings()
        v.patchSize = try t.int("network.vit.patch_size")
        v.dim = try t.int("network.vit.dim")
        v.depth = try t.int("network.vit.depth")
        v.heads = try t.int("network.vit.heads")
        v.mlpRatio = try t.int("network.vit.mlp_ratio")
        v.pool = try t.choice("network.vit.pool")
        v.attentionPrecision = try t.choice("network.vit.attention_precision")
        v.experts = try t.int("network.vit.experts")
        v.topK = try t.int("network.vit.top_k")
        v.moeEvery = try t.int("network.vit.moe_every")
        v.balanceLoss = try t.float("network.vit.balance_loss")
        if v.dim % v.heads != 0 {
            throw ConfigError("\(file): network.vit.heads = \(v.heads) must divide network.vit.dim = \(v.dim) (each head gets dim/heads features)")
        }
        if v.experts > 0 && v.topK > v.experts {
            throw ConfigError("\(file): network.vit.top_k = \(v.topK) must be at most network.vit.experts = \(v.experts)")
        }
        vit = v
        let w = try t.string("network.weights")
        weightsFile = w.isEmpty ? nil : w
        var tr = TrainingSettings()
        tr.optimizer = try t.choice("training.optimizer")
        tr.epochs = try t.int("training.epochs")
        tr.batchSize = try t.int("training.batch_size")
        tr.learningRate = try t.float("training.learning_rate")
        tr.momentum = try t.float("training.momentum")
        tr.weightDecay = try t.float("training.weight_decay")
        tr.beta2 = try t.double("training.beta2")
        tr.warmupEpochs = try t.double("training.warmup_epochs")
        tr.minLearningRate = try t.float("training.min_learning_rate")
        if tr.warmupEpochs > Double(tr.epochs) {
            throw ConfigError("\(file): training.warmup_epochs = \(fmt(tr.warmupEpochs)) is longer than training.epochs = \(tr.epochs); allowed 0…\(tr.epochs)")
        }
        if tr.minLearningRate > tr.learningRate {
            throw ConfigError("\(file): training.min_learning_rate = \(fmt(Double(tr.minLearningRate))) is above training.learning_rate = \(fmt(Double(tr.learningRate))); allowed 0…learning_rate")
        }
        tr.seed = seed
        training = tr
        hardware = try HardwareBuilder.build(t, prefix: "hardware.")
        tInference = try t.doubles("evaluation.t_inference")
        repeats = try t.int("evaluation.repeats")
        evaluationBatchSize = try t.int("evaluation.batch_size")
        compensation = try t.choices("evaluation.compensation")
        let th = try t.int("evaluation.threads")
        threads = th == 0 ? CPUCount.available() : th  // Slurm allocation or affinity mask, not the whole node
        decoded = Decoded(
            hardwareAware: try decodeHardwareAware(), schedule: try t.choice("training.lr_schedule"),
            comparePlain: try t.bool("evaluation.compare_plain"), energyModel: try EnergyBuilder.model(t, prefix: "hardware."),
            gpus: try loadGPUProfiles(), precision: try t.choice("baseline.precision"), batchSizes: try t.ints("baseline.batch_sizes"),
            adcCalibrationImages: try t.int("evaluation.adc_calibration_images"), placement: try decodePlacement())
        warnings = try Applicability.check(self)
        try checkMemory()
    }

    /// The resolved config as YAML: every documented key that applies to this run (see
    /// `Applicability`) with its effective value; loading it gives the same run.
    public func resolvedYAML() throws -> String {
        var full = ConfigNode.mapping([], ConfigNode.Origin(file: "resolved"))
        for spec in resolved.schema.keys where spec.key != "hardware.include" && Applicability.applies(spec.key, self) {
            if let n = resolved.tree.value(at: spec.key) {
                // Numbers in canonical form (time suffixes such as 1d become seconds).
                let origin = ConfigNode.Origin(file: "resolved")
                var canonical = n
                switch try resolved.value(spec.key) {
                case .number(let v): canonical = .scalar(fmt(v), origin)
                case .numbers(let vs): canonical = .sequence(vs.map { .scalar(fmt($0), origin) }, origin)
                default: break
                }
                full.set(spec.key.split(separator: ".").map(String.init), canonical)
            } else if spec.defaultValue == "derived" || (spec.key == "network.hidden" && resolved.isSet("network.layers")) {
                continue
            } else if spec.key == "experiment" {
                full.set(["experiment"], .scalar(name, ConfigNode.Origin(file: "resolved")))
            } else if let n = try? ConfigNode.parse(yaml: "v: " + spec.defaultValue, file: "default").value(at: "v") {
                full.set(spec.key.split(separator: ".").map(String.init), n)
            }
        }
        return "# Resolved from \(file): every key with its effective value\n"
            + "# (hardware includes expanded; dataset used: \(datasetDirectory)).\n" + full.yaml()
    }
}

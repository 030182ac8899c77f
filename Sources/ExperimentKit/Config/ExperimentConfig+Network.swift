import Crossbar
import Foundation
import Networks
import NumericKernels
import Yams

/// `network.architecture`.
public enum NetworkArchitecture: String, CaseIterable, Sendable {
    case mlp, lenet5, resnet, vit, custom
}

extension ExperimentConfig {
    /// The hardware-aware training settings (`training.noise.*`, `training.weight_clip_sigma`,
    /// `training.drift_aware.*`, `training.output_noise`, `training.adc_*`) with the configured
    /// device model (decoded at load).
    public func hardwareAwareSettings() throws -> HardwareAwareSettings { decoded.hardwareAware }

    /// `training.lr_schedule` (decoded at load).
    public func learningRateSchedule() throws -> LearningRateSchedule { decoded.schedule }

    /// `evaluation.compare_plain` (decoded at load).
    public var comparePlain: Bool { decoded.comparePlain }

    func decodeHardwareAware() throws -> HardwareAwareSettings {
        var h = HardwareAwareSettings()
        h.noise = try resolved.choice("training.noise.type")
        // training.noise.std: required for additive and multiplicative noise; 1 × σ_prog for pcm.
        h.noiseLevel = resolved.isSet("training.noise.std") ? try resolved.float("training.noise.std") : (h.noise == .pcm ? 1 : 0)
        h.weightClipSigma = try resolved.float("training.weight_clip_sigma")
        h.driftAwareEpochs = try resolved.int("training.drift_aware.epochs")
        h.driftAwareTInference = try resolved.double("training.drift_aware.t_inference")
        h.driftAwareLearningRate = try resolved.float("training.drift_aware.learning_rate")
        h.device = hardware.device  // the configured model: PCM, HERMES PCM, RRAM or ideal
        let bits = try resolved.int("training.adc_bits")
        let adc: Quantizer
        do {
            adc = try Quantizer(bits: bits, range: try resolved.float("training.adc_range"))
        } catch let e as CrossbarError {
            throw ConfigError("\(file): training.adc_bits = \(bits): \(e.message)")
        }
        h.output = AnalogOutputStage(sigma: try resolved.float("training.output_noise"), adc: adc)
        if h.noise != .none && h.noiseLevel == 0 {
            throw ConfigError("\(file): training.noise.type = \(h.noise.rawValue) needs training.noise.std > 0")
        }
        return h
    }


    /// The placement policy of `network.placement.*` (decoded at load; empty when no key
    /// is set).
    public var placementPolicy: PlacementPolicy { decoded.placement }

    func decodePlacement() throws -> PlacementPolicy {
        let t = resolved
        var p = PlacementPolicy()
        if t.isSet("network.placement.experts_digital_fraction") { p.expertsDigitalFraction = try t.double("network.placement.experts_digital_fraction") }
        p.score = try t.choice("network.placement.score")
        func placement(_ key: String) throws -> Placement? {
            let v = try t.string(key)
            return v == PlacementKeys.asDefined ? nil : Placement(rawValue: v)
        }
        p.attention = try placement("network.placement.attention")
        p.router = try placement("network.placement.router")
        return p
    }

    /// Whether the configured network holds a layer of `kind` (at any depth); true when the
    /// network cannot be described yet (a missing definition or dataset is reported where
    /// it is read, not as an inapplicable key).
    func networkHas(_ kind: LayerDescription.Kind) -> Bool {
        guard let (shape, classes) = try? dataShape(), let d = try? networkDescription(sampleShape: shape, classes: classes) else { return true }
        func walk(_ layers: [LayerDescription]) -> Bool {
            layers.contains { $0.kind == kind || walk($0.body) || walk($0.shortcut) }
        }
        return walk(d.layers)
    }

    /// The architecture, sized from the data (`sampleShape`, `classes`): built in, or
    /// read from `network.definition` and checked against the data.
    /// - Throws: `ConfigError` naming the file, the key and what does not fit.
    public func networkDescription(sampleShape: [Int], classes: Int) throws -> NetworkDescription {
        let features = sampleShape.reduce(1, *)
        do {
            switch architecture {
            case .mlp:
                if let widths = layerWidths, widths.first != features || widths.last != classes {
                    throw ConfigError("\(file): network.layers = \(widths) must start with \(features) (features per sample of \(datasetDirectory)) and end with \(classes) (its classes); or give only the hidden widths with network.hidden")
                }
                return Architectures.mlp(features: features, hidden: hiddenWidths, classes: classes)
            case .lenet5: return try Architectures.lenet5(inputShape: sampleShape, classes: classes)
            case .resnet: return try Architectures.resnet(inputShape: sampleShape, classes: classes)
            case .vit: return try Architectures.vit(inputShape: sampleShape, classes: classes, settings: vit)
            case .custom:
                let path = try resolved.string("network.definition")
                let d = try NetworkImport.description(path: path)
                guard d.inputShape.reduce(1, *) == features else {
                    throw ConfigError("\(path): input \(d.inputShape) has \(d.inputShape.reduce(1, *)) values per sample but the dataset's samples have shape \(sampleShape) (\(features) values)")
                }
                return d
            }
        } catch let e as NetworksError {
            throw ConfigError("\(file): network.architecture = \(architecture.rawValue): \(e.message)")
        }
    }
}

/// Networks trained elsewhere: a YAML architecture plus an `.npz` or `.safetensors` file.
public enum NetworkImport {
    /// Reads a YAML (or JSON) architecture description (see `NetworkDescription`).
    /// - Throws: `ConfigError` naming the file, layer and key.
    public static func description(path: String) throws -> NetworkDescription {
        let contents: Data?
        do {
            contents = try BoundedFile.read(path, limit: YAMLGuard.maxBytes, what: "network definition")
        } catch let e as ResourceLimitError {
            throw ConfigError("network.definition = \(e.message)")
        }
        guard let data = contents, let text = String(data: data, encoding: .utf8) else {
            throw ConfigError("network.definition = \(path): cannot read the file (missing, a directory or not UTF-8)")
        }
        return try description(yaml: text, file: path)
    }

    /// Parses a YAML (or JSON) architecture description held in memory (`file` names it).
    /// - Throws: `ConfigError` naming the file, layer and key.
    public static func description(yaml text: String, file path: String) throws -> NetworkDescription {
        try YAMLGuard.check(text, file: path)
        // Yams.load traps on a mapping key that is not a scalar (`? [a]` …, found by make fuzz);
        // the config composer rejects those (and repeated keys) with the line.
        _ = try ConfigNode.parse(yaml: text, file: path)
        let tree: Any?
        do { tree = try Yams.load(yaml: text) } catch {
            throw ConfigError("\(path): not valid YAML: \(error)")
        }
        guard let tree else { throw ConfigError("\(path): the file is empty") }
        do {
            return try NetworkDescription.parse(tree, file: path)
        } catch let e as NetworksError {
            throw ConfigError(e.message)
        }
    }

    /// Reads the arrays of a weights file by extension: `.npz` or `.safetensors`.
    /// - Throws: `NetworksError` for an unreadable or malformed file, `ConfigError` for
    ///   another extension.
    public static func arrays(path: String) throws -> [String: NumpyArray] {
        let url = URL(fileURLWithPath: path)
        switch url.pathExtension.lowercased() {
        case "npz": return try NPZ.read(url)
        case "safetensors": return try SafeTensors.read(url)
        default:
            throw ConfigError("network.weights = \(path): expected an .npz or .safetensors file")
        }
    }

    /// The network of `architecturePath` with the weights of `weightsPath`.
    /// - Throws: `ConfigError` or `NetworksError` naming the file, array and shapes.
    public static func load(architecture architecturePath: String, weights weightsPath: String) throws -> SequentialNetwork {
        let d = try description(path: architecturePath)
        return try d.build(arrays: try arrays(path: weightsPath), file: weightsPath)
    }
}

import Crossbar
import Foundation
import Networks
import Yams

/// `network.architecture`.
public enum NetworkArchitecture: String, CaseIterable, Sendable {
    case mlp, lenet5, resnet, custom
}

extension ExperimentConfig {
    /// `network.architecture`.
    public var architecture: NetworkArchitecture {
        NetworkArchitecture(rawValue: (try? resolved.string("network.architecture")) ?? "mlp") ?? .mlp
    }

    /// The hardware-aware training settings (`training.noise.*`, `training.weight_clip_sigma`,
    /// `training.drift_aware.*`), with the PCM model of `hardware.device`.
    public func hardwareAwareSettings() throws -> HardwareAwareSettings {
        var h = HardwareAwareSettings()
        h.noise = WeightNoiseKind(rawValue: try resolved.string("training.noise.type"))!
        h.noiseLevel = try resolved.float("training.noise.std")
        h.weightClipSigma = try resolved.float("training.weight_clip_sigma")
        h.driftAwareEpochs = try resolved.int("training.drift_aware.epochs")
        h.driftAwareTInference = try resolved.double("training.drift_aware.t_inference")
        h.driftAwareLearningRate = try resolved.float("training.drift_aware.learning_rate")
        h.device = hardware.pcm
        if architecture == .mlp && h.isEnabled {
            throw ConfigError("\(file): hardware-aware training (training.noise, training.weight_clip_sigma, training.drift_aware) needs network.architecture lenet5, resnet or custom; the mlp trainer does not support it")
        }
        if h.noise != .none && h.noiseLevel == 0 {
            throw ConfigError("\(file): training.noise.type = \(h.noise.rawValue) needs training.noise.std > 0")
        }
        return h
    }

    /// `training.lr_schedule`.
    public func learningRateSchedule() throws -> LearningRateSchedule {
        let s = LearningRateSchedule(rawValue: try resolved.string("training.lr_schedule"))!
        if architecture == .mlp && s != .constant {
            throw ConfigError("\(file): training.lr_schedule = \(s.rawValue) needs network.architecture lenet5, resnet or custom; the mlp trainer uses a constant rate")
        }
        return s
    }

    /// `evaluation.compare_plain`.
    public var comparePlain: Bool { (try? resolved.bool("evaluation.compare_plain")) ?? false }

    /// The architecture of a non-MLP network: built in, or read from `network.definition`.
    /// - Throws: `ConfigError` naming the file and what is wrong with it.
    public func networkDescription() throws -> NetworkDescription {
        switch architecture {
        case .lenet5: return Architectures.lenet5
        case .resnet: return Architectures.resnet()
        case .custom:
            let path = try resolved.string("network.definition")
            guard !path.isEmpty else {
                throw ConfigError("\(file): network.architecture = custom needs network.definition (a YAML architecture file)")
            }
            return try NetworkImport.description(path: path)
        case .mlp:
            throw ConfigError("\(file): network.architecture = mlp has no layer description (use network.layers)")
        }
    }
}

/// Networks trained elsewhere: a YAML architecture plus an `.npz` or `.safetensors` file.
public enum NetworkImport {
    /// Reads a YAML (or JSON) architecture description (see `NetworkDescription`).
    /// - Throws: `ConfigError` naming the file, layer and key.
    public static func description(path: String) throws -> NetworkDescription {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw ConfigError("network.definition = \(path): cannot read the file")
        }
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

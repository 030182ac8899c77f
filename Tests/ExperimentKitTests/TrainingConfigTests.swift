import Crossbar
import ExperimentKit
import Foundation
import Networks
import TestSupport
import Testing

/// The `training.*` keys of AdamW, the schedule and the hardware-aware output stage.
@Suite struct TrainingConfigTests {
    let main = repositoryRoot.appendingPathComponent("Experiments/fashion-mlp-pcm.yaml").path

    /// The keys reach the typed settings.
    @Test func keysReachTheSettings() throws {
        let c = try ExperimentConfig.load(path: main, overrides: [
            "training.optimizer=adamw", "training.beta2=0.95", "training.weight_decay=0.05", "training.lr_schedule=cosine_per_step",
            "training.warmup_epochs=0.5", "training.min_learning_rate=1e-5", "training.output_noise=0.04", "training.adc_bits=8",
            "training.adc_range=10",
        ])
        #expect(c.training.optimizer == .adamw)
        #expect(c.training.beta2 == 0.95)
        #expect(c.training.warmupEpochs == 0.5)
        #expect(c.training.minLearningRate == 1e-5)
        #expect(try c.learningRateSchedule() == .cosinePerStep)
        let hwa = try c.hardwareAwareSettings()
        #expect(hwa.output == AnalogOutputStage(sigma: 0.04, adc: try Quantizer(bits: 8, range: 10)))
        #expect(hwa.isEnabled)
        #expect(try c.resolvedYAML().contains("adc_range: 10"))
    }

    /// Defaults leave training as it was: the settings encode (the weights-cache fingerprint)
    /// with exactly the fields they had before these keys existed, so cached networks stay
    /// valid; set values are encoded.
    @Test func defaultsKeepTheCacheFingerprint() throws {
        let c = try ExperimentConfig.load(path: main)
        func keys<T: Encodable>(_ v: T) throws -> [String] {
            let object = try JSONSerialization.jsonObject(with: try JSONEncoder().encode(v)) as! [String: Any]
            return object.keys.sorted()
        }
        #expect(try keys(c.training) == ["batchSize", "epochs", "learningRate", "momentum", "optimizer", "seed", "weightDecay"])
        #expect(try keys(c.hardwareAwareSettings()) == [
            "driftAwareEpochs", "driftAwareLearningRate", "driftAwareTInference", "noise", "noiseLevel", "weightClipSigma",
        ])
        #expect(!(try c.hardwareAwareSettings().isEnabled))
        var t = c.training
        t.beta2 = 0.95
        t.warmupEpochs = 1
        #expect(try keys(t).contains("beta2") && keys(t).contains("warmupEpochs"))
        let decoded = try JSONDecoder().decode(TrainingSettings.self, from: JSONEncoder().encode(t))
        #expect(decoded == t)
        var h = HardwareAwareSettings()
        h.output = AnalogOutputStage(sigma: 0.1, adc: try Quantizer(bits: 6, range: 3))
        let back = try JSONDecoder().decode(HardwareAwareSettings.self, from: JSONEncoder().encode(h))
        #expect(back == h)
    }

    /// Invalid combinations name the key, the value and what is allowed.
    @Test(arguments: [
        (["training.warmup_epochs=20", "training.epochs=15"], "training.warmup_epochs"),
        (["training.min_learning_rate=0.01", "training.lr_schedule=cosine"], "training.min_learning_rate"),
        (["training.adc_bits=1"], "training.adc_bits"),
        (["training.adc_range=4"], "training.adc_range"),
        (["training.beta2=0.9", "training.optimizer=sgd"], "training.beta2"),
        (["training.min_learning_rate=1e-5"], "training.min_learning_rate"),
    ])
    func invalidCombinationsAreRejected(overrides: [String], key: String) throws {
        do {
            _ = try ExperimentConfig.load(path: main, overrides: overrides)
            Issue.record("\(overrides) must be rejected")
        } catch let e as ConfigError {
            #expect(e.message.contains(key), "\(e.message)")
        }
    }
}

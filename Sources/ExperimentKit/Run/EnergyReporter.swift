import Crossbar
import Energy
import Foundation
import Networks
import NumericKernels

/// Computes a run's `EnergySummary`: the analogue energy from the simulation's operation
/// counts, the GPU roofline of every configured profile and batch size, and the digital
/// baseline's accuracy at FP32, BF16 and INT8.
public struct EnergyReporter {
    public let config: ExperimentConfig

    public init(config: ExperimentConfig) { self.config = config }

    /// The summary from per-layer counts of an analogue evaluation.
    /// - Parameters:
    ///   - model: the network that was evaluated.
    ///   - stats: per-layer operation counts (`ConversionStats`), all from the same inputs.
    ///   - inputStatistics: a sentence saying which inputs the counts come from.
    ///   - test: images for the baseline's accuracy (nil: not computed).
    /// - Throws: `ConfigError` for an invalid GPU profile or energy model.
    public func summary(model: MLP, stats: [ConversionStats], inputStatistics: String, test: LabeledImages?) throws -> EnergySummary {
        var analog: AnalogEnergyEstimate?
        var note: String?
        if let m = try config.energyModel() {
            let net = try AnalogNetwork(model: model, spec: config.hardware)
            let geometry = net.layers.map { LayerGeometry(inputs: $0.inputs, outputs: $0.outputs, tiles: $0.tiles.count) }
            do {
                analog = try AnalogEnergyEstimate.estimate(model: m, spec: config.hardware, layers: geometry, stats: stats)
            } catch let e as EnergyError {
                note = "not modelled: \(e.message)"
            }
        } else {
            note = "not modelled: no energy model (include a file from Circuits/energy/ in hardware.include)"
        }
        let precision = try config.baselinePrecision()
        var all: [GPUEnergyEstimate] = []
        for g in try config.gpuProfiles() {
            for b in try config.baselineBatchSizes() {
                do {
                    all.append(try GPUEnergyEstimate.estimate(sizes: model.sizes, batch: b, precision: precision, gpu: g))
                } catch let e as EnergyError {
                    throw ConfigError("\(config.file): baseline: \(e.message)")
                }
            }
        }
        let headline = all.first
        var ratio: EnergySummary.Ratio?
        if let a = analog, let g = headline {
            ratio = .init(energy: g.joulesPerInference / a.joulesPerInference, latency: g.latencyS / a.latencyS)
        }
        var accuracy: EnergySummary.BaselineAccuracy?
        if let test {
            func acc(_ p: DigitalPrecision) -> Double {
                var predictions: [Int] = []
                for s in stride(from: 0, to: test.count, by: 1000) {
                    predictions += argmaxRows(p.forward(model, test.images.rows(s..<min(s + 1000, test.count))))
                }
                return Networks.accuracy(predictions, test.labels)
            }
            accuracy = .init(fp32: acc(.fp32), bf16: acc(.bf16), int8: acc(.int8), testImages: test.count)
        }
        return EnergySummary(
            analog: analog, analogNote: note, inputStatistics: inputStatistics, gpu: headline, gpuAll: all, ratio: ratio,
            baselineAccuracy: accuracy)
    }

    /// The energy report without the accuracy run (`aimc energy`): the network of `aimc run`
    /// (loaded, cached, or trained and cached once), programmed once with the seed of repeat
    /// 0, read at the first evaluation time, and run on the first `evaluation.batch_size`
    /// test images with the first compensation method; the baseline's accuracy on the
    /// test set.
    /// - Throws: `ConfigError`, `NetworksError` (data, weights) or `CrossbarError`.
    public func standalone(log: @escaping (String) -> Void = { _ in }) throws -> EnergySummary {
        let runner = ExperimentRunner(config: config, log: log)
        let test = try FashionMNIST.load(split: .test, directory: config.datasetDirectory, limit: config.testLimit)
        let (model, _) = try runner.obtainModel()
        let n = min(config.evaluationBatchSize, test.count)
        let x = test.images.rows(0..<n)
        let seed = ExperimentRunner.repeatSeed(config.seed, 0)
        let t = config.tInference.first ?? 0
        let compensation = config.compensation.first ?? .none
        BLAS.setThreads(1)
        let readout = try AnalogNetwork(model: model, spec: config.hardware, calibration: try config.adcCalibrationBatch()).program(seed: seed).readout(tInference: t)
        var rng = Xoshiro256(seed: seed, stream: [5, t.bitPattern, 0])
        var stats: [ConversionStats] = []
        _ = try readout.forward(x, compensation: compensation, rng: &rng, stats: &stats)
        let statistics = "the first \(n) test images, one programming (repeat 0), t_inference \(formatDuration(t)), compensation '\(compensation.rawValue)'"
        return try summary(model: model, stats: stats, inputStatistics: statistics, test: test)
    }
}

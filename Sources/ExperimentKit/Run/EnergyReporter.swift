import Crossbar
import Energy
import Foundation
import Networks
import NumericKernels

/// Computes a run's `EnergySummary` for any architecture: the analogue energy, its band,
/// area and calibration cost from the simulation's operation counts; the GPU baseline of
/// every configured profile and batch size (every kernel of the network: dense,
/// convolution, pooling, residual additions), realistic in both launch modes and as the
/// roofline (the lower bound on time); the headline ratios (first profile, eager or CUDA graph) at every batch
/// size; and the digital baseline's accuracy at FP32, BF16 and INT8.
public struct EnergyReporter {
    public let config: ExperimentConfig

    public init(config: ExperimentConfig) { self.config = config }

    /// The summary from per-weighted-layer counts of an analogue evaluation.
    ///
    /// A convolution reads its tiles once per output pixel: its counts are normalised per
    /// sample (`inputVectors` set to the samples that the first weighted layer read), so that
    /// energy and latency are per inference and TOPS/W uses the network's MACs per sample.
    /// - Parameters:
    ///   - net: the network that was evaluated.
    ///   - stats: per weighted layer operation counts (`ConversionStats`), all from the
    ///     same inputs.
    ///   - inputStatistics: a sentence saying which inputs the counts come from.
    ///   - test: samples for the baseline's accuracy (nil: not computed).
    /// - Throws: `ConfigError` for an invalid GPU profile or energy model.
    public func summary(_ net: AnalogSequentialNetwork, stats: [ConversionStats], inputStatistics: String, test: LabeledImages?) throws -> EnergySummary {
        var analog: AnalogEnergyEstimate?
        var note: String?
        if let m = try config.energyModel() {
            let geometry = net.units.map { LayerGeometry(inputs: $0.inputs, outputs: $0.outputs, tiles: $0.tileCount, digital: $0.placement == .digital) }
            let samples = stats.first.map { $0.operations.inputVectors / max(1, Int(net.network.weightedLayers.first?.vectorsPerSample ?? 1)) } ?? 0
            var perSample = stats
            for i in perSample.indices { perSample[i].operations.inputVectors = samples }
            do {
                var a = try AnalogEnergyEstimate.estimate(
                    model: m, spec: config.hardware, layers: geometry, stats: perSample, attentionMACs: DigitalMatrixEnergy.attentionMACs(net.network))
                a.opsPerInference = 2 * Double(net.network.macsPerInference)
                a.topsPerWatt = a.joulesPerInference > 0 ? a.opsPerInference / a.joulesPerInference / 1e12 : 0
                if a.latencyS > 0 && a.area.chip.total > 0 {
                    a.area.networkTopsPerMm2 = a.opsPerInference / a.latencyS / (a.area.chip.total * 1e6) / 1e12
                }
                analog = a
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
                    all.append(try GPUEnergyEstimate.estimate(network: net.network, batch: b, precision: precision, gpu: g))
                } catch let e as EnergyError {
                    throw ConfigError("\(config.file): baseline: \(e.message)")
                }
            }
        }
        let headline = all.first
        var headlines: [EnergySummary.Headline] = []
        if let a = analog, let first = headline {
            for g in all where g.gpu == first.gpu {
                guard let r = EnergySummary.ratio(g, a, modes: GPULaunchMode.allCases) else { continue }
                headlines.append(.init(
                    gpu: g.gpu, precision: g.precision, mode: "eager or cuda_graph", batchSize: g.batchSize, ratio: r,
                    rooflineEnergyRatio: g.joulesPerInference / a.joulesPerInference,
                    rooflineLatencyRatio: g.latencyS / (Double(g.batchSize) * a.latencyS)))
            }
        }
        let ratio = headlines.first?.ratio
        var accuracy: EnergySummary.BaselineAccuracy?
        if let test {
            func acc(_ p: DigitalPrecision) throws -> Double {
                var predictions: [Int] = []
                for s in stride(from: 0, to: test.count, by: 1000) {
                    predictions += argmaxRows(try p.forward(net.network, test.images.rows(s..<min(s + 1000, test.count))))
                }
                return Networks.accuracy(predictions, test.labels)
            }
            accuracy = .init(fp32: try acc(.fp32), bf16: try acc(.bf16), int8: try acc(.int8), testImages: test.count)
        }
        return EnergySummary(
            analog: analog, analogNote: note, inputStatistics: inputStatistics, gpu: headline, gpuAll: all, ratio: ratio,
            headlines: headlines, baselineAccuracy: accuracy)
    }

    /// The energy report without the accuracy run (`aimc energy`): the network of `aimc run`
    /// (loaded, cached, or trained and cached once), programmed once with the seed of repeat
    /// 0, read at the first evaluation time, and run on the first `evaluation.batch_size`
    /// test samples with the first compensation method; the baseline's accuracy on the
    /// test set.
    /// - Throws: `ConfigError`, `NetworksError` (data, weights) or `CrossbarError`.
    public func standalone(log: @escaping (String) -> Void = { _ in }) throws -> EnergySummary {
        let runner = ExperimentRunner(config: config, log: log)
        let test = try config.loadData(.test)
        let (network, _) = try runner.obtainNetwork(hardwareAware: try config.hardwareAwareSettings())
        let n = min(config.evaluationBatchSize, test.count)
        let x = test.images.rows(0..<n)
        let seed = ExperimentRunner.repeatSeed(config.seed, 0)
        let t = config.tInference.first ?? 0
        let compensation = config.compensation.first ?? .none
        BLAS.setThreads(1)
        let net = try AnalogSequentialNetwork(network: network, spec: config.hardware, calibration: try config.adcCalibrationBatch())
        let readout = net.program(seed: seed).readout(tInference: t)
        var rng = Xoshiro256(seed: seed, .outputNoise, t.bitPattern, 0)
        var stats: [ConversionStats] = []
        _ = try readout.forward(x, compensation: compensation, rng: &rng, stats: &stats)
        let statistics = "the first \(n) test samples, one programming (repeat 0), t_inference \(formatDuration(t)), compensation '\(compensation.rawValue)'"
        return try summary(net, stats: stats, inputStatistics: statistics, test: test)
    }
}

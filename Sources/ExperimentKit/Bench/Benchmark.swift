import Crossbar
import Dispatch
import Foundation
import Networks
import NumericKernels

/// Speed of the simulator measured against this machine's own ceiling, in one run:
/// the OpenBLAS sgemm rate at the network's shapes, digital inference and analogue
/// inference (every non-ideality of the config on) over the test set, and the wall time of
/// the experiment's drift evaluation. Figures are medians of `runs` timed runs after one
/// warm-up. Speed is never asserted in tests; `make bench` prints these figures.
public struct Benchmark {
    /// The measured figures (`aimc bench --json`).
    public struct Report: Codable, Sendable {
        public var cpu: String
        /// The vectorised kernels in use (`Kernels.active`: portable, avx2, avx512).
        public var kernels: String
        public var cores: Int
        public var threads: Int
        public var images: Int
        public var batchSize: Int
        public var macsPerImage: Int
        /// OpenBLAS sgemm at the network's layer shapes (batch × inputs · inputsᵀ × outputs), GFLOP/s.
        public var sgemmGflops: Double
        /// The images/s that the sgemm rate alone would allow (the ceiling).
        public var ceilingImagesPerSecond: Double
        public var digitalImagesPerSecond: Double
        public var analogImagesPerSecond: Double
        public var analogOverDigital: Double
        public var analogOverCeiling: Double
        /// Wall time of the config's whole drift evaluation (repeats × times × compensations), s.
        public var driftEvaluationSeconds: Double?
        public var driftEvaluationShape: String?
        /// Peak resident memory of the process so far, bytes.
        public var peakResidentBytes: Int
        /// Extra named figures (e.g. a second network size for the scaling check).
        public var notes: [String: Double]
    }

    public let config: ExperimentConfig
    public var runs = 5
    public var threads = 2
    public var includeDriftEvaluation = true
    public var includeIRDrop = true
    public var includeScaling = true
    public var log: (String) -> Void = { _ in }

    public init(config: ExperimentConfig) { self.config = config }

    /// Runs every measurement.
    /// - Throws: data or config errors.
    public func run() throws -> Report {
        let test = try config.loadData(.test)
        let runner = ExperimentRunner(config: config, log: log)
        let (network, _) = try runner.obtainNetwork(hardwareAware: try config.hardwareAwareSettings())
        let batch = config.evaluationBatchSize
        let macs = network.macsPerInference
        let folded = network.foldingBatchNorm()

        // 1. sgemm ceiling at the network's shapes, on `threads` BLAS threads: every weighted
        //    layer's matrix times its input vectors of a batch (a convolution's im2col rows,
        //    at most 2²² input values per product, the time scaled to the batch).
        BLAS.setThreads(threads)
        let rows = min(batch, test.count)
        let products: [(Matrix, Matrix, Double)] = folded.weightedLayers.map { _, w, vectors in
            let n = max(1, min(rows * vectors, (1 << 22) / max(w.columns, 1)))
            let x = Matrix(rows: n, columns: w.columns, values: (0..<(n * w.columns)).map { Float($0 % 17) / 17 })
            return (x, w, Double(rows * vectors) / Double(n))
        }
        var sgemmTime = 0.0
        for (x, w, scale) in products { sgemmTime += scale * median(runs) { _ = BLAS.matmulTransposed(x, w) } }
        let flops = 2.0 * Double(macs) * Double(rows)
        let gflops = flops / sgemmTime / 1e9
        let ceiling = Double(rows) / sgemmTime

        // 2. Digital inference over the test set, batched, BLAS on `threads` threads.
        let chunks = stride(from: 0, to: test.count, by: batch).map { test.images.rows($0..<min($0 + batch, test.count)) }
        let digitalTime = try medianThrowing(runs) { for c in chunks { _ = try folded.forward(c) } }
        let digital = Double(test.count) / digitalTime

        // 3. Analogue inference over the test set: `threads` workers over batches, BLAS on one
        //    thread each (as the runner does), one programming at t = 1 day.
        BLAS.setThreads(1)
        // OpenBLAS's server threads keep polling (sched_yield) for about 0.1 s after a
        // threaded call; let them go to sleep so that they do not share the cores with the
        // analogue workers being timed.
        usleep(300_000)
        let calibration = try config.adcCalibrationBatch()
        let net = try AnalogSequentialNetwork(network: network, spec: config.hardware, calibration: calibration)
        let readout = net.program(seed: config.seed).readout(tInference: 86400)
        let comp = config.compensation.first { $0 != .none } ?? .none
        // The simulation itself; the energy model's data-dependent counts (which `aimc run`
        // makes for the first compensation method only) are timed separately below.
        func analogPass(_ readout: SequentialReadout, countEnergy: Bool) throws -> Double {
            try medianThrowing(runs) {
                try parallelForEach(chunks.count, threads: threads) { i in
                    var rng = Xoshiro256(seed: config.seed, .benchOutputNoise, UInt64(i))
                    var none = ConversionStats()
                    none.countsEnergy = countEnergy
                    var stats = [ConversionStats](repeating: none, count: readout.units.count)
                    _ = try readout.forward(chunks[i], compensation: comp, rng: &rng, stats: &stats)
                }
            }
        }
        let analogTime = try analogPass(readout, countEnergy: false)
        let analog = Double(test.count) / analogTime
        let analogCountingTime = try analogPass(readout, countEnergy: true)
        var notes: [String: Double] = ["analogue inference with energy counting (images/s)": Double(test.count) / analogCountingTime]

        // 3a. Scaling (dense networks): an MLP with about 5.7× the MACs of the default
        //     (hidden 1024-512, random weights), same hardware; time per MAC should stay
        //     about the same.
        if includeScaling && config.architecture == .mlp {
            let (shape, classes) = try config.dataShape()
            let big = try Architectures.mlp(features: shape.reduce(1, *), hidden: [1024, 512], classes: classes).build(arrays: nil, seed: config.seed)
            let bigReadout = try AnalogSequentialNetwork(network: big, spec: config.hardware, calibration: calibration)
                .program(seed: config.seed).readout(tInference: 86400)
            let bigTime = try analogPass(bigReadout, countEnergy: false)
            let perMACSmall = analogTime / Double(test.count * macs)
            let perMACBig = bigTime / Double(test.count * big.macsPerInference)
            notes["scaling: hidden 1024-512 (\(big.macsPerInference) MACs) analogue inference (images/s)"] = Double(test.count) / bigTime
            notes["scaling: time per MAC, large ÷ default network"] = perMACBig / perMACSmall
        }

        // 3b. The same with IR drop on: the solve happens once per readout (per evaluation
        //     time), the MVMs then use the solved effective matrices.
        if includeIRDrop {
            for mode in [IRDropMode.approximate, .exact] {
                var spec = config.hardware
                spec.irDrop.mode = mode
                let irNet = try AnalogSequentialNetwork(network: network, spec: spec, calibration: calibration)
                let programmed = irNet.program(seed: config.seed)
                let start = DispatchTime.now().uptimeNanoseconds
                let irReadout = programmed.readout(tInference: 86400)
                notes["IR drop \(mode.rawValue): readout solve of all tiles (s)"] = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
                notes["IR drop \(mode.rawValue): analogue inference (images/s)"] = Double(test.count) / (try analogPass(irReadout, countEnergy: false))
            }
        }

        // 4. The config's whole drift evaluation, as `aimc run` does it.
        var driftSeconds: Double?
        if includeDriftEvaluation {
            let start = Date()
            _ = try runner.evaluateAnalog(net, test)
            driftSeconds = Date().timeIntervalSince(start)
        }
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Report(
            cpu: Benchmark.cpuModel(), kernels: Kernels.active.rawValue, cores: ProcessInfo.processInfo.activeProcessorCount, threads: threads, images: test.count,
            batchSize: batch, macsPerImage: macs, sgemmGflops: gflops, ceilingImagesPerSecond: ceiling,
            digitalImagesPerSecond: digital, analogImagesPerSecond: analog, analogOverDigital: analog / digital,
            analogOverCeiling: analog / ceiling, driftEvaluationSeconds: driftSeconds,
            driftEvaluationShape: "\(config.repeats) repeats × \(config.tInference.count) times × \(config.compensation.count) compensations × \(test.count) images",
            peakResidentBytes: Int(usage.ru_maxrss) * 1024, notes: notes)
    }

    /// Median wall time of `n` runs of `body` after one warm-up run.
    func median(_ n: Int, _ body: () -> Void) -> Double {
        body()
        var t: [Double] = []
        for _ in 0..<max(n, 1) {
            let s = DispatchTime.now().uptimeNanoseconds
            body()
            t.append(Double(DispatchTime.now().uptimeNanoseconds - s) / 1e9)
        }
        return t.sorted()[t.count / 2]
    }

    func medianThrowing(_ n: Int, _ body: () throws -> Void) throws -> Double {
        var failure: Error?
        let m = median(n) {
            do { try body() } catch { failure = error }
        }
        if let failure { throw failure }
        return m
    }

    /// The CPU model from /proc/cpuinfo ("unknown" elsewhere).
    public static func cpuModel() -> String {
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else { return "unknown" }
        for line in text.split(separator: "\n") where line.hasPrefix("model name") {
            return line.split(separator: ":", maxSplits: 1).last.map { $0.trimmingCharacters(in: .whitespaces) } ?? "unknown"
        }
        return "unknown"
    }

    /// The report as a text table.
    public static func render(_ r: Report) -> String {
        var rows: [[String]] = [
            ["sgemm at the network's shapes", String(format: "%.1f GFLOP/s", r.sgemmGflops), "ceiling \(Int(r.ceilingImagesPerSecond)) images/s"],
            ["digital inference (FP32, BLAS)", "\(Int(r.digitalImagesPerSecond)) images/s", String(format: "%.2f × ceiling", r.digitalImagesPerSecond / r.ceilingImagesPerSecond)],
            ["analogue inference (all non-idealities)", "\(Int(r.analogImagesPerSecond)) images/s",
             String(format: "%.2f × digital, %.2f × ceiling", r.analogOverDigital, r.analogOverCeiling)],
        ]
        if let d = r.driftEvaluationSeconds {
            rows.append(["drift evaluation of the config", String(format: "%.1f s", d), r.driftEvaluationShape ?? ""])
        }
        for (k, v) in r.notes.sorted(by: { $0.key < $1.key }) { rows.append([k, String(format: "%.4g", v), ""]) }
        rows.append(["peak resident memory", String(format: "%.0f MiB", Double(r.peakResidentBytes) / 1_048_576), ""])
        var warning = ""
        if r.digitalImagesPerSecond > 1.05 * r.ceilingImagesPerSecond {
            warning = "\nwarning: digital inference measured faster than the sgemm ceiling: the machine was busy while the ceiling was timed; rerun on an idle machine for meaningful ratios.\n"
        }
        return warning + "aimc bench · \(r.cpu) · \(r.cores) cores, \(r.threads) threads · \(r.kernels) kernels · \(r.images) images, batch \(r.batchSize), \(r.macsPerImage) MACs/image\n\n"
            + ReportTable.table(["measure", "figure", "ratio"], rows)
    }
}

/// Runs `body(i)` for i in 0..<n on `threads` workers, rethrowing the first error.
///
/// `body` must synchronise what it shares (the callers write their results under a lock or
/// into disjoint slots); the work list and the first error are shared here under a lock.
func parallelForEach(_ n: Int, threads: Int, _ body: @escaping (Int) throws -> Void) throws {
    /// The workers' shared state; every access holds `lock`.
    final class Shared: @unchecked Sendable {
        let lock = NSLock()
        var next = 0
        var failure: Error?
        let body: (Int) throws -> Void
        init(_ body: @escaping (Int) throws -> Void) { self.body = body }
    }
    let shared = Shared(body)
    DispatchQueue.concurrentPerform(iterations: max(1, min(threads, n))) { _ in
        while true {
            shared.lock.lock()
            let i = shared.next
            shared.next += 1
            let stop = shared.failure != nil
            shared.lock.unlock()
            if i >= n || stop { return }
            do { try shared.body(i) } catch {
                shared.lock.lock()
                shared.failure = error
                shared.lock.unlock()
            }
        }
    }
    if let failure = shared.failure { throw failure }
}

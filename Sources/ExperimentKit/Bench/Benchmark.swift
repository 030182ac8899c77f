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
        /// When the figures were taken (ISO 8601, UTC).
        public var date: String
        /// The experiment measured (`experiment:` of the config) and its architecture.
        public var experiment: String
        public var architecture: String
        public var cpu: String
        /// The vectorised kernels in use (`Kernels.active`: portable, avx2, avx512).
        public var kernels: String
        /// How the analogue passes' array stage multiplies (`hardware.array_precision`
        /// resolved for the network's tiles): "int16 (…instructions…)", "float32", or both
        /// when some tiles can run in integers and others cannot (nil in records made before
        /// the field).
        public var arrayProduct: String?
        /// The OpenBLAS kernel family in use (`openblas_get_corename`) and its build configuration.
        public var blasCore: String
        public var blasConfig: String
        /// OPENBLAS_CORETYPE when set (the kernel was chosen by hand), else nil.
        public var openblasCoretype: String?
        public var cores: Int
        public var threads: Int
        public var images: Int
        public var batchSize: Int
        public var macsPerImage: Int
        /// OpenBLAS sgemm at the network's layer shapes, called as digital inference calls
        /// it (batch × inputs · inputsᵀ × outputs per weighted layer), GFLOP/s: the best of
        /// the BLAS thread settings in `ceilingThreads`' set.
        public var sgemmGflops: Double
        /// The images/s that the sgemm calls alone allow (the ceiling), and the BLAS threads
        /// that reached it.
        public var ceilingImagesPerSecond: Double
        public var ceilingThreads: Int
        /// Digital inference (FP32, BLAS) at its best BLAS thread setting, and that setting.
        public var digitalImagesPerSecond: Double
        public var digitalThreads: Int
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
        /// Largest ÷ smallest of the timed runs of each figure (1 = steady).
        public var spreads: [String: Double]
        /// Why the ratios are not to be trusted (empty when the run was undisturbed); the
        /// text report withholds them then.
        public var disturbed: [String]
        /// Advice about the set-up (e.g. a generic OpenBLAS kernel on a CPU with AVX-512).
        public var advice: [String]
    }

    /// Runs of one figure whose largest ÷ smallest exceeds this mark the run disturbed.
    public static let spreadLimit = 1.25

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

        // 1. The ceiling: the sgemm calls of digital inference alone (every weighted layer's
        //    matrix times its input vectors of a batch, a convolution's im2col rows at most
        //    2²² input values per call, the time scaled to the batch), through the same
        //    `BLAS.matmulTransposed` digital inference calls. 2. Digital inference over the
        //    test set, batched. Both at every BLAS thread setting the simulator could use
        //    (1 and `threads`), the best kept. 3. Analogue inference over the test set:
        //    `threads` workers over batches, BLAS on one thread each (as the runner does), one
        //    programming at t = 1 day. The three are timed interleaved (A B C A B C …), so
        //    that load from other processes falls on all of them alike.
        let chunks = stride(from: 0, to: test.count, by: batch).map { test.images.rows($0..<min($0 + batch, test.count)) }
        // The operands of each batch as digital inference hands them to sgemm (synthetic
        // ones of the same shapes when a weighted layer sits in a residual block, attention
        // or a mixture of experts: each matrix times ⌈vectors per sample⌉ × batch rows, an
        // expert's at its balanced-routing share T·k/E), made untimed.
        func operands(_ c: Matrix) throws -> [(Matrix, Matrix)] {
            if let ops = try folded.sgemmOperands(c) { return ops.map { ($0.input, $0.weight) } }
            return folded.weightedLayers.map { wl in
                let w = wl.weight
                let n = c.rows * Int(wl.vectorsPerSample.rounded(.up))
                return (Matrix(rows: n, columns: w.columns, values: (0..<(n * w.columns)).map { Float($0 % 17) / 17 }), w)
            }
        }
        // Kept across the timed runs when all batches' operands fit in 256 MiB (the MLP's:
        // 31 MB); a CNN's im2col matrices are remade per batch and pass instead.
        let operandBytes = chunks.reduce(0) { sum, c in
            sum + folded.weightedLayers.reduce(0) { $0 + c.rows * Int($1.vectorsPerSample.rounded(.up)) * $1.weight.columns * MemoryLayout<Float>.size }
        }
        let kept: [[(Matrix, Matrix)]]? = operandBytes <= 256 << 20 ? try chunks.map(operands) : nil
        func ceilingPass() throws -> Double {
            var total = 0.0
            for (i, c) in chunks.enumerated() {
                for (x, w) in try kept?[i] ?? operands(c) { total += seconds { _ = BLAS.matmulTransposed(x, w) } }
            }
            return total
        }
        func digitalPass() throws -> Double { try secondsThrowing { for c in chunks { _ = try folded.forward(c) } } }

        let calibration = try config.adcCalibrationBatch()
        let net = try AnalogSequentialNetwork(network: network, spec: config.hardware, calibration: calibration)
        let readout = net.program(seed: config.seed).readout(tInference: 86400)
        let comp = config.compensation.first { $0 != .none } ?? .none
        // The simulation itself; the energy model's data-dependent counts (which `aimc run`
        // makes for the first compensation method only) are timed separately below.
        func analogOnce(_ readout: SequentialReadout, countEnergy: Bool) throws -> Double {
            try secondsThrowing {
                try parallelForEach(chunks.count, threads: threads) { i in
                    var rng = Xoshiro256(seed: config.seed, .benchOutputNoise, UInt64(i))
                    var none = ConversionStats()
                    none.countsEnergy = countEnergy
                    var stats = [ConversionStats](repeating: none, count: readout.units.count)
                    _ = try readout.forward(chunks[i], compensation: comp, rng: &rng, stats: &stats)
                }
            }
        }
        func analogPass(_ readout: SequentialReadout, countEnergy: Bool) throws -> Double {
            _ = try analogOnce(readout, countEnergy: countEnergy)
            return Self.median(try (0..<max(runs, 1)).map { _ in try analogOnce(readout, countEnergy: countEnergy) })
        }
        // OpenBLAS's server threads keep polling (sched_yield) for about 0.1 s after a
        // threaded call; before single-threaded BLAS work they are let go to sleep, so that
        // they do not share the cores with what is timed.
        func blasThreads(_ n: Int) {
            BLAS.setThreads(n)
            usleep(300_000)
        }
        let settings = Array(Set([1, threads])).sorted()
        var ceilingRuns: [Int: [Double]] = [:], digitalRuns: [Int: [Double]] = [:], analogRuns: [Double] = []
        for run in 0...max(runs, 1) {  // run 0 warms up
            for t in settings {
                blasThreads(t)
                let c = try ceilingPass(), d = try digitalPass()
                if run > 0 { ceilingRuns[t, default: []].append(c); digitalRuns[t, default: []].append(d) }
            }
            blasThreads(1)
            let a = try analogOnce(readout, countEnergy: false)
            if run > 0 { analogRuns.append(a) }
        }
        let bestCeiling = settings.min { Self.median(ceilingRuns[$0]!) < Self.median(ceilingRuns[$1]!) }!
        let bestDigital = settings.min { Self.median(digitalRuns[$0]!) < Self.median(digitalRuns[$1]!) }!
        let sgemmTime = Self.median(ceilingRuns[bestCeiling]!)
        let flops = 2.0 * Double(macs) * Double(test.count)
        let gflops = flops / sgemmTime / 1e9
        let ceiling = Double(test.count) / sgemmTime
        let digital = Double(test.count) / Self.median(digitalRuns[bestDigital]!)
        let analogTime = Self.median(analogRuns)
        let analog = Double(test.count) / analogTime
        let spreads = [
            "ceiling": Self.spread(ceilingRuns[bestCeiling]!), "digital": Self.spread(digitalRuns[bestDigital]!), "analogue": Self.spread(analogRuns),
        ]
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
        var disturbed: [String] = []
        for (name, v) in spreads.sorted(by: { $0.key < $1.key }) where v > Self.spreadLimit {
            disturbed.append(String(format: "the %@ runs spread by %.0f %% (largest ÷ smallest %.2f > %.2f)", name, (v - 1) * 100, v, Self.spreadLimit))
        }
        if digital > 1.05 * ceiling {
            disturbed.append(String(format: "digital inference measured %.2f × the sgemm calls it makes (impossible on a steady machine)", digital / ceiling))
        }
        if let load = Self.loadAverage(), load - Double(threads) > 0.75 {
            disturbed.append(String(format: "load average %.1f with %d benchmark thread%@ on %d cores: other processes were running", load, threads, threads == 1 ? "" : "s", ProcessInfo.processInfo.activeProcessorCount))
        }
        var advice: [String] = []
        let core = BLAS.coreName
        if ["Prescott", "Core2", "Nehalem", "Katmai", "Coppermine", "Northwood", "Penryn", "Dunnington", "Atom", "Banias"].contains(core) && Kernels.active != .portable {
            advice.append(
                "OpenBLAS runs its generic \(core) kernel although this CPU has \(Kernels.active.rawValue) (\(BLAS.configuration) does not recognise it), so digital inference and the ceiling are slower than this CPU allows; "
                    + "OPENBLAS_CORETYPE=\(Kernels.active == .avx512 ? "SkylakeX" : "Haswell") selects the kernel that fits it (digital results then differ in the last bits, as between CPUs; analogue results do not use OpenBLAS).")
        }
        // The array stage of the analogue passes, per weighted layer's tiles.
        let integer = folded.weightedLayers.map { config.hardware.integerArrayLevels(rows: min(config.hardware.tileRows, $0.weight.columns)) != nil }
        let int16 = "int16 (\(FixedPointTileMatrix.kernelName()))"
        let arrayProduct = integer.allSatisfy { $0 } ? int16 : integer.contains(true) ? "\(int16) and float32" : "float32"
        return Report(
            date: ISO8601DateFormatter().string(from: Date()), experiment: config.name, architecture: config.architecture.rawValue, cpu: Benchmark.cpuModel(), kernels: Kernels.active.rawValue,
            arrayProduct: arrayProduct, blasCore: core,
            blasConfig: BLAS.configuration, openblasCoretype: ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"], cores: ProcessInfo.processInfo.activeProcessorCount, threads: threads, images: test.count,
            batchSize: batch, macsPerImage: macs, sgemmGflops: gflops, ceilingImagesPerSecond: ceiling, ceilingThreads: bestCeiling,
            digitalImagesPerSecond: digital, digitalThreads: bestDigital, analogImagesPerSecond: analog, analogOverDigital: analog / digital,
            analogOverCeiling: analog / ceiling, driftEvaluationSeconds: driftSeconds,
            driftEvaluationShape: "\(config.repeats) repeats × \(config.tInference.count) times × \(config.compensation.count) compensations × \(test.count) images",
            peakResidentBytes: Int(usage.ru_maxrss) * 1024, notes: notes, spreads: spreads, disturbed: disturbed, advice: advice)
    }

    /// Wall time of one run of `body`, seconds.
    func seconds(_ body: () -> Void) -> Double {
        let s = DispatchTime.now().uptimeNanoseconds
        body()
        return Double(DispatchTime.now().uptimeNanoseconds - s) / 1e9
    }

    func secondsThrowing(_ body: () throws -> Void) throws -> Double {
        let s = DispatchTime.now().uptimeNanoseconds
        try body()
        return Double(DispatchTime.now().uptimeNanoseconds - s) / 1e9
    }

    /// The median of `t` (the upper one of an even count).
    static func median(_ t: [Double]) -> Double { t.sorted()[t.count / 2] }

    /// Largest ÷ smallest of `t`.
    static func spread(_ t: [Double]) -> Double { (t.max() ?? 1) / max(t.min() ?? 1, 1e-12) }

    /// The one-minute load average (/proc/loadavg), nil where there is none.
    static func loadAverage() -> Double? {
        guard let text = try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8) else { return nil }
        return text.split(separator: " ").first.flatMap { Double($0) }
    }

    /// The CPU model from /proc/cpuinfo ("unknown" elsewhere).
    public static func cpuModel() -> String {
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else { return "unknown" }
        for line in text.split(separator: "\n") where line.hasPrefix("model name") {
            return line.split(separator: ":", maxSplits: 1).last.map { $0.trimmingCharacters(in: .whitespaces) } ?? "unknown"
        }
        return "unknown"
    }

    /// The report as a text table; the ratios are withheld when the run was disturbed, or
    /// with `showDisturbed` printed in brackets and marked (as BENCHMARKS.md's tables do).
    public static func render(_ r: Report, showDisturbed: Bool = false) -> String {
        let ok = r.disturbed.isEmpty
        func ratio(_ text: String) -> String { ok ? text : showDisturbed ? "(\(text)) disturbed" : "withheld (disturbed)" }
        let settings = Array(Set([1, r.threads])).sorted().map(String.init).joined(separator: " and ")
        func best(_ t: Int) -> String { "\(t) BLAS thread\(t == 1 ? "" : "s") (best of \(settings))" }
        var rows: [[String]] = [
            ["sgemm calls of digital inference (the ceiling)", "\(Int(r.ceilingImagesPerSecond)) images/s",
             String(format: "%.1f GFLOP/s, ", r.sgemmGflops) + best(r.ceilingThreads)],
            ["digital inference (FP32, BLAS)", "\(Int(r.digitalImagesPerSecond)) images/s",
             ratio(String(format: "%.2f × ceiling", r.digitalImagesPerSecond / r.ceilingImagesPerSecond)) + ", " + best(r.digitalThreads)],
            ["analogue inference (all non-idealities)", "\(Int(r.analogImagesPerSecond)) images/s",
             ratio(String(format: "%.2f × digital, %.2f × ceiling", r.analogOverDigital, r.analogOverCeiling)) + ", \(r.threads) worker\(r.threads == 1 ? "" : "s") × 1 BLAS thread"],
        ]
        if let d = r.driftEvaluationSeconds {
            rows.append(["drift evaluation of the config", String(format: "%.1f s", d), r.driftEvaluationShape ?? ""])
        }
        for (k, v) in r.notes.sorted(by: { $0.key < $1.key }) { rows.append([k, v >= 1000 ? "\(Int(v.rounded()))" : String(format: "%.4g", v), ""]) }
        rows.append(["peak resident memory", String(format: "%.0f MiB", Double(r.peakResidentBytes) / 1_048_576), ""])
        var out = "aimc bench · \(r.date) · \(r.cpu) · \(r.cores) cores, \(r.threads) thread\(r.threads == 1 ? "" : "s") · SIMD \(r.kernels) · OpenBLAS kernel \(r.blasCore)\n"
        if let a = r.arrayProduct { out += "analogue array product: \(a) (hardware.array_precision)\n" }
        out += "\(r.images) images, batch \(r.batchSize), \(r.macsPerImage) MACs/image; medians of timed runs interleaved ceiling, digital, analogue\n\n"
        out += ReportTable.table(["measure", "figure", "ratio"], rows)
        if !ok {
            out += showDisturbed
                ? "\nratios in brackets come from a disturbed run (not for quoting as the machine's figures):\n"
                : "\nratios withheld, the run was disturbed (--show-disturbed prints them in brackets):\n"
            out += r.disturbed.map { "  - \($0)\n" }.joined() + "  rerun on an idle machine.\n"
        }
        for a in r.advice { out += "\nnote: \(a)\n" }
        return out
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

import ArgumentParser
import ExperimentKit
import Foundation

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure the simulator's speed on this machine: sgemm ceiling, digital and analogue inference, drift evaluation.",
        discussion: "Figures are medians after a warm-up; the ceiling (the sgemm calls of digital inference, best of 1 and --threads BLAS threads), digital and analogue inference are timed interleaved, and the ratios are withheld when the runs spread by more than 25 %, digital beats its own sgemm calls by more than 5 %, or other processes load the machine (--show-disturbed prints them in brackets). The header names the CPU, the SIMD variant and the OpenBLAS kernel (openblas_get_corename). Uses the config's cached trained network (training it first if needed). The vectorised kernels run on the CPU's widest instruction set (portable, avx2, avx512; printed in the header, same results on each); set AIMC_SIMD=portable or avx2 to measure a narrower one.")

    @Argument(help: "Experiment config whose network and hardware are measured.")
    var config: String = "Experiments/fashion-mlp-pcm.yaml"

    @OptionGroup var overrides: OverrideOptions

    @Option(help: "Threads for both digital (BLAS) and analogue (workers) inference.")
    var threads: Int = 2

    @Option(help: "Timed runs per figure (the median is reported).")
    var runs: Int = 5

    @Flag(name: .customLong("skip-drift"), help: "Do not time the config's whole drift evaluation.")
    var skipDrift = false

    @Flag(name: .customLong("skip-ir-drop"), help: "Do not measure the IR-drop figures.")
    var skipIRDrop = false

    @Flag(name: .customLong("skip-scaling"), help: "Do not measure the larger network of the scaling check (MLP configs).")
    var skipScaling = false

    @Flag(help: "Print the figures as JSON.")
    var json = false

    @Flag(name: .customLong("show-disturbed"), help: "Print the ratios of a disturbed run in brackets instead of withholding them (for diagnosis, not for quoting; --json always has them).")
    var showDisturbed = false

    func validate() throws {
        guard threads >= 1 else { throw ValidationError("--threads must be ≥ 1") }
        guard runs >= 1 else { throw ValidationError("--runs must be ≥ 1") }
    }

    func run() throws {
        let cfg = try loadExperiment(config, overrides.sets)
        var b = Benchmark(config: cfg)
        b.threads = threads
        b.runs = runs
        b.includeDriftEvaluation = !skipDrift
        b.includeIRDrop = !skipIRDrop
        b.includeScaling = !skipScaling
        b.log = { eprint($0) }
        let report = try userErrors { try b.run() }
        if json {
            try printJSON(report)
        } else {
            print(Benchmark.render(report, showDisturbed: showDisturbed), terminator: "")
        }
    }
}

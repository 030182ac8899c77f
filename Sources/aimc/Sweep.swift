import ArgumentParser
import ExperimentKit
import Foundation

/// Options that define a sweep; shared by `sweep` and `merge`.
struct SweepOptions: ParsableArguments {
    @Argument(help: "Experiment config (YAML); its optional `sweep:` section defines axes.")
    var config: String

    @Option(name: .customLong("set"), help: ArgumentHelp(
        "A grid axis key=v1,v2,… or start:stop:step (repeatable); a single value is a plain override. `device=NAME` loads Circuits/devices/NAME.yaml.",
        valueName: "key=values"))
    var sets: [String] = []

    @Option(name: .customLong("link"), help: ArgumentHelp("Linked axis key=v1,v2,… (repeatable): all --link axes vary together.", valueName: "key=values"))
    var links: [String] = []

    @Option(parsing: .unconditional, help: "Repeats per point; overrides evaluation.repeats.")
    var repeats: Int?

    @Option(parsing: .unconditional, help: "Master seed; overrides seed.")
    var seed: UInt64?

    func validate() throws {
        if let r = repeats, r < 1 { throw ValidationError("--repeats must be ≥ 1 (got \(r))") }
    }

    func makeRunner(log: @escaping (String) -> Void) throws -> SweepRunner {
        let (cli, plain) = try SweepSpec.fromCommandLine(sets: sets, links: links)
        let fileSpec = try SweepSpec.load(path: config) ?? SweepSpec()
        var overrides = plain
        if let r = repeats { overrides.append("evaluation.repeats=\(r)") }
        if let s = seed { overrides.append("seed=\(s)") }
        return try SweepRunner(configPath: config, overrides: overrides, spec: fileSpec.merged(with: cli), log: log)
    }

    /// The arguments that re-create this sweep (for Slurm scripts; the config path as given,
    /// which `emitSlurm` writes relative to the working directory when it lies inside it).
    var reproducingArguments: [String] {
        var args: [String] = [config]
        for s in sets { args += ["--set", s] }
        for l in links { args += ["--link", l] }
        if let r = repeats { args += ["--repeats", String(r)] }
        if let s = seed { args += ["--seed", String(s)] }
        return args
    }
}

struct Sweep: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a parameter sweep: a grid (and linked axes) over any config keys, each point over repeats.",
        discussion: """
            Results go to <output_dir>/<experiment>/sweep-<axis keys>/: points*.jsonl (one line per finished point, appended \
            atomically), then sweep.csv, summary.json, table.txt, and figures with report.html (aimc plot; --no-plots to skip). Re-running the same sweep skips \
            finished points. --shard i/N runs a disjoint slice; `aimc merge` combines the slices.
            Example: aimc sweep Experiments/fashion-mlp-pcm.yaml --set hardware.adc.bits=4,6,8,10 --set device=pcm-joshi2020,ideal
            """)

    @OptionGroup var sweep: SweepOptions

    @Option(parsing: .unconditional, help: "Run only shard i of N (0-based), e.g. --shard 2/8.")
    var shard: String?

    @Option(name: .customLong("emit-slurm"), parsing: .unconditional, help: ArgumentHelp(
        "Instead of running, write Slurm scripts for this many shards: sweep.sbatch (job array), merge.sbatch (aimc merge) and submit.sh (submits both, the merge with --dependency=afterok); prints submit.sh's path.",
        valueName: "shards"))
    var emitSlurm: Int?

    @Option(name: .customLong("slurm-time"), parsing: .unconditional, help: ArgumentHelp("sbatch --time of each array task, e.g. 02:00:00 (overrides sweep.slurm.time).", valueName: "limit"))
    var slurmTime: String?

    @Option(name: .customLong("slurm-merge-time"), parsing: .unconditional, help: ArgumentHelp("sbatch --time of the merge job (default: --slurm-time).", valueName: "limit"))
    var slurmMergeTime: String?

    @Option(name: .customLong("slurm-partition"), parsing: .unconditional, help: ArgumentHelp("sbatch --partition (overrides sweep.slurm.partition).", valueName: "name"))
    var slurmPartition: String?

    @Option(name: .customLong("slurm-mem"), parsing: .unconditional, help: ArgumentHelp("sbatch --mem per task, e.g. 8G (overrides sweep.slurm.mem).", valueName: "size"))
    var slurmMem: String?

    @Option(name: .customLong("slurm-account"), parsing: .unconditional, help: ArgumentHelp("sbatch --account (overrides sweep.slurm.account).", valueName: "name"))
    var slurmAccount: String?

    @Option(name: .customLong("slurm-cpus-per-task"), parsing: .unconditional, help: ArgumentHelp("sbatch --cpus-per-task of each array task (default 2; overrides sweep.slurm.cpus_per_task).", valueName: "n"))
    var slurmCPUs: Int?

    @Flag(help: "No progress bar or lines.")
    var noProgress = false

    @Flag(help: "Print the JSON summary to stdout instead of the table.")
    var json = false

    @Flag(name: .customLong("no-plots"), help: "Do not draw the figures and report.html (aimc plot) after the sweep.")
    var noPlots = false

    func parsedShard() throws -> (index: Int, count: Int)? {
        guard let s = shard else { return nil }
        let parts = s.split(separator: "/")
        guard parts.count == 2, let i = Int(parts[0]), let n = Int(parts[1]), n >= 1, i >= 0, i < n else {
            throw ValidationError("--shard must be i/N with 0 ≤ i < N (got \(s))")
        }
        return (i, n)
    }

    func validate() throws {
        _ = try parsedShard()
        if let n = emitSlurm, n < 1 { throw ValidationError("--emit-slurm needs a shard count ≥ 1 (got \(n))") }
        let slurmFlags = [slurmTime, slurmMergeTime, slurmPartition, slurmMem, slurmAccount, slurmCPUs.map(String.init)]
        if emitSlurm == nil, slurmFlags.contains(where: { $0 != nil }) {
            throw ValidationError("the --slurm-* options apply only with --emit-slurm N")
        }
    }

    func run() throws {
        let quiet = noProgress
        let runner = try userErrors { try sweep.makeRunner(log: { eprint($0) }) }
        if var n = emitSlurm {
            // More shards than points would only start empty array tasks.
            if n > max(runner.points.count, 1) {
                eprint("sweep: --emit-slurm \(n) capped at the sweep's \(runner.points.count) points")
                n = max(runner.points.count, 1)
            }
            // The executable as invoked: a bare name is found on the nodes' PATH, a path is
            // written relative to this folder when it lies inside it.
            let exe = ProcessInfo.processInfo.environment["AIMC_EXECUTABLE"] ?? CommandLine.arguments[0]
            let scripts = try userErrors {
                let options = try SlurmOptions.load(path: sweep.config).overridden(by: try SlurmOptions.fromFlags(
                    time: slurmTime, partition: slurmPartition, mem: slurmMem, account: slurmAccount, cpusPerTask: slurmCPUs, mergeTime: slurmMergeTime))
                return try runner.emitSlurm(shards: n, executable: exe, arguments: sweep.reproducingArguments, options: options)
            }
            eprint("sweep: wrote \(scripts.array.path) (job array, \(n) tasks) and \(scripts.merge.path) (aimc merge); submit both with: bash \(scripts.submit.path)")
            print(scripts.submit.path)
            return
        }
        let sh = try parsedShard()
        try userErrors { try ResultsFolder.checkUsable(runner.directory) }
        eprint("sweep: \(runner.points.count) points × \(runner.points.first?.config.repeats ?? 0) repeats\(sh.map { ", shard \($0.index)/\($0.count): \(runner.shardIndices($0).count) points" } ?? ""); results in \(runner.directory.path)")
        let progress = quiet ? nil : ProgressReporter(total: runner.shardIndices(sh).count, label: "sweep")
        // Ctrl-C: stop at the next safe point; finished points are already stored (each
        // appended atomically and fsynced); say how to go on.
        InterruptHandling.install(command: "sweep", stopped: "stopped; finished points are kept in \(runner.directory.path) — rerun the same command to resume")
        _ = try userErrors { try runner.run(shard: sh, progress: progress) }
        if sh != nil {
            eprint("sweep: shard done; combine all shards with `aimc merge` (same arguments, without --shard)")
            return
        }
        let results = try userErrors { try runner.finalize() }
        let plotted = noPlots ? false : drawSweepFigures(runner.directory)
        if json {
            FileHandle.standardOutput.write(try results.json())
            print("")
        } else {
            print(results.table(), terminator: "")
            print("results: \(runner.directory.path)/{sweep.csv, summary.json, table.txt\(plotted ? ", *.pdf, *.png, *.svg, report.html" : "")}")
        }
    }
}

struct Merge: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Combine the shard results of a sweep into the outputs of one run (same arguments as `aimc sweep`, without --shard).")

    @OptionGroup var sweep: SweepOptions

    @Flag(name: .customLong("no-plots"), help: "Do not draw the figures and report.html (aimc plot) after merging.")
    var noPlots = false

    func run() throws {
        let runner = try userErrors { try sweep.makeRunner(log: { eprint($0) }) }
        let results = try userErrors { try runner.finalize() }
        let plotted = noPlots ? false : drawSweepFigures(runner.directory)
        print(results.table(), terminator: "")
        print("results: \(runner.directory.path)/{sweep.csv, summary.json, table.txt\(plotted ? ", *.pdf, *.png, *.svg, report.html" : "")}")
    }
}

/// Draws a finished sweep's figures and report.html with `aimc plot` (best effort: a sweep's
/// results stand without them). Returns whether they were drawn.
func drawSweepFigures(_ directory: URL) -> Bool {
    if runPlotter(directory: directory.path, options: [], quietStdout: true) == 0 { return true }
    eprint("sweep: figures not drawn; draw them with `aimc plot \(directory.path)` (needs /usr/bin/python3 with matplotlib, `make setup`)")
    return false
}

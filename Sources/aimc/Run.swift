import ArgumentParser
import ExperimentKit
import Foundation

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run an experiment: train or load the network, simulate it on analogue hardware over drift time, report accuracy.",
        discussion: "Results go to <output_dir>/<experiment>/: analog.csv (one row per evaluation time × repeat), summary.json, resolved.yaml and energy.csv.")

    @Argument(help: "Experiment config (YAML), e.g. Experiments/fashion-mlp-pcm.yaml.")
    var config: String

    @OptionGroup var overrides: OverrideOptions

    @Option(parsing: .unconditional, help: "Number of repeats (fresh programmings); overrides evaluation.repeats.")
    var repeats: Int?

    @Option(parsing: .unconditional, help: "Master seed; overrides seed.")
    var seed: UInt64?

    @Flag(help: "Print the JSON summary to stdout instead of the table.")
    var json = false

    @Flag(help: "Print no progress lines.")
    var quiet = false

    func validate() throws {
        if let r = repeats, r < 1 { throw ValidationError("--repeats must be ≥ 1 (got \(r))") }
    }

    func run() throws {
        var sets = overrides.sets
        if let r = repeats { sets.append("evaluation.repeats=\(r)") }
        if let s = seed { sets.append("seed=\(s)") }
        let cfg = try loadExperiment(config, sets)
        try userErrors { try ResultsFolder.checkUsable(cfg.resultsDirectory) }
        let quiet = self.quiet
        let runner = ExperimentRunner(config: cfg) { line in if !quiet { eprint(line) } }
        if let w = try userErrors({ try runner.replacedRunWarning() }) { eprint(w) }
        InterruptHandling.install(command: "run", stopped: "stopped; no results were written (\(cfg.resultsDirectory.path) keeps its previous set)")
        let summary = try userErrors { try runner.run() }
        if json {
            let data = try summary.json()
            FileHandle.standardOutput.write(data)
            FileHandle.standardOutput.write(Data("\n".utf8))
        } else {
            print("")
            print(ReportTable.render(summary), terminator: "")
        }
    }
}

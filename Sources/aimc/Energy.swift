import ArgumentParser
import ExperimentKit
import Foundation

struct EnergyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "energy",
        abstract: "Print the energy and latency report of an experiment (analogue hardware vs the GPU baseline) without the accuracy run.",
        discussion: """
            Uses the network of `aimc run` (network.weights, else the cached trained weights, else it trains and caches \
            them once), programs it once with the seed of repeat 0, reads it at the first evaluation time and runs the \
            first evaluation.batch_size test images through it with the first compensation method: the cell energy \
            depends on these inputs and conductances. The GPU baseline's accuracy is computed on the test set. \
            With --validate (and no config) it prints the energy model's validation table against published chips \
            (HERMES, ISAAC) and NeuroSim's SAR ADC model, and exits non-zero when a row is outside its factor.
            """)

    @Argument(help: "Experiment config (YAML), e.g. Experiments/fashion-mlp-pcm.yaml.")
    var config: String?

    @Flag(name: .customLong("validate"), help: "Print the validation table of the energy model (docs/ENERGY.md) instead of an experiment's report.")
    var validateModel = false

    @OptionGroup var overrides: OverrideOptions

    @Flag(help: "Print the energy summary as JSON instead of the table.")
    var json = false

    @Flag(help: "Print no progress lines.")
    var quiet = false

    func validate() throws {
        if validateModel && config != nil { throw ValidationError("--validate takes no experiment config") }
        if validateModel && !overrides.sets.isEmpty {
            throw ValidationError("--validate takes no --set: the validation uses the committed presets as they are")
        }
        if !validateModel && config == nil { throw ValidationError("missing the experiment config (or --validate)") }
    }

    func run() throws {
        if validateModel {
            let circuits = ConfigLoader.circuitsRoot(near: nil)
            let rows = try userErrors { try EnergyValidation.rows(circuits: circuits) }
            if json {
                try printJSON(rows)
            } else {
                print(EnergyValidation.render(rows), terminator: "")
            }
            if rows.contains(where: { !$0.passes }) { throw ExitCode(1) }
            return
        }
        let cfg = try loadExperiment(config!, overrides.sets)
        let quiet = self.quiet
        let summary = try userErrors { try EnergyReporter(config: cfg).standalone { line in if !quiet { eprint(line) } } }
        if json {
            try printJSON(summary)
        } else {
            print("aimc energy · \(cfg.name)")
            print(EnergyTable.render(summary), terminator: "")
        }
    }
}

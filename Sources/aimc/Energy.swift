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
            depends on these inputs and conductances. The GPU baseline's accuracy is computed on the test set.
            """)

    @Argument(help: "Experiment config (YAML), e.g. Experiments/fashion-mlp-pcm.yaml.")
    var config: String

    @OptionGroup var overrides: OverrideOptions

    @Flag(help: "Print the energy summary as JSON instead of the table.")
    var json = false

    @Flag(help: "Print no progress lines.")
    var quiet = false

    func run() throws {
        let cfg = try loadExperiment(config, overrides.sets)
        let quiet = self.quiet
        let summary = try userErrors { try EnergyReporter(config: cfg).standalone { line in if !quiet { eprint(line) } } }
        if json {
            let e = JSONEncoder()
            e.keyEncodingStrategy = .convertToSnakeCase
            e.outputFormatting = [.prettyPrinted, .sortedKeys]
            FileHandle.standardOutput.write(try e.encode(summary))
            FileHandle.standardOutput.write(Data("\n".utf8))
        } else {
            print("aimc energy · \(cfg.name)")
            print(EnergyTable.render(summary), terminator: "")
        }
    }
}

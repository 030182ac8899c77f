import ArgumentParser
import ExperimentKit

struct Keys: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List every documented config key with its default and allowed values.")

    @Flag(help: "List hardware-description keys (Circuits files, aimc mvm --config) instead of experiment keys.")
    var hardware = false

    @Flag(help: "Print a Markdown table.")
    var markdown = false

    func run() {
        let keys = hardware ? HardwareKeys.all : ExperimentKeys.all
        if markdown {
            print("| key | default | allowed | meaning |")
            print("|---|---|---|---|")
            for k in keys {
                print("| `\(k.key)` | `\(k.defaultValue)` | \(k.kind.allowed) | \(k.doc) |")
            }
        } else {
            for k in keys {
                print("\(k.key)\n    default: \(k.defaultValue)\n    allowed: \(k.kind.allowed)\n    \(k.doc)")
            }
        }
    }
}

struct Config: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the fully resolved config of an experiment (includes expanded, defaults filled in).")

    @Argument(help: "Experiment config (YAML).")
    var config: String

    @OptionGroup var overrides: OverrideOptions

    func run() throws {
        let cfg = try loadExperiment(config, overrides.sets)
        print(try userErrors { try cfg.resolvedYAML() }, terminator: "")
    }
}

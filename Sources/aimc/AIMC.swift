import ArgumentParser

@main
struct AIMC: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "aimc",
        abstract: "Analogue in-memory-compute simulator: accuracy of a network on simulated crossbars over drift time.",
        subcommands: [Run.self, Sweep.self, Merge.self, EnergyCommand.self, MVM.self, IRDropCommand.self, Bench.self, Keys.self, Config.self])
}

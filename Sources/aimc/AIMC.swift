import ArgumentParser
#if os(Linux)
import CMalloc
#endif

@main
struct AIMC: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "aimc",
        abstract: "Analogue in-memory-compute simulator: accuracy of a network on simulated crossbars over drift time.",
        subcommands: [Run.self, Sweep.self, Merge.self, EnergyCommand.self, MVM.self, IRDropCommand.self, Bench.self, Keys.self, Config.self, Plot.self])

    static func main() {
        #if os(Linux)
        // The simulator allocates work arrays of several MiB per batch (im2col matrices, tile
        // inputs and outputs). glibc would serve them with mmap or hand freed memory back to
        // the kernel, so each batch page-faults its buffers in again; keep them in the heap.
        _ = mallopt(M_MMAP_THRESHOLD, 32 << 20)
        _ = mallopt(M_TRIM_THRESHOLD, 256 << 20)
        #endif
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            exit(withError: error)
        }
    }
}

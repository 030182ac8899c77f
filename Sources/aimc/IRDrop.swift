import ArgumentParser
import Crossbar
import ExperimentKit
import Foundation
import NumericKernels

/// `aimc ir-drop`: solves one random crossbar with wire resistance, exactly and approximately,
/// and prints solve times and the approximation's error (optionally against ngspice).
struct IRDropCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ir-drop",
        abstract: "Time the IR-drop solvers on one random array and report the approximation's error.",
        discussion: """
            Conductances uniform in [g_min, g_max], inputs uniform in [0, read voltage] from --seed. Prints, for \
            the exact solver (Schur-complement PCG) and the approximation (one block Gauss–Seidel sweep), the \
            time to build the effective conductance A [columns × rows] of a forward read, and the error of the \
            approximate and of the ideal (no-wire) output currents against the exact ones over --batch input \
            vectors. --netlist writes the ngspice deck of the first input vector (template \
            Circuits/spice/crossbar-read.cir); --ngspice also runs it and compares.
            """)

    @Option(parsing: .unconditional, help: "Word lines (inputs).") var rows: Int = 256
    @Option(parsing: .unconditional, help: "Bit lines (outputs).") var columns: Int = 256
    @Option(name: .customLong("wire-resistance"), parsing: .unconditional, help: "Ω per wire segment, rows and columns.") var wireResistance: Double = 0.35
    @Option(name: .customLong("g-min"), parsing: .unconditional, help: "Smallest cell conductance, S.") var gMin: Double = 0
    @Option(name: .customLong("g-max"), parsing: .unconditional, help: "Largest cell conductance, S.") var gMax: Double = 25e-6
    @Option(name: .customLong("read-voltage"), parsing: .unconditional, help: "Largest input voltage, V.") var readVoltage: Double = 0.2
    @Option(parsing: .unconditional, help: "Input vectors for the error statistics.") var batch: Int = 32
    @Option(parsing: .unconditional, help: "Threads of the exact solver (the result does not depend on it).") var threads: Int = 1
    @Option(parsing: .unconditional, help: "Seed of the conductances and inputs.") var seed: UInt64 = 0
    @Option(parsing: .unconditional, help: "Relative residual of the exact solver.") var tolerance: Double = 1e-10
    @Option(help: "Write the ngspice netlist of the first input vector here.") var netlist: String?
    @Flag(help: "Run ngspice (`ngspice` on PATH) on that netlist and compare.") var ngspice = false

    func validate() throws {
        guard rows >= 1, columns >= 1, MemoryBudget.product(rows, columns) <= 16_777_216 else {
            throw ValidationError("--rows × --columns must be in 1 … 2^24 cells (got \(rows) × \(columns))")
        }
        guard wireResistance >= 0, wireResistance.isFinite else { throw ValidationError("--wire-resistance must be a finite number ≥ 0 Ω (got \(wireResistance))") }
        guard gMin >= 0, gMax > gMin, gMax.isFinite else { throw ValidationError("need 0 ≤ --g-min < --g-max, finite (got \(gMin), \(gMax))") }
        guard readVoltage.isFinite, readVoltage >= 0 else { throw ValidationError("--read-voltage must be a finite number ≥ 0 V (got \(readVoltage))") }
        guard batch >= 1, threads >= 1 else { throw ValidationError("--batch and --threads must be ≥ 1 (got \(batch), \(threads))") }
        guard threads <= 1024 else { throw ValidationError("--threads must be ≤ 1024 (got \(threads))") }
        // The documented range of ir_drop.tolerance.
        guard tolerance >= 1e-15, tolerance <= 1e-2 else { throw ValidationError("--tolerance must be in [1e-15, 0.01] (got \(tolerance))") }
        // The inputs ([batch × rows] doubles) and about eight conductance-sized arrays.
        do {
            try MemoryBudget.check(
                MemoryBudget.sum(MemoryBudget.product(batch, rows, 8), MemoryBudget.product(rows, columns, 64)),
                "aimc ir-drop --batch \(batch) on \(rows) × \(columns)")
        } catch let e as ResourceLimitError {
            throw ValidationError(e.message)
        }
    }

    func run() throws {
        try userErrors {
            var study = IRDropStudy()
            (study.rows, study.columns, study.wireResistance, study.gMin, study.gMax) = (rows, columns, wireResistance, gMin, gMax)
            (study.readVoltage, study.batch, study.threads, study.seed, study.tolerance) = (readVoltage, batch, threads, seed, tolerance)
            print("IR drop: \(rows) × \(columns) array, r = \(wireResistance) Ω per segment, g in [\(gMin), \(gMax)] S, seed \(seed)")
            let (solved, r) = try study.solve()
            print(String(format: "  exact:       %.4f s  (%d PCG iterations, residual %.1e, %d thread(s))", r.exactSeconds, r.exactIterations, r.exactResidual, threads))
            print(String(format: "  approximate: %.4f s", r.approximateSeconds))
            print(String(format: "  output currents vs exact over %d inputs: approximate max %.3e mean %.3e; ideal wires max %.3e mean %.3e (relative)",
                         batch, r.approximateMax, r.approximateMean, r.idealMax, r.idealMean))
            guard netlist != nil || ngspice else { return }
            let deck = try study.netlist(solved, circuits: ConfigLoader.circuitsRoot(near: nil))
            let path = netlist ?? FileManager.default.temporaryDirectory.appendingPathComponent("aimc-ir-drop-\(getpid()).cir").path
            try deck.write(toFile: path, atomically: true, encoding: .utf8)
            print("  netlist: \(path)")
            guard ngspice else { return }
            let c = try study.compareWithNgspice(solved, deck: path)
            print(String(format: "  vs ngspice (%.2f s): exact max %.3e, approximate max %.3e (relative, first input)", c.seconds, c.exact, c.approximate))
        }
    }
}

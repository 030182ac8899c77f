/// How the resistance of the word and bit lines enters the MVM (PHYSICS.md §5).
public enum IRDropMode: String, CaseIterable, Sendable, Codable {
    /// Ideal wires: the tile multiplies with its cell conductances (default).
    case none
    /// The nodal network solved to `IRDropSpec.tolerance` (Schur-complement PCG).
    case exact
    /// One block Gauss–Seidel sweep of the same network: the input wires solved exactly with
    /// the output wires at 0 V, then the output wires solved exactly with those cell voltages.
    /// O(rows · columns); exact when either wire resistance is 0.
    case approximate
}

/// Where the two devices of a differential pair sit in the resistive network.
public enum PairLayout: String, CaseIterable, Sendable, Codable {
    /// One array of rows × 2·columns: G⁺ of output j on bit line 2j, G⁻ on bit line 2j + 1
    /// (adjacent), both on the same word lines, so the word-line drop sees both devices.
    case interleaved
    /// Two arrays of rows × columns (G⁺ and G⁻), each with its own word-line drivers.
    case separate
}

/// Which wires carry the inputs: the direction of the MVM.
public enum ReadDirection: String, CaseIterable, Sendable, Codable {
    /// Inputs drive the rows (word lines) from their left end; the columns (bit lines) are read
    /// at virtual ground at their bottom end: y = A·x with A `[columns × rows]`.
    case forward
    /// Inputs drive the columns from their bottom end (the read-out's end); the rows are read at
    /// virtual ground at their left end (the drivers' end): y = A_T·x with A_T `[rows × columns]`.
    case transposed
}

/// The wire-resistance (IR-drop) model of a tile.
///
/// Units: Ω per cell-to-cell wire segment. The default 0.35 Ω per segment is aihwkit's
/// (`IOParameters.ir_drop_g_ratio` = 1/(0.35 Ω · g_max)). The network is linear, so the result
/// does not depend on the read voltage: the effective conductance A (S) replaces the cell
/// conductances G in the MVM.
public struct IRDropSpec: Sendable, Equatable {
    /// Off, exact or approximate (default `.none`).
    public var mode: IRDropMode = .none
    /// Resistance of one word-line (row) segment, including the one from the driver to the
    /// first cell (Ω, 0 … 1e6; default 0.35).
    public var rowWireResistance: Double = 0.35
    /// Resistance of one bit-line (column) segment, including the one from the last cell to
    /// the read-out (Ω, 0 … 1e6; default 0.35).
    public var columnWireResistance: Double = 0.35
    /// Placement of the differential pair (default interleaved).
    public var pairLayout: PairLayout = .interleaved
    /// Relative residual ‖h − S·v‖/‖h‖ at which the exact solver stops (1e-15 … 1e-2; default 1e-10).
    public var tolerance: Double = 1e-10
    /// Largest number of PCG iterations of the exact solver before it throws (1 … 1e6; default 10000).
    public var maxIterations: Int = 10_000

    public init() {}

    /// Checks ranges.
    /// - Throws: `CrossbarError` naming the key, value and allowed range.
    public func validate() throws {
        for (key, r) in [("row", rowWireResistance), ("column", columnWireResistance)] {
            guard r >= 0, r <= 1e6, r.isFinite else {
                throw CrossbarError("ir_drop: \(key) wire resistance = \(r) Ω must be in 0 … 1e6 Ω per segment")
            }
        }
        guard tolerance >= 1e-15, tolerance <= 1e-2 else {
            throw CrossbarError("ir_drop.tolerance = \(tolerance) must be in 1e-15 … 1e-2")
        }
        guard maxIterations >= 1, maxIterations <= 1_000_000 else {
            throw CrossbarError("ir_drop.max_iterations = \(maxIterations) must be in 1 … 1000000")
        }
    }
}

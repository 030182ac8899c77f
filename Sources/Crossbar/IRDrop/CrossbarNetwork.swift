import Foundation
import NumericKernels

/// One crossbar array as a resistive network (PHYSICS.md §5): `rows` word lines crossing
/// `columns` bit lines, a cell conductance at every crossing, a wire segment of resistance
/// r_row between neighbouring cells on a row and r_col on a column.
///
/// Geometry (the same for both read directions; the periphery does not move):
/// - row i's terminal is at its left end, one r_row segment before column 0;
/// - column j's terminal is at its bottom end, one r_col segment after row `rows − 1`;
/// - a **forward** read drives the row terminals with ideal voltage sources (the inputs) and
///   holds the column terminals at virtual ground (the outputs are their currents);
/// - a **transposed** read drives the column terminals and reads the row terminals.
///
/// With fixed conductances the network is linear, so the outputs are I = A·V with an effective
/// conductance A that depends only on the conductances and the wires; `effectiveConductance`
/// returns it, and an MVM through it stays one matrix product. Both directions use the same
/// ports, so by reciprocity A_transposed = A_forwardᵀ exactly; the solver computes each
/// direction on its own, with the input wires of that direction as the driven lines (the
/// tests check the identity). The one-sweep approximation, a product of an input-wire and an
/// output-wire factor, is reciprocal too.
///
/// The nodal formulation is that of A. Chen, "A comprehensive crossbar array model with
/// solutions for line resistance and nonlinear device characteristics", IEEE Trans. Electron
/// Devices 60(4), 1318–1326 (2013); the exact solve eliminates the input-wire nodes by
/// tridiagonal solves and runs conjugate gradients on the Schur complement of the output-wire
/// nodes, preconditioned by the output wires' tridiagonal blocks. Netlists for ngspice of the
/// same network come from `SpiceNetlist` (templates in `Circuits/spice/`).
public struct CrossbarNetwork: Sendable {
    /// Word lines.
    public let rows: Int
    /// Bit lines.
    public let columns: Int
    /// Cell conductances (S), `[columns × rows]`: element (j, i) is the cell on row i, column j
    /// (the layout of the tile matrices, so that the ideal forward A equals this matrix).
    public let conductances: Matrix
    /// Ω per row (word-line) segment, ≥ 0.
    public let rowWireResistance: Double
    /// Ω per column (bit-line) segment, ≥ 0.
    public let columnWireResistance: Double

    /// How a solve went.
    public struct SolveReport: Sendable, Equatable {
        /// Largest number of PCG iterations over the right-hand sides (0 for the approximate
        /// mode and whenever a wire resistance is 0, where the sweep is exact).
        public var iterations: Int
        /// Largest final relative residual of the exact solver (0 when it ran no iteration).
        public var relativeResidual: Double
        /// Wall-clock seconds of the solve.
        public var seconds: Double
    }

    /// - Parameters:
    ///   - conductances: `[columns × rows]` (S), every element finite and ≥ 0.
    ///   - rowWireResistance, columnWireResistance: Ω per segment, finite and ≥ 0.
    /// - Throws: `CrossbarError` for a negative or non-finite value.
    public init(conductances: Matrix, rowWireResistance: Double, columnWireResistance: Double) throws {
        if let bad = conductances.values.firstIndex(where: { !($0 >= 0 && $0.isFinite) }) {
            throw CrossbarError(
                "IR drop: conductance of row \(bad % max(conductances.columns, 1)), column \(bad / max(conductances.columns, 1)) is \(conductances.values[bad]) S; conductances must be finite and ≥ 0")
        }
        for (name, r) in [("row", rowWireResistance), ("column", columnWireResistance)] where !(r >= 0 && r.isFinite) {
            throw CrossbarError("IR drop: \(name) wire resistance \(r) Ω must be finite and ≥ 0")
        }
        self.columns = conductances.rows
        self.rows = conductances.columns
        self.conductances = conductances
        self.rowWireResistance = rowWireResistance
        self.columnWireResistance = columnWireResistance
    }

    /// The network in driven/sensed coordinates for `direction` (see `WireGrid`).
    func grid(_ direction: ReadDirection) -> WireGrid {
        let R = rows, C = columns
        var g = [Double](repeating: 0, count: R * C)
        conductances.values.withUnsafeBufferPointer { src in
            switch direction {
            case .forward:
                // Driven a = row i, position b = column j (driver before column 0);
                // sensed b = column j, position a = row i (ground after row R − 1).
                for i in 0..<R { for j in 0..<C { g[i * C + j] = Double(src[j * R + i]) } }
            case .transposed:
                // Driven a = column C−1−j (so that the row read-outs, at column 0, come after
                // a = na − 1), position b = R−1−i measured from the column driver at the bottom.
                for a in 0..<C { for b in 0..<R { g[a * R + b] = Double(src[(C - 1 - a) * R + (R - 1 - b)]) } }
            }
        }
        switch direction {
        case .forward:
            return WireGrid(na: R, nb: C, g: g, drivenResistance: rowWireResistance, sensedResistance: columnWireResistance)
        case .transposed:
            return WireGrid(na: C, nb: R, g: g, drivenResistance: columnWireResistance, sensedResistance: rowWireResistance)
        }
    }

    /// Maps a grid result `[nb × na]` back to the direction's `[outputs × inputs]`.
    func fromGrid(_ m: [Double], _ direction: ReadDirection) -> Matrix {
        switch direction {
        case .forward:
            return Matrix(rows: columns, columns: rows, values: m.map(Float.init))
        case .transposed:
            // Sensed line b is row R−1−b; driven line a is column C−1−a.
            var out = Matrix(rows: rows, columns: columns)
            for i in 0..<rows {
                for j in 0..<columns { out[i, j] = Float(m[(rows - 1 - i) * columns + (columns - 1 - j)]) }
            }
            return out
        }
    }

    /// The effective conductance of a read: I = A·V.
    ///
    /// - Parameters:
    ///   - direction: `.forward` gives A `[columns × rows]` (inputs on rows), `.transposed`
    ///     A `[rows × columns]` (inputs on columns).
    ///   - mode: `.none` returns the cell conductances (transposed for `.transposed`);
    ///     `.approximate` the one-sweep model, O(rows·columns); `.exact` one PCG solve per input
    ///     line (blocks of up to 16 right-hand sides).
    ///   - tolerance: relative residual of the exact solver (default 1e-10).
    ///   - maxIterations: PCG iteration limit (default 10000).
    ///   - threads: worker threads for the exact solver's blocks (default 1; the result does not
    ///     depend on it).
    /// - Throws: `CrossbarError` when the exact solver does not converge.
    public func effectiveConductance(
        direction: ReadDirection = .forward, mode: IRDropMode, tolerance: Double = 1e-10, maxIterations: Int = 10_000,
        threads: Int = 1
    ) throws -> (matrix: Matrix, report: SolveReport) {
        let start = DispatchTime.now().uptimeNanoseconds
        func seconds() -> Double { Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 }
        if rows == 0 || columns == 0 {
            let shape = direction == .forward ? (columns, rows) : (rows, columns)
            return (Matrix(rows: shape.0, columns: shape.1), SolveReport(iterations: 0, relativeResidual: 0, seconds: 0))
        }
        switch mode {
        case .none:
            let m = direction == .forward ? conductances : conductances.transposed
            return (m, SolveReport(iterations: 0, relativeResidual: 0, seconds: seconds()))
        case .approximate:
            let g = grid(direction)
            let m = fromGrid(g.approximateMatrix(), direction)
            return (m, SolveReport(iterations: 0, relativeResidual: 0, seconds: seconds()))
        case .exact:
            let g = grid(direction)
            let r = try g.exactMatrix(tolerance: tolerance, maxIterations: maxIterations, threads: threads)
            return (fromGrid(r.matrix, direction), SolveReport(iterations: r.iterations, relativeResidual: r.residual, seconds: seconds()))
        }
    }

    /// Output currents of a batch of input voltages, solved per batch (no effective matrix).
    ///
    /// - Parameters:
    ///   - voltages: `[batch × inputs]` (V): inputs are rows for `.forward`, columns for `.transposed`.
    ///   - direction, mode, tolerance, maxIterations: as for `effectiveConductance`.
    /// - Returns: `[batch × outputs]` currents (A) into the virtual grounds, in double precision.
    /// - Throws: `CrossbarError` for a shape mismatch, a non-finite voltage, or no convergence.
    public func outputCurrents(
        voltages: [[Double]], direction: ReadDirection = .forward, mode: IRDropMode, tolerance: Double = 1e-10,
        maxIterations: Int = 10_000
    ) throws -> [[Double]] {
        let inputs = direction == .forward ? rows : columns
        let outputs = direction == .forward ? columns : rows
        for (k, v) in voltages.enumerated() {
            guard v.count == inputs else {
                throw CrossbarError("IR drop: input vector \(k) has \(v.count) voltages; the \(direction.rawValue) read of a \(rows) × \(columns) array takes \(inputs)")
            }
            guard v.allSatisfy(\.isFinite) else { throw CrossbarError("IR drop: input vector \(k) holds a non-finite voltage") }
        }
        if voltages.isEmpty || outputs == 0 { return voltages.map { _ in [Double](repeating: 0, count: outputs) } }
        // Driven line a of the grid is input i (forward) or column C−1−a (transposed).
        let drivenIndex: (Int) -> Int = direction == .forward ? { $0 } : { self.columns - 1 - $0 }
        let outputIndex: (Int) -> Int = direction == .forward ? { $0 } : { self.rows - 1 - $0 }
        let g = grid(direction)
        switch mode {
        case .none, .approximate:
            // Grid matrix [nb × na] in double precision; `.none` is the cells themselves.
            let a: [Double] = mode == .none ? g.g.indices.map { g.g[($0 % g.na) * g.nb + $0 / g.na] } : g.approximateMatrix()
            return voltages.map { v in
                var out = [Double](repeating: 0, count: outputs)
                for b in 0..<outputs {
                    var s = 0.0
                    for a0 in 0..<inputs { s += a[b * inputs + a0] * v[drivenIndex(a0)] }
                    out[outputIndex(b)] = s
                }
                return out
            }
        case .exact:
            var flat = [Double](repeating: 0, count: voltages.count * inputs)
            for (r, v) in voltages.enumerated() { for a in 0..<inputs { flat[r * inputs + a] = v[drivenIndex(a)] } }
            let o = try flat.withUnsafeBufferPointer {
                try g.solveExact(voltages: $0.baseAddress!, nr: voltages.count, tolerance: tolerance, maxIterations: maxIterations)
            }
            return (0..<voltages.count).map { r in
                var out = [Double](repeating: 0, count: outputs)
                for b in 0..<outputs { out[outputIndex(b)] = o.currents[r * outputs + b] }
                return out
            }
        }
    }
}

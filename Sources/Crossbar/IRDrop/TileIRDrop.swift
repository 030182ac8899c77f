import NumericKernels

/// The IR-drop stage of a tile readout: replaces the read conductances of a tile's devices by
/// their effective conductances through the wire network, so that the tile matrix built from
/// them (M = (A⁺ − A⁻)·unit for a differential pair) includes the wire resistance.
///
/// Runs at readout time, after drift and read noise, once per tile and evaluation time; the MVM
/// that follows stays one array product per tile and group of samples. The effective conductance of a device is
/// its column of A: the current that reaches its bit line's read-out per volt on its word line,
/// with every other word line at 0 V (the network is linear, so superposition gives any input).
public enum TileIRDrop {
    /// Effective conductances (S) of a tile's devices, in the shapes they came in.
    ///
    /// Physical arrangement (`IRDropSpec.pairLayout`), all on the same `rows` word lines:
    /// - `.interleaved` with one negative device per positive one (`minus.count == plus.count`):
    ///   one array whose bit line 2j holds `plus` column j and bit line 2j + 1 `minus` column j;
    ///   with another number of negative columns (reference columns of the offset mapping, or
    ///   none), one array of the `plus` columns followed by the `minus` columns;
    /// - `.separate`: one array of the `plus` columns and another of the `minus` columns, each
    ///   with its own drivers.
    ///
    /// - Parameters:
    ///   - plus: conductances (S) `[p × rows]` row-major (p bit lines).
    ///   - minus: conductances (S) `[q × rows]` (q bit lines, possibly 0).
    ///   - rows: word lines.
    ///   - spec: the IR-drop model; `.none` returns the inputs unchanged.
    /// - Throws: `CrossbarError` when the exact solver does not converge.
    public static func effective(
        plus: [Float], minus: [Float], rows: Int, spec: IRDropSpec
    ) throws -> (plus: [Float], minus: [Float], report: CrossbarNetwork.SolveReport) {
        precondition(rows > 0 ? plus.count % rows == 0 && minus.count % rows == 0 : plus.isEmpty && minus.isEmpty)
        if spec.mode == .none || rows == 0 {
            return (plus, minus, CrossbarNetwork.SolveReport(iterations: 0, relativeResidual: 0, seconds: 0))
        }
        let p = plus.count / rows, q = minus.count / rows
        func solve(_ g: [Float], _ columns: Int) throws -> ([Float], CrossbarNetwork.SolveReport) {
            if columns == 0 { return ([], CrossbarNetwork.SolveReport(iterations: 0, relativeResidual: 0, seconds: 0)) }
            let net = try CrossbarNetwork(
                conductances: Matrix(rows: columns, columns: rows, values: g),
                rowWireResistance: spec.rowWireResistance, columnWireResistance: spec.columnWireResistance)
            let (a, report) = try net.effectiveConductance(
                direction: .forward, mode: spec.mode, tolerance: spec.tolerance, maxIterations: spec.maxIterations)
            return (a.values, report)
        }
        switch spec.pairLayout {
        case .interleaved:
            var g = [Float](repeating: 0, count: plus.count + minus.count)
            // Bit line of plus column j and of minus column k.
            let paired = p == q
            func plusLine(_ j: Int) -> Int { paired ? 2 * j : j }
            func minusLine(_ k: Int) -> Int { paired ? 2 * k + 1 : p + k }
            for j in 0..<p { for i in 0..<rows { g[plusLine(j) * rows + i] = plus[j * rows + i] } }
            for k in 0..<q { for i in 0..<rows { g[minusLine(k) * rows + i] = minus[k * rows + i] } }
            let (a, report) = try solve(g, p + q)
            var ep = plus, em = minus
            for j in 0..<p { for i in 0..<rows { ep[j * rows + i] = a[plusLine(j) * rows + i] } }
            for k in 0..<q { for i in 0..<rows { em[k * rows + i] = a[minusLine(k) * rows + i] } }
            return (ep, em, report)
        case .separate:
            let (ep, rp) = try solve(plus, p)
            let (em, rm) = try solve(minus, q)
            let report = CrossbarNetwork.SolveReport(
                iterations: max(rp.iterations, rm.iterations), relativeResidual: max(rp.relativeResidual, rm.relativeResidual),
                seconds: rp.seconds + rm.seconds)
            return (ep, em, report)
        }
    }
}

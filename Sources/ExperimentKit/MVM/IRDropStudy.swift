import Crossbar
import Foundation
import NumericKernels

/// The IR-drop study of `aimc ir-drop` as a library value: one random crossbar with wire
/// resistance, its effective conductance solved exactly (Schur-complement PCG) and
/// approximately (one block Gauss–Seidel sweep), and the error of the approximation and of
/// ideal wires against the exact solution over a batch of random inputs; optionally the
/// ngspice netlist of the first input and the comparison with ngspice.
///
/// Conductances are uniform in [gMin, gMax] (S) and inputs uniform in [0, readVoltage] (V),
/// both from stream `RandomStream.irDropCommand` of `seed`.
public struct IRDropStudy: Sendable {
    /// Word lines (inputs) and bit lines (outputs).
    public var rows = 256, columns = 256
    /// Ω per wire segment of rows and columns.
    public var wireResistance = 0.35
    /// Cell conductance range (S).
    public var gMin = 0.0, gMax = 25e-6
    /// Largest input voltage (V).
    public var readVoltage = 0.2
    /// Input vectors of the error statistics.
    public var batch = 32
    /// Threads of the exact solver (the result does not depend on it).
    public var threads = 1
    public var seed: UInt64 = 0
    /// Relative residual of the exact solver.
    public var tolerance = 1e-10

    public init() {}

    /// What `run` measured.
    public struct Report: Sendable {
        public var exactSeconds: Double, exactIterations: Int, exactResidual: Double
        public var approximateSeconds: Double
        /// Relative errors of the output currents against the exact solution, max and mean.
        public var approximateMax: Double, approximateMean: Double, idealMax: Double, idealMean: Double
    }

    /// The array, the inputs and the two effective conductances `[columns × rows]` (S).
    public struct Solved: Sendable {
        public let network: CrossbarNetwork
        public let inputs: [[Double]]
        public let conductances: Matrix, exact: Matrix, approximate: Matrix
    }

    /// Draws the array and inputs and solves both ways.
    /// - Throws: `CrossbarError` for invalid parameters or when PCG does not converge.
    public func solve() throws -> (Solved, Report) {
        var rng = Xoshiro256(seed: seed, .irDropCommand)
        let g = Matrix(rows: columns, columns: rows, values: (0..<(rows * columns)).map { _ in Float(gMin + (gMax - gMin) * Double(rng.nextUniform())) })
        let inputs = (0..<batch).map { _ in (0..<rows).map { _ in readVoltage * Double(rng.nextUniform()) } }
        let net = try CrossbarNetwork(conductances: g, rowWireResistance: wireResistance, columnWireResistance: wireResistance)
        let (exact, er) = try net.effectiveConductance(mode: .exact, tolerance: tolerance, threads: threads)
        let (approx, ar) = try net.effectiveConductance(mode: .approximate)
        var worstA = 0.0, sumA = 0.0, worstI = 0.0, sumI = 0.0, n = 0.0
        for v in inputs {
            let e = Self.currents(exact, v), a = Self.currents(approx, v), i = Self.currents(g, v)
            for j in 0..<columns where e[j] != 0 {
                let da = abs(a[j] - e[j]) / abs(e[j]), di = abs(i[j] - e[j]) / abs(e[j])
                worstA = max(worstA, da)
                worstI = max(worstI, di)
                sumA += da
                sumI += di
                n += 1
            }
        }
        let report = Report(
            exactSeconds: er.seconds, exactIterations: er.iterations, exactResidual: er.relativeResidual, approximateSeconds: ar.seconds,
            approximateMax: worstA, approximateMean: sumA / max(n, 1), idealMax: worstI, idealMean: sumI / max(n, 1))
        return (Solved(network: net, inputs: inputs, conductances: g, exact: exact, approximate: approx), report)
    }

    /// Output currents I = A·v (A) of an effective conductance `a` `[columns × rows]`.
    public static func currents(_ a: Matrix, _ v: [Double]) -> [Double] {
        (0..<a.rows).map { j in (0..<a.columns).reduce(0.0) { $0 + Double(a[j, $1]) * v[$1] } }
    }

    /// The ngspice deck of the first input (template `Circuits/spice/crossbar-read.cir`).
    /// - Throws: when the template cannot be read.
    public func netlist(_ solved: Solved, circuits: URL) throws -> String {
        let template = try String(contentsOf: circuits.appendingPathComponent("spice/crossbar-read.cir"), encoding: .utf8)
        return try SpiceNetlist.render(
            template: template, network: solved.network, voltages: solved.inputs[0], direction: .forward,
            title: "aimc ir-drop \(rows)x\(columns) r=\(wireResistance) seed \(seed)")
    }

    /// Runs `ngspice -b` on the deck at `path` and compares its output currents with the
    /// exact and approximate solutions for the first input: (ngspice seconds, max relative
    /// error of each).
    /// - Throws: when ngspice cannot run or its output cannot be parsed.
    public func compareWithNgspice(_ solved: Solved, deck path: String) throws -> (seconds: Double, exact: Double, approximate: Double) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["ngspice", "-b", path]
        let out = Pipe()
        p.standardOutput = out
        p.standardError = Pipe()
        let start = Date()
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        let spice = try SpiceNetlist.parseCurrents(String(decoding: data, as: UTF8.self), outputs: columns)
        let e = Self.currents(solved.exact, solved.inputs[0]), a = Self.currents(solved.approximate, solved.inputs[0])
        let de = zip(e, spice).map { abs($0 - $1) / abs($1) }.max() ?? 0
        let da = zip(a, spice).map { abs($0 - $1) / abs($1) }.max() ?? 0
        return (Date().timeIntervalSince(start), de, da)
    }
}

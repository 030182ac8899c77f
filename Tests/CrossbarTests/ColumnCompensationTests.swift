import Crossbar
import NumericKernels
import TestSupport
import Testing

/// Per-column drift compensation (PHYSICS.md §4). With one non-zero weight per output
/// column and a noise-free PCM whose drift exponent depends only on the target
/// (σ_ν = 0), each column drifts by its own factor (t/t0)^−ν(r_j): per-column compensation
/// restores W·x exactly (relative 1e-5), a single factor per tile cannot.
@Suite("Per-column drift compensation")
struct ColumnCompensationTests {
    static func spec() -> HardwareSpec {
        var s = Stage.spec(rows: 16, columns: 16)
        s.deviceKind = .pcm
        s.deviceModel.pcm?.programmingNoiseScale = 0
        s.deviceModel.pcm?.readNoiseScale = 0
        s.deviceModel.pcm?.driftStdCoefficients = [0, 0]
        s.deviceModel.pcm?.driftStdClip = [0, 0]
        return s
    }

    /// Output j reads input j with weight (j + 1)/16 · (−1)^j: different targets, different ν.
    static let w: Matrix = {
        var w = Matrix(rows: 12, columns: 16)
        for j in 0..<12 { w[j, j] = Float(j + 1) / 16 * (j % 2 == 0 ? 1 : -1) }
        return w
    }()

    @Test("column and column_exact restore W·x after a year of drift; global does not", arguments: [DriftCompensation.column, .columnExact])
    func perColumnRestores(method: DriftCompensation) throws {
        let x = Stage.uniform(5, 16, seed: 71)
        let e = Stage.exact(x, Self.w)
        let (y, _) = try Stage.run(Self.w, x, Self.spec(), t: 31_536_000, compensation: method)
        #expect(Stage.worstRelative(y, e) <= 1e-5)
        let (g, _) = try Stage.run(Self.w, x, Self.spec(), t: 31_536_000, compensation: .globalExact)
        #expect(Stage.worstRelative(g, e) > 1e-3)
        let (n, _) = try Stage.run(Self.w, x, Self.spec(), t: 31_536_000, compensation: .none)
        #expect(Stage.worstRelative(n, e) > 1e-2)
    }

    @Test("at t_inference = 0 every per-column factor is 1", arguments: Stage.mappingNames)
    func unityAtZero(name: String) throws {
        var s = Self.spec()
        Stage.mapping(name)(&s)
        let r = try AnalogMatrix(weights: Stage.uniform(9, 16, seed: 72), spec: s).program(seed: 3).readout(tInference: 0)
        for t in r.tiles {
            #expect(t.compensation.exactColumns.count == t.mapping.columns && t.compensation.readoutColumns.count == t.mapping.columns)
            for a in t.compensation.exactColumns + t.compensation.readoutColumns { #expect(abs(a - 1) <= 1e-5) }
        }
    }
}

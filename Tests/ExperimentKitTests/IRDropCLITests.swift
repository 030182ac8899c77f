import Crossbar
import ExperimentKit
import Foundation
import Networks
import NumericKernels
import TestSupport
import Testing

/// `aimc mvm` with the IR-drop keys and `--reads`, and `aimc ir-drop`, end to end: the CLI must
/// give bit for bit what the library gives for the same resolved hardware and seeds.
@Suite struct IRDropCLITests {
    static let ideal = repositoryRoot.appendingPathComponent("Circuits/presets/ideal.yaml").path
    static let pcm = repositoryRoot.appendingPathComponent("Circuits/presets/pcm-default.yaml").path

    /// Writes W [9 × 20] and X [4 × 20] (float32) and returns their paths.
    static func operands(_ dir: URL) throws -> (w: Matrix, x: Matrix, wPath: String, xPath: String) {
        var rng = Xoshiro256(seed: 31)
        let w = Matrix(rows: 9, columns: 20, values: rng.gaussians(180))
        let x = Matrix(rows: 4, columns: 20, values: rng.gaussians(80))
        let wp = dir.appendingPathComponent("W.npy"), xp = dir.appendingPathComponent("X.npy")
        try NPY.write(NumpyArray(floats: w.values, shape: [9, 20]), to: wp)
        try NPY.write(NumpyArray(floats: x.values, shape: [4, 20]), to: xp)
        return (w, x, wp.path, xp.path)
    }

    /// `--set ir_drop.mode=exact|approximate` reaches the tile: Y equals the library's MVM with
    /// the spec `HardwareBuilder` resolves (exactly), and differs from the ideal product by more
    /// than 1 % at 100 Ω per segment.
    @Test(arguments: ["exact", "approximate"])
    func mvmAppliesIRDrop(mode: String) throws {
        let exe = try #require(aimcExecutable(), "aimc is built by `make test`")
        let dir = try temporaryDirectory()
        let (w, x, wp, xp) = try Self.operands(dir)
        let sets = ["ir_drop.mode=\(mode)", "ir_drop.wire_resistance=100"]
        let out = dir.appendingPathComponent("Y.npy").path
        let (status, _, err) = try runProcess(
            exe, ["mvm", "--config", Self.ideal, "--weights", wp, "--inputs", xp, "--output", out, "--seed", "3"] + sets.flatMap { ["--set", $0] })
        #expect(status == 0, "\(err)")
        let y = try NPY.read(URL(fileURLWithPath: out)).floats()
        let (spec, _) = try HardwareBuilder.load(path: Self.ideal, overrides: sets)
        #expect(spec.irDrop.mode == IRDropMode(rawValue: mode))
        #expect(spec.irDrop.rowWireResistance == 100 && spec.irDrop.columnWireResistance == 100)
        let readout = try AnalogMatrix(weights: w, spec: spec).program(seed: 3).readout(tInference: 0)
        var rng = Xoshiro256(seed: 3, stream: [6])
        var stats = ConversionStats()
        let expected = try readout.forward(x, rng: &rng, stats: &stats)
        #expect(y == expected.values)
        let ideal = BLAS.matmulTransposed(x, w)
        let worst = zip(y, ideal.values).map { abs($0 - $1) }.max()!
        #expect(worst > 0.01 * ideal.maxAbs)
    }

    /// `--reads 5 --read-interval 1e-3` writes [reads × batch × outputs]; on PCM the reads
    /// differ (1/f read noise), and they equal the library's `readoutSeries`. On the ideal
    /// device every read is the same.
    @Test func mvmReadsWritesASeries() throws {
        let exe = try #require(aimcExecutable())
        let dir = try temporaryDirectory()
        let (w, x, wp, xp) = try Self.operands(dir)
        let out = dir.appendingPathComponent("Y.npy").path
        let args = ["--weights", wp, "--inputs", xp, "--output", out, "--reads", "5", "--read-interval", "1e-3", "--t-inference", "60", "--set", "output_noise=0"]
        var (status, _, err) = try runProcess(exe, ["mvm", "--config", Self.pcm] + args)
        #expect(status == 0, "\(err)")
        let y = try NPY.read(URL(fileURLWithPath: out))
        #expect(y.shape == [5, 4, 9])
        let v = y.floats()
        let reads = (0..<5).map { Array(v[($0 * 36)..<(($0 + 1) * 36)]) }
        #expect(Set(reads).count == 5)
        let (spec, _) = try HardwareBuilder.load(path: Self.pcm, overrides: ["output_noise=0"])
        let series = try AnalogMatrix(weights: w, spec: spec).program(seed: 0).readoutSeries(tInference: 60, reads: 5, interval: 1e-3)
        var rng = Xoshiro256(seed: 0, stream: [6])
        var stats = ConversionStats()
        let expected = try series.flatMap { try $0.forward(x, rng: &rng, stats: &stats).values }
        #expect(v == expected)

        (status, _, err) = try runProcess(exe, ["mvm", "--config", Self.ideal] + args)
        #expect(status == 0, "\(err)")
        let iv = try NPY.read(URL(fileURLWithPath: out)).floats()
        let rows: [[Float]] = (0..<5).map { (r: Int) -> [Float] in Array(iv[(r * 36)..<((r + 1) * 36)]) }
        #expect(Set(rows).count == 1)
    }

    /// Option errors are user errors: a misspelt mode, --read-interval without --reads, an
    /// interval shorter than t_read, and a solver that cannot converge.
    @Test func badOptionsAreUserErrors() throws {
        let exe = try #require(aimcExecutable())
        let dir = try temporaryDirectory()
        let (_, _, wp, xp) = try Self.operands(dir)
        let base = ["mvm", "--weights", wp, "--inputs", xp, "--output", dir.appendingPathComponent("Y.npy").path]
        var (status, _, err) = try runProcess(exe, base + ["--config", Self.ideal, "--set", "ir_drop.mode=exat"])
        #expect(status != 0 && err.contains("ir_drop.mode"))
        (status, _, err) = try runProcess(exe, base + ["--config", Self.ideal, "--read-interval", "1"])
        #expect(status != 0 && err.contains("--reads"))
        (status, _, err) = try runProcess(exe, base + ["--config", Self.pcm, "--reads", "3", "--read-interval", "1e-9"])
        #expect(status == 1 && err.contains("t_read"))
        (status, _, err) = try runProcess(
            exe, base + ["--config", Self.ideal, "--set", "ir_drop.mode=exact", "--set", "ir_drop.wire_resistance=50",
                         "--set", "ir_drop.max_iterations=1", "--set", "ir_drop.tolerance=1e-15"])
        #expect(status == 1 && err.contains("max_iterations"))
    }

    /// `aimc ir-drop` times both solvers on a small array and reports the approximation's error.
    @Test func irDropCommandReports() throws {
        let exe = try #require(aimcExecutable())
        let (status, out, err) = try runProcess(exe, ["ir-drop", "--rows", "24", "--columns", "16", "--wire-resistance", "2", "--batch", "4"])
        #expect(status == 0, "\(err)")
        #expect(out.contains("exact:") && out.contains("approximate:") && out.contains("ideal wires max"))
    }
}

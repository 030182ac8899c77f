import Crossbar
import NumericKernels
import TestSupport
import Testing

/// The sinh cell I–V law (Guan, Yu, Wong, IEEE EDL 2012) in the array stage: closed forms
/// on ideal devices and converters.
@Suite("cell I–V nonlinearity")
struct CellIVTests {
    static func read(_ w: Matrix, _ x: Matrix, k: Float) throws -> Matrix {
        var spec = HardwareSpec.ideal
        spec.inputScaling = .none
        spec.ivNonlinearity = k
        var rng = Xoshiro256(seed: 1)
        var stats = ConversionStats()
        return try AnalogMatrix(weights: w, spec: spec).program(seed: 2).readout(tInference: 0).forward(x, rng: &rng, stats: &stats)
    }

    /// y_j = Σ_i W_ji·(1/k)·sinh(k·x_i) (ideal DAC: range 1), within 2e-6 relative to Σ|W·f(x)|.
    @Test(arguments: [Float(0.3), 0.8, 2])
    func arrayDrivesTheSinhLaw(_ k: Float) throws {
        var g = Xoshiro256(seed: 4)
        let w = Matrix(rows: 7, columns: 30, values: (0..<210).map { _ in g.nextUniform() - 0.5 })
        let x = Matrix(rows: 5, columns: 30, values: (0..<150).map { _ in 2 * g.nextUniform() - 1 })
        let y = try Self.read(w, x, k: k)
        for b in 0..<5 {
            for j in 0..<7 {
                var want = 0.0, scale = 0.0
                for i in 0..<30 {
                    let term = Double(w[j, i]) * sinhD(Double(k) * Double(x[b, i])) / Double(k)
                    want += term
                    scale += abs(term)
                }
                #expect(abs(Double(y[b, j]) - want) <= 2e-6 * scale, "k \(k): \(y[b, j]) vs \(want)")
            }
        }
    }

    /// A full-scale input passes sinh(k)/k × the ohmic current; small inputs are ohmic
    /// (relative deviation k²x²/6 + O(x⁴)); k = 0 is exactly ohmic.
    @Test func gainAtFullScaleAndOhmicLimit() throws {
        let w = Matrix(rows: 1, columns: 1, values: [0.5])
        let k: Float = 0.8
        let full = try Self.read(w, Matrix(rows: 1, columns: 1, values: [1]), k: k)[0, 0]
        #expect(abs(full / 0.5 - _sinhf(k) / k) <= 1e-6)
        let small = try Self.read(w, Matrix(rows: 1, columns: 1, values: [0.01]), k: k)[0, 0]
        #expect(abs(small / 0.005 - 1 - k * k * 1e-4 / 6) <= 1e-6)
        let ohmic = try Self.read(w, Matrix(rows: 1, columns: 1, values: [0.7]), k: 0)[0, 0]
        #expect(ohmic == 0.35)
        // Not with the IR-drop solver, which models ohmic cells.
        var spec = HardwareSpec.ideal
        spec.ivNonlinearity = k
        spec.irDrop.mode = .approximate
        #expect(throws: CrossbarError.self) { try spec.validate() }
    }
}

private func sinhD(_ x: Double) -> Double { (_exp(x) - _exp(-x)) / 2 }

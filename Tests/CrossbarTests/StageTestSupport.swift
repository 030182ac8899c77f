import Crossbar
import NumericKernels
import TestSupport

/// Helpers shared by the tests of the fault, mapping, converter and device stages.
enum Stage {
    /// A `[rows × columns]` matrix of uniforms in [lo, hi) (`TestSupport.randomMatrix`).
    static func uniform(_ rows: Int, _ columns: Int, seed: UInt64, _ lo: Float = -1, _ hi: Float = 1) -> Matrix {
        randomMatrix(rows, columns, seed: seed, lo, hi)
    }

    /// Ideal hardware on `rows × columns` tiles, then `configure`.
    static func spec(rows: Int = 512, columns: Int = 512, _ configure: (inout HardwareSpec) -> Void = { _ in }) -> HardwareSpec {
        var s = HardwareSpec.ideal
        s.tileRows = rows
        s.tileColumns = columns
        configure(&s)
        return s
    }

    /// Programs, reads out at `t` and runs `x` `[batch × inputs]` through.
    static func run(
        _ w: Matrix, _ x: Matrix, _ spec: HardwareSpec, t: Double = 0, compensation: DriftCompensation = .none,
        programSeed: UInt64 = 1, noiseSeed: UInt64 = 2
    ) throws -> (y: Matrix, stats: ConversionStats) {
        let readout = try AnalogMatrix(weights: w, spec: spec).program(seed: programSeed).readout(tInference: t)
        var rng = Xoshiro256(seed: noiseSeed)
        var stats = ConversionStats()
        let y = try readout.forward(x, compensation: compensation, rng: &rng, stats: &stats)
        return (y, stats)
    }

    /// The exact reference (`TestSupport.exactMVM`).
    static func exact(_ x: Matrix, _ w: Matrix) -> (value: [Double], scale: [Double]) { exactMVM(x, w) }

    /// Largest |y − exact| / scale (`TestSupport.worstRelativeError`).
    static func worstRelative(_ y: Matrix, _ e: (value: [Double], scale: [Double])) -> Double { worstRelativeError(y, e) }

    /// Index of the first largest element of each row.
    static func argmax(_ m: Matrix) -> [Int] {
        (0..<m.rows).map { b in
            var best = 0
            for j in 1..<m.columns where m[b, j] > m[b, best] { best = j }
            return best
        }
    }

    /// Every mapping the simulator offers, as a named configuration.
    static let mappings: [(name: String, configure: @Sendable (inout HardwareSpec) -> Void)] = [
        ("differential_pair", { _ in }),
        ("offset+reference_column", { $0.mapping = .offset; $0.offsetReference = .column }),
        ("offset+digital", { $0.mapping = .offset; $0.offsetReference = .digital }),
        ("pair×3 equal", { $0.slicing = SliceSpec(slices: 3, bits: 0) }),
        ("pair bit-sliced 3×8", { $0.slicing = SliceSpec(slices: 3, bits: 8) }),
        ("offset bit-sliced 4×6 + reference", { $0.mapping = .offset; $0.slicing = SliceSpec(slices: 4, bits: 6) }),
        ("offset bit-sliced 2×12 digital", { $0.mapping = .offset; $0.offsetReference = .digital; $0.slicing = SliceSpec(slices: 2, bits: 12) }),
    ]
    static var mappingNames: [String] { mappings.map(\.name) }
    static func mapping(_ name: String) -> (inout HardwareSpec) -> Void { mappings.first { $0.name == name }!.configure }
}

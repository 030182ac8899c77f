import NumericKernels
import TestSupport
import Testing

/// Tests of the OpenBLAS wrappers against a naive double-precision loop.
///
/// Tolerance: relative 1e-5 of Σ|aᵢₖ·bₖⱼ| for each element (the natural scale of a
/// float32 dot product's rounding error, which cancellation cannot make small), with
/// the empty sum required to be exactly 0.
@Suite("BLAS wrappers")
struct BLASTests {

    /// Relative tolerance of a float32 product against the float64 reference.
    static let tolerance = 1e-5

    /// A `[rows × columns]` matrix of uniforms in [−1, 1) from a fixed seed.
    static func random(_ rows: Int, _ columns: Int, seed: UInt64) -> Matrix {
        var g = Xoshiro256(seed: seed)
        return Matrix(rows: rows, columns: columns, values: (0..<(rows * columns)).map { _ in 2 * g.nextUniform() - 1 })
    }

    /// Naive `A·B` in Double and the per-element scale Σ|aᵢₖ·bₖⱼ|; `a` is `[m × k]`, `b` `[k × n]`:
    /// the exact reference of `TestSupport` (A·B = A·(Bᵀ)ᵀ).
    static func reference(_ a: Matrix, _ b: Matrix) -> (value: [Double], scale: [Double]) { exactMVM(a, b.transposed) }

    static func expectClose(_ got: Matrix, _ ref: (value: [Double], scale: [Double]), rows: Int, columns: Int) {
        #expect(got.rows == rows)
        #expect(got.columns == columns)
        guard got.values.count == ref.value.count else { return }
        var worst = 0.0
        for (g, (v, s)) in zip(got.values, zip(ref.value, ref.scale)) {
            if s == 0 {
                #expect(g == 0)
            } else {
                worst = max(worst, abs(Double(g) - v) / s)
            }
        }
        #expect(worst <= tolerance, "worst relative error \(worst) for a [\(rows) × \(columns)] product")
    }

    /// Shapes (m, k, n) for `A [m × k] · B [k × n]`, including 1×1, odd sizes, k = 0
    /// and empty outputs.
    static let shapes: [(Int, Int, Int)] = [
        (1, 1, 1),
        (7, 13, 5),
        (13, 7, 1),
        (1, 257, 3),
        (33, 65, 17),
        (64, 784, 10),
        (4, 0, 3),  // k = 0: the empty sum
        (0, 5, 3),  // no rows
        (3, 5, 0),  // no columns
        (0, 0, 0),
    ]

    @Test("matmul equals a naive double loop", arguments: shapes)
    func matmul(shape: (Int, Int, Int)) {
        let (m, k, n) = shape
        let a = Self.random(m, k, seed: 1)
        let b = Self.random(k, n, seed: 2)
        Self.expectClose(BLAS.matmul(a, b), Self.reference(a, b), rows: m, columns: n)
    }

    @Test("matmulTransposed(x, W) equals x·Wᵀ from a naive double loop", arguments: shapes)
    func matmulTransposed(shape: (Int, Int, Int)) {
        let (batch, inputs, outputs) = shape
        let x = Self.random(batch, inputs, seed: 3)
        let w = Self.random(outputs, inputs, seed: 4)
        Self.expectClose(BLAS.matmulTransposed(x, w), Self.reference(x, w.transposed), rows: batch, columns: outputs)
    }

    @Test("k = 0 gives exact zeros, whatever alpha and an existing C with beta = 0")
    func emptySum() {
        var c = [Float](repeating: 7, count: 6)
        let a: [Float] = [1], b: [Float] = [1]
        a.withUnsafeBufferPointer { ap in
            b.withUnsafeBufferPointer { bp in
                c.withUnsafeMutableBufferPointer { cp in
                    BLAS.sgemm(
                        transA: false, transB: false, m: 2, n: 3, k: 0, alpha: 2, a: ap.baseAddress!, lda: 1,
                        b: bp.baseAddress!, ldb: 3, beta: 0, c: cp.baseAddress!, ldc: 3)
                }
            }
        }
        #expect(c == [Float](repeating: 0, count: 6))
    }

    @Test("sgemm honours alpha, beta and leading dimensions larger than the width")
    func strided() {
        // A is 2 × 3 stored with lda = 4 (one padding column of NaN that must not be read).
        let a: [Float] = [1, 2, 3, .nan, 4, 5, 6, .nan]
        // B is 3 × 2 with ldb = 2.
        let b: [Float] = [1, 0, 0, 1, 1, 1]
        var c: [Float] = [1, 1, -9, 1, 1, -9]  // ldc = 3, third column untouched
        a.withUnsafeBufferPointer { ap in
            b.withUnsafeBufferPointer { bp in
                c.withUnsafeMutableBufferPointer { cp in
                    BLAS.sgemm(
                        transA: false, transB: false, m: 2, n: 2, k: 3, alpha: 2, a: ap.baseAddress!, lda: 4,
                        b: bp.baseAddress!, ldb: 2, beta: 0.5, c: cp.baseAddress!, ldc: 3)
                }
            }
        }
        // A·B = [[4, 5], [10, 11]]; 2·A·B + 0.5·1.
        #expect(c == [8.5, 10.5, -9, 20.5, 22.5, -9])
    }

    @Test("transposed operands: Aᵀ·Bᵀ equals (B·A)ᵀ")
    func transposedOperands() {
        let a = Self.random(5, 4, seed: 11)  // Aᵀ is 4 × 5
        let b = Self.random(3, 5, seed: 12)  // Bᵀ is 5 × 3
        var c = Matrix(rows: 4, columns: 3)
        a.values.withUnsafeBufferPointer { ap in
            b.values.withUnsafeBufferPointer { bp in
                c.values.withUnsafeMutableBufferPointer { cp in
                    BLAS.sgemm(
                        transA: true, transB: true, m: 4, n: 3, k: 5, alpha: 1, a: ap.baseAddress!, lda: 4,
                        b: bp.baseAddress!, ldb: 5, beta: 0, c: cp.baseAddress!, ldc: 3)
                }
            }
        }
        Self.expectClose(c, Self.reference(a.transposed, b.transposed), rows: 4, columns: 3)
    }
}

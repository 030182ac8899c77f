import CBLAS

/// Thin, typed wrappers over OpenBLAS (`cblas_sgemm`), the only place the simulator
/// multiplies matrices.
public enum BLAS {
    /// `C = alpha · op(A) · op(B) + beta · C` on raw row-major buffers (`cblas_sgemm`).
    ///
    /// - Parameters:
    ///   - transA: use `Aᵀ`; `A` is `[m × k]` (or `[k × m]` when transposed) with leading dimension `lda`.
    ///   - transB: use `Bᵀ`; `B` is `[k × n]` (or `[n × k]` when transposed) with leading dimension `ldb`.
    ///   - c: `[m × n]` output with leading dimension `ldc`.
    @inlinable
    public static func sgemm(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
        alpha: Float, a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        if m == 0 || n == 0 { return }
        if k == 0 {
            // BLAS leaves C untouched only when beta == 1; make the empty sum explicit.
            for i in 0..<m { for j in 0..<n { c[i * ldc + j] *= beta } }
            return
        }
        cblas_sgemm(
            CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
            Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    /// `X · Wᵀ`: a batch `x` `[batch × inputs]` through weights `w` `[outputs × inputs]`,
    /// giving `[batch × outputs]`.
    public static func matmulTransposed(_ x: Matrix, _ w: Matrix) -> Matrix {
        precondition(
            x.columns == w.columns,
            "matmulTransposed: inputs \(x.shape) and weights \(w.shape) disagree on the inputs axis")
        // β = 0: sgemm stores every element of C without reading it.
        guard x.rows > 0, w.rows > 0 else { return Matrix(rows: x.rows, columns: w.rows) }
        if x.columns == 0 { return Matrix(rows: x.rows, columns: w.rows) }
        return Matrix(rows: x.rows, columns: w.rows) { op in
            x.values.withUnsafeBufferPointer { xp in
                w.values.withUnsafeBufferPointer { wp in
                    sgemm(
                        transA: false, transB: true, m: x.rows, n: w.rows, k: x.columns,
                        alpha: 1, a: xp.baseAddress!, lda: x.columns, b: wp.baseAddress!, ldb: w.columns,
                        beta: 0, c: op, ldc: w.rows)
                }
            }
        }
    }

    /// `A · B` for `a` `[m × k]` and `b` `[k × n]`.
    public static func matmul(_ a: Matrix, _ b: Matrix) -> Matrix {
        precondition(a.columns == b.rows, "matmul: shapes \(a.shape) and \(b.shape) do not chain")
        var out = Matrix(rows: a.rows, columns: b.columns)
        a.values.withUnsafeBufferPointer { ap in
            b.values.withUnsafeBufferPointer { bp in
                out.values.withUnsafeMutableBufferPointer { op in
                    sgemm(
                        transA: false, transB: false, m: a.rows, n: b.columns, k: a.columns,
                        alpha: 1, a: ap.baseAddress!, lda: a.columns, b: bp.baseAddress!, ldb: b.columns,
                        beta: 0, c: op.baseAddress!, ldc: b.columns)
                }
            }
        }
        return out
    }

    /// max |x_i| over `count` contiguous elements (0 when empty), through `cblas_isamax`,
    /// which is vectorised where a Swift `max` reduction is not. Inputs must be finite
    /// (the simulator checks them first).
    @inlinable
    public static func absMax(_ x: UnsafePointer<Float>, count: Int) -> Float {
        if count <= 0 { return 0 }
        let i = Int(cblas_isamax(Int32(count), x, 1))
        return abs(x[i])
    }

    /// Sets the number of OpenBLAS threads for subsequent calls (`openblas_set_num_threads`).
    ///
    /// The simulator parallelises over repeats and batches itself and runs BLAS on one
    /// thread there, so results do not depend on how BLAS splits its work.
    public static func setThreads(_ n: Int) {
        openblas_set_num_threads(Int32(max(1, n)))
    }

    /// The kernel family OpenBLAS selected for this CPU (`openblas_get_corename`, e.g.
    /// "Haswell", "SkylakeX", "Zen"; "Prescott" is its generic SSE3 fallback).
    public static var coreName: String { openblas_get_corename().map { String(cString: $0) } ?? "unknown" }

    /// OpenBLAS's build configuration (`openblas_get_config`: version, DYNAMIC_ARCH, …).
    public static var configuration: String { openblas_get_config().map { String(cString: $0) } ?? "unknown" }
}

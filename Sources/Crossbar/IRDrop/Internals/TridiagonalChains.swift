/// A family of independent symmetric tridiagonal systems ("chains"), one per wire of the
/// crossbar, each factorised once (Thomas algorithm, no pivoting) and then solved for many
/// right-hand sides at once.
///
/// Chain c of length n has diagonal d_c,k (k = 0 … n−1) and a constant off-diagonal −w
/// (w = 1/r, the conductance of one wire segment). Every chain built by the IR-drop solver is
/// a weakly diagonally dominant M-matrix with at least one strictly dominant row (the segment to
/// the driver or to the virtual ground), so the factorisation needs no pivoting and is stable.
///
/// Vectors hold `nr` right-hand sides per node, contiguous: node k of chain c is the block
/// `x[(base(c) + k·stride)·… ]` of `nr` doubles; the inner loops run over those `nr` values.
struct TridiagonalChains {
    let count: Int
    let length: Int
    /// Off-diagonal magnitude w (S).
    let coupling: Double
    /// Diagonal d_c,k, `[count × length]`.
    private(set) var diagonal: [Double]
    /// Elimination factors l_c,k = −w / m_c,k−1 (entry k = 0 unused).
    private var lower: [Double]
    /// 1 / m_c,k, the reciprocal pivots.
    private var inversePivot: [Double]

    /// Factorises the chains whose diagonals are `diagonal` `[count × length]`.
    init(count: Int, length: Int, coupling w: Double, diagonal: [Double]) {
        precondition(diagonal.count == count * length)
        self.count = count
        self.length = length
        self.coupling = w
        self.diagonal = diagonal
        lower = [Double](repeating: 0, count: count * length)
        inversePivot = lower
        for c in 0..<count {
            let o = c * length
            var m = diagonal[o]
            inversePivot[o] = 1 / m
            for k in 1..<max(length, 1) {
                let l = -w / m
                lower[o + k] = l
                m = diagonal[o + k] - l * (-w)
                inversePivot[o + k] = 1 / m
            }
        }
    }

    /// Solves chain `c` in place for `nr` right-hand sides. Node k of the chain is the block
    /// starting at `x + (base + k·stride)·nr`.
    @inline(__always)
    func solve(_ x: UnsafeMutablePointer<Double>, chain c: Int, base: Int, stride: Int, nr: Int) {
        let n = length
        if n == 0 { return }
        lower.withUnsafeBufferPointer { l in
            inversePivot.withUnsafeBufferPointer { ip in
                let o = c * n
                // Forward elimination: z_k = y_k − l_k z_{k−1}.
                var prev = x + base * nr
                for k in 1..<max(n, 1) {
                    let cur = x + (base + k * stride) * nr
                    let lk = l[o + k]
                    for r in 0..<nr { cur[r] -= lk * prev[r] }
                    prev = cur
                }
                // Back substitution: x_{n−1} = z/m, x_k = (z_k + w x_{k+1}) / m_k.
                let w = coupling
                var next = x + (base + (n - 1) * stride) * nr
                let last = ip[o + n - 1]
                for r in 0..<nr { next[r] *= last }
                var k = n - 2
                while k >= 0 {
                    let cur = x + (base + k * stride) * nr
                    let im = ip[o + k]
                    for r in 0..<nr { cur[r] = (cur[r] + w * next[r]) * im }
                    next = cur
                    k -= 1
                }
            }
        }
    }

    /// y = T_c · x for chain `c` (same block layout as `solve`).
    @inline(__always)
    func multiply(
        _ x: UnsafePointer<Double>, into y: UnsafeMutablePointer<Double>, chain c: Int, base: Int, stride: Int, nr: Int
    ) {
        let n = length
        let w = coupling
        diagonal.withUnsafeBufferPointer { d in
            let o = c * n
            for k in 0..<n {
                let xi = x + (base + k * stride) * nr
                let yi = y + (base + k * stride) * nr
                let dk = d[o + k]
                for r in 0..<nr { yi[r] = dk * xi[r] }
                if k > 0 {
                    let xp = x + (base + (k - 1) * stride) * nr
                    for r in 0..<nr { yi[r] -= w * xp[r] }
                }
                if k < n - 1 {
                    let xn = x + (base + (k + 1) * stride) * nr
                    for r in 0..<nr { yi[r] -= w * xn[r] }
                }
            }
        }
    }
}

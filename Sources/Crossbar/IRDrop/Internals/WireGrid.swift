import Foundation

/// The crossbar's resistive network in the coordinates of one read direction: `na` *driven*
/// lines (carrying the inputs) crossing `nb` *sensed* lines (carrying the outputs).
///
/// - Driven line a has nodes u_a,b (b = 0 … nb−1); an ideal voltage source V_a drives node
///   u_a,0 through one wire segment, neighbouring nodes are joined by one segment, the far end
///   (b = nb−1) is open.
/// - Sensed line b has nodes v_a,b (a = 0 … na−1); node v_na−1,b reaches the virtual ground
///   (0 V) of its read-out through one segment, neighbouring nodes are joined by one segment,
///   the far end (a = 0) is open. The output is the current into the virtual ground,
///   I_b = w_s·v_na−1,b.
/// - Cell (a, b) is a conductance g_a,b between u_a,b and v_a,b.
///
/// Kirchhoff's current law at every node gives the SPD system (Chen, IEEE TED 60, 1318, 2013)
///
///     [ P   −G ] [u]   [w_d·V·e_0]
///     [ −G   Q ] [v] = [    0    ],
///
/// P = ⊕_a (w_d·L_a + G_a) and Q = ⊕_b (w_s·L_b + G_b) block-diagonal in tridiagonal chains
/// (L the path Laplacian with the driver or ground segment), G = diag(g). Eliminating u
/// exactly (u = P⁻¹(f + G v), tridiagonal solves) leaves the Schur complement
/// S = Q − G P⁻¹ G (SPD), S v = G P⁻¹ f, solved by conjugate gradients preconditioned with Q.
/// The starting point v₀ = Q⁻¹ G P⁻¹ f is one block Gauss–Seidel sweep from v = 0: the
/// approximate mode.
struct WireGrid {
    let na: Int
    let nb: Int
    /// Cell conductances (S), `[na × nb]`, g[a·nb + b].
    let g: [Double]
    /// Segment resistance of the driven lines (Ω, ≥ 0).
    let drivenResistance: Double
    /// Segment resistance of the sensed lines (Ω, ≥ 0).
    let sensedResistance: Double

    /// u_a,b for V_a = 1 with v = 0: φ[a·nb + b] (1 when the driven wires are ideal).
    let phi: [Double]
    /// Chains of the driven lines (P), nil when their resistance is 0.
    let drivenChains: TridiagonalChains?
    /// Chains of the sensed lines (Q), nil when their resistance is 0.
    let sensedChains: TridiagonalChains?

    init(na: Int, nb: Int, g: [Double], drivenResistance rd: Double, sensedResistance rs: Double) {
        precondition(g.count == na * nb)
        self.na = na
        self.nb = nb
        self.g = g
        drivenResistance = rd
        sensedResistance = rs
        if rd > 0 {
            let wd = 1 / rd
            var d = [Double](repeating: 0, count: na * nb)
            for a in 0..<na {
                for b in 0..<nb { d[a * nb + b] = wd + (b < nb - 1 ? wd : 0) + g[a * nb + b] }
            }
            let chains = TridiagonalChains(count: na, length: nb, coupling: wd, diagonal: d)
            var p = [Double](repeating: 0, count: na * nb)
            p.withUnsafeMutableBufferPointer { pp in
                for a in 0..<na {
                    pp[a * nb] = wd
                    chains.solve(pp.baseAddress!, chain: a, base: a * nb, stride: 1, nr: 1)
                }
            }
            drivenChains = chains
            phi = p
        } else {
            drivenChains = nil
            phi = [Double](repeating: 1, count: na * nb)
        }
        if rs > 0 {
            let ws = 1 / rs
            // Chain b runs over a; its diagonal is stored chain-major, [nb × na].
            var d = [Double](repeating: 0, count: na * nb)
            for b in 0..<nb {
                for a in 0..<na { d[b * na + a] = ws + (a > 0 ? ws : 0) + g[a * nb + b] }
            }
            sensedChains = TridiagonalChains(count: nb, length: na, coupling: ws, diagonal: d)
        } else {
            sensedChains = nil
        }
    }

    // MARK: - Approximate (one block Gauss–Seidel sweep)

    /// The one-sweep effective conductance, `[nb × na]` (S): A[b][a] = w_s·(Q_b⁻¹ e_na−1)_a ·
    /// g_a,b · φ_a,b. Exact when either wire resistance is 0. O(na·nb).
    func approximateMatrix() -> [Double] {
        var out = [Double](repeating: 0, count: nb * na)
        var wcol = [Double](repeating: 0, count: na)
        for b in 0..<nb {
            if let q = sensedChains {
                for a in 0..<na { wcol[a] = 0 }
                wcol[na - 1] = q.coupling
                wcol.withUnsafeMutableBufferPointer { q.solve($0.baseAddress!, chain: b, base: 0, stride: 1, nr: 1) }
            } else {
                for a in 0..<na { wcol[a] = 1 }
            }
            for a in 0..<na { out[b * na + a] = wcol[a] * g[a * nb + b] * phi[a * nb + b] }
        }
        return out
    }

    // MARK: - Exact (Schur-complement PCG)

    struct Outcome {
        /// Output currents (A), `[nr × nb]`.
        var currents: [Double]
        var iterations: Int
        /// Largest final ‖h − S v‖ / ‖h‖ over the right-hand sides.
        var relativeResidual: Double
    }

    /// Output currents for `nr` input vectors `voltages` `[nr × na]` (V).
    /// - Throws: `CrossbarError` when PCG does not reach `tolerance` in `maxIterations`.
    func solveExact(voltages: UnsafePointer<Double>, nr: Int, tolerance: Double, maxIterations: Int) throws -> Outcome {
        var currents = [Double](repeating: 0, count: nr * nb)
        let h = rightHandSide(voltages: voltages, nr: nr)
        guard let q = sensedChains else {
            // Ideal sensed wires: v = 0 and every cell's current reaches the read-out.
            for r in 0..<nr {
                for b in 0..<nb {
                    var s = 0.0
                    for a in 0..<na { s += h[(a * nb + b) * nr + r] }
                    currents[r * nb + b] = s
                }
            }
            return Outcome(currents: currents, iterations: 0, relativeResidual: 0)
        }
        let op = SchurOperator(grid: self, sensed: q, nr: nr)
        var x = h
        let (iterations, worst, converged) = x.withUnsafeMutableBufferPointer {
            op.conjugateGradient(h, solution: $0.baseAddress!, tolerance: tolerance, maxIterations: maxIterations)
        }
        if !converged {
            throw CrossbarError(
                "IR drop: the exact solver (PCG) reached ir_drop.max_iterations = \(maxIterations) with relative residual \(worst) > ir_drop.tolerance = \(tolerance) on \(na) input × \(nb) output lines; raise max_iterations or tolerance")
        }
        let ws = 1 / sensedResistance
        for r in 0..<nr {
            for b in 0..<nb { currents[r * nb + b] = ws * x[((na - 1) * nb + b) * nr + r] }
        }
        return Outcome(currents: currents, iterations: iterations, relativeResidual: worst)
    }

    /// Right-hand side h = G P⁻¹ f of the sensed-line system: h[a,b][r] = g_ab φ_ab V^r_a.
    func rightHandSide(voltages: UnsafePointer<Double>, nr: Int) -> [Double] {
        var h = [Double](repeating: 0, count: na * nb * nr)
        h.withUnsafeMutableBufferPointer { hp in
            for a in 0..<na {
                for b in 0..<nb {
                    let c = g[a * nb + b] * phi[a * nb + b]
                    let dst = hp.baseAddress! + (a * nb + b) * nr
                    for r in 0..<nr { dst[r] = c * voltages[r * na + a] }
                }
            }
        }
        return h
    }

    /// The exact effective conductance `[nb × na]` (S): one right-hand side per driven line,
    /// in blocks of `block` solved on up to `threads` threads (each block is independent, so the
    /// result does not depend on `threads`).
    func exactMatrix(tolerance: Double, maxIterations: Int, threads: Int) throws -> (matrix: [Double], iterations: Int, residual: Double) {
        let block = max(1, min(16, na, 2_097_152 / max(na * nb, 1)))
        let blocks = (na + block - 1) / block
        final class Results: @unchecked Sendable {
            var matrix: [Double]
            var iterations: [Int]
            var residual: [Double]
            var errors: [Error?]
            init(_ size: Int, _ blocks: Int) {
                matrix = [Double](repeating: 0, count: size)
                iterations = [Int](repeating: 0, count: blocks)
                residual = [Double](repeating: 0, count: blocks)
                errors = [Error?](repeating: nil, count: blocks)
            }
        }
        let results = Results(nb * na, blocks)
        let lock = NSLock()
        let work: @Sendable (Int) -> Void = { k in
            let a0 = k * block
            let nr = min(block, na - a0)
            var v = [Double](repeating: 0, count: nr * na)
            for r in 0..<nr { v[r * na + a0 + r] = 1 }
            do {
                let o = try v.withUnsafeBufferPointer {
                    try solveExact(voltages: $0.baseAddress!, nr: nr, tolerance: tolerance, maxIterations: maxIterations)
                }
                lock.lock()
                for r in 0..<nr { for b in 0..<nb { results.matrix[b * na + a0 + r] = o.currents[r * nb + b] } }
                results.iterations[k] = o.iterations
                results.residual[k] = o.relativeResidual
                lock.unlock()
            } catch {
                lock.lock()
                results.errors[k] = error
                lock.unlock()
            }
        }
        let workers = max(1, min(threads, blocks))
        if workers == 1 {
            for k in 0..<blocks { work(k) }
        } else {
            DispatchQueue.concurrentPerform(iterations: workers) { w in
                var k = w
                while k < blocks {
                    work(k)
                    k += workers
                }
            }
        }
        if let e = results.errors.compactMap({ $0 }).first { throw e }
        return (results.matrix, results.iterations.max() ?? 0, results.residual.max() ?? 0)
    }
}

/// The Schur complement S = Q − G P⁻¹ G of a `WireGrid` on the sensed-line voltages and its
/// preconditioner Q⁻¹, for `nr` right-hand sides stored interleaved (`[n × nr]`), and the
/// preconditioned conjugate gradient that solves S v = h with them.
struct SchurOperator {
    let grid: WireGrid
    let sensed: TridiagonalChains
    let nr: Int
    var n: Int { grid.na * grid.nb }

    /// out[r] = Σ_i u_i[r]·v_i[r] for every right-hand side r.
    func dot(_ u: UnsafePointer<Double>, _ v: UnsafePointer<Double>, into out: inout [Double]) {
        for r in 0..<nr { out[r] = 0 }
        out.withUnsafeMutableBufferPointer { o in
            for i in 0..<n {
                let ui = u + i * nr, vi = v + i * nr
                for r in 0..<nr { o[r] += ui[r] * vi[r] }
            }
        }
    }

    /// dst = Q⁻¹ src (the one-sweep approximation of the sensed lines).
    func applyQInverse(_ src: UnsafePointer<Double>, _ dst: UnsafeMutablePointer<Double>) {
        dst.update(from: src, count: n * nr)
        for b in 0..<grid.nb { sensed.solve(dst, chain: b, base: b, stride: grid.nb, nr: nr) }
    }

    /// out = S·src = Q src − G P⁻¹ (G src); `tp` is scratch.
    func applyS(_ src: UnsafePointer<Double>, _ out: UnsafeMutablePointer<Double>, _ tp: UnsafeMutablePointer<Double>) {
        let nb = grid.nb
        for b in 0..<nb { sensed.multiply(src, into: out, chain: b, base: b, stride: nb, nr: nr) }
        guard let pc = grid.drivenChains else { return }
        grid.g.withUnsafeBufferPointer { gp in
            for i in 0..<n {
                let gi = gp[i]
                let s = src + i * nr, d = tp + i * nr
                for r in 0..<nr { d[r] = gi * s[r] }
            }
            for a in 0..<grid.na { pc.solve(tp, chain: a, base: a * nb, stride: 1, nr: nr) }
            for i in 0..<n {
                let gi = gp[i]
                let s = tp + i * nr, d = out + i * nr
                for r in 0..<nr { d[r] -= gi * s[r] }
            }
        }
    }

    /// PCG for S x = h from x₀ = Q⁻¹ h, per right-hand side until ‖h − S x‖/‖h‖ ≤
    /// `tolerance`; writes x into `solution`. - Returns: iterations, the largest final
    /// relative residual, and whether every right-hand side converged.
    func conjugateGradient(
        _ h: [Double], solution X: UnsafeMutablePointer<Double>, tolerance: Double, maxIterations: Int
    ) -> (iterations: Int, residual: Double, converged: Bool) {
        let size = n * nr
        var res = h, z = h, p = h, sp = h, t = h
        var hNorm = [Double](repeating: 0, count: nr), rz = hNorm, pq = hNorm, rr = hNorm
        var alpha = hNorm, beta = hNorm
        var active = [Bool](repeating: true, count: nr)
        var iterations = 0
        var worst = 0.0
        h.withUnsafeBufferPointer { hp in
            res.withUnsafeMutableBufferPointer { rp in
                z.withUnsafeMutableBufferPointer { zp in
                    p.withUnsafeMutableBufferPointer { pp in
                        sp.withUnsafeMutableBufferPointer { qp in
                            t.withUnsafeMutableBufferPointer { tp in
                                let H = hp.baseAddress!, R = rp.baseAddress!, Z = zp.baseAddress!
                                let P = pp.baseAddress!, SP = qp.baseAddress!, T = tp.baseAddress!
                                dot(H, H, into: &hNorm)
                                for r in 0..<nr { hNorm[r] = hNorm[r].squareRoot() }
                                // x₀ = Q⁻¹ h (the one-sweep approximation), r₀ = h − S x₀.
                                applyQInverse(H, X)
                                applyS(X, SP, T)
                                for i in 0..<size { R[i] = H[i] - SP[i] }
                                applyQInverse(R, Z)
                                P.update(from: Z, count: size)
                                dot(R, Z, into: &rz)
                                while true {
                                    dot(R, R, into: &rr)
                                    worst = 0
                                    for r in 0..<nr {
                                        let rel = hNorm[r] > 0 ? rr[r].squareRoot() / hNorm[r] : 0
                                        active[r] = rel > tolerance && rz[r] > 0
                                        worst = max(worst, rel)
                                    }
                                    if !active.contains(true) || iterations >= maxIterations { break }
                                    iterations += 1
                                    applyS(P, SP, T)
                                    dot(P, SP, into: &pq)
                                    for r in 0..<nr { alpha[r] = active[r] && pq[r] > 0 ? rz[r] / pq[r] : 0 }
                                    for i in 0..<n {
                                        let o = i * nr
                                        for r in 0..<nr {
                                            X[o + r] += alpha[r] * P[o + r]
                                            R[o + r] -= alpha[r] * SP[o + r]
                                        }
                                    }
                                    applyQInverse(R, Z)
                                    var rzNew = rz
                                    dot(R, Z, into: &rzNew)
                                    for r in 0..<nr { beta[r] = active[r] && rz[r] > 0 ? rzNew[r] / rz[r] : 0 }
                                    rz = rzNew
                                    for i in 0..<n {
                                        let o = i * nr
                                        for r in 0..<nr { P[o + r] = Z[o + r] + beta[r] * P[o + r] }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return (iterations, worst, !active.contains(true))
    }
}

import NumericKernels

/// One expert of a `MixtureOfExperts`: fc2(GELU(fc1(x))).
public struct ExpertMLP: Equatable, Sendable {
    /// `[hidden × dim]`.
    public var fc1: DenseLayer
    /// `[dim × hidden]`.
    public var fc2: DenseLayer

    public init(fc1: DenseLayer, fc2: DenseLayer) {
        precondition(fc1.outputs == fc2.inputs && fc1.inputs == fc2.outputs, "expert: fc1 \(fc1.weight.shape) and fc2 \(fc2.weight.shape) do not chain back to dim")
        self.fc1 = fc1
        self.fc2 = fc2
    }
}

/// A mixture-of-experts feed-forward block with a top-k router (Shazeer et al., ICLR 2017;
/// Fedus et al., JMLR 23 (2022), the Switch Transformer; DeepSeek-MoE's routed experts):
/// per token x `[D]`, p = softmax(router(x)) `[E]`; the k experts with the largest p (ties:
/// the lower index first) each give fc2_e(GELU(fc1_e(x))), summed with gates g_e = p_e
/// (divided by the sum of the selected p when `normalizeTopK`, as Mixtral does).
///
/// On analogue hardware the router and every expert's two matrices are weighted layers
/// (each with its own `placement`); an expert reads only the tokens routed to it. Training
/// adds the load-balancing loss α·E·Σ_e f_e·P_e (Fedus et al. 2022, eq. 4): f_e the fraction
/// of the batch's (token, slot) assignments that go to e, P_e the mean router probability
/// of e, α = `balanceLoss`.
public struct MixtureOfExperts: Equatable, Sendable {
    /// `[experts × dim]`.
    public var router: DenseLayer
    public var experts: [ExpertMLP]
    /// Experts per token, 1…experts.
    public let topK: Int
    public let normalizeTopK: Bool
    /// α of the load-balancing loss, ≥ 0 (0.01 in the Switch Transformer).
    public var balanceLoss: Float

    public var dim: Int { router.inputs }
    public var hidden: Int { experts[0].fc1.outputs }

    public init(router: DenseLayer, experts: [ExpertMLP], topK: Int, normalizeTopK: Bool = false, balanceLoss: Float = 0.01) {
        precondition(!experts.isEmpty && router.outputs == experts.count, "moe: router has \(router.outputs) outputs for \(experts.count) experts")
        precondition(experts.allSatisfy { $0.fc1.inputs == router.inputs && $0.fc1.outputs == experts[0].fc1.outputs }, "moe: experts must all be [dim → hidden → dim]")
        precondition((1...experts.count).contains(topK), "moe: top_k = \(topK) must be in 1…\(experts.count)")
        self.router = router
        self.experts = experts
        self.topK = topK
        self.normalizeTopK = normalizeTopK
        self.balanceLoss = balanceLoss
    }

    /// Freshly initialised: router and experts Glorot-normal (see
    /// `MultiHeadAttention.init(dim:heads:precision:seed:index:)`), from stream
    /// `[0x54524E53, index]`.
    public init(dim: Int, hidden: Int, experts: Int, topK: Int, normalizeTopK: Bool = false, balanceLoss: Float = 0.01, seed: UInt64, index: Int) {
        var rng = Xoshiro256(seed: seed, .transformerInitialisation, UInt64(index))
        let router = DenseLayer.glorotNormal(inputs: dim, outputs: experts, rng: &rng)
        let list = (0..<experts).map { _ in
            ExpertMLP(fc1: .glorotNormal(inputs: dim, outputs: hidden, rng: &rng), fc2: .glorotNormal(inputs: hidden, outputs: dim, rng: &rng))
        }
        self.init(router: router, experts: list, topK: topK, normalizeTopK: normalizeTopK, balanceLoss: balanceLoss)
    }

    /// The dense layers in site order: router, then expert 0 fc1, fc2, expert 1 fc1, fc2, …
    public var denseLayers: [DenseLayer] {
        [router] + experts.flatMap { [$0.fc1, $0.fc2] }
    }

    func check(_ shape: [Int]) throws {
        guard let last = shape.last, shape.count <= 2, last == dim else {
            throw NetworksError(.shape, "moe over \(dim) features needs samples [\(dim)] or tokens [T, \(dim)]; got \(shape)")
        }
    }

    /// The routing of `n` tokens.
    package struct Routing {
        /// `[n × E]` router probabilities.
        package var probabilities: Matrix
        /// Per token, its k experts in selection order (largest p first), `n·k` entries.
        package var experts: [Int]
        /// Per token and slot, the gate, `n·k` entries.
        package var gates: [Float]
    }

    /// Routes the tokens whose router logits (bias added) are `logits` `[n × E]`.
    package func route(_ logits: Matrix) -> Routing {
        var p = logits
        let e = experts.count, k = topK
        var chosen = [Int](repeating: 0, count: logits.rows * k)
        var gates = [Float](repeating: 0, count: logits.rows * k)
        var taken = [Bool](repeating: false, count: e)
        // Softmax per token, then the top k by repeated arg-max (strict >: lower index wins ties).
        p.values.withUnsafeMutableBufferPointer { pp in
            for r in 0..<logits.rows {
                let o = r * e
                MultiHeadAttention.softmax(pp.baseAddress! + o, count: e)
                for j in 0..<e { taken[j] = false }
                var total: Float = 0
                for slot in 0..<k {
                    var best = 0
                    var bv = -Float.infinity
                    for j in 0..<e where !taken[j] && pp[o + j] > bv {
                        bv = pp[o + j]
                        best = j
                    }
                    taken[best] = true
                    chosen[r * k + slot] = best
                    gates[r * k + slot] = bv
                    total += bv
                }
                if normalizeTopK { for slot in 0..<k { gates[r * k + slot] /= total } }
            }
        }
        return Routing(probabilities: p, experts: chosen, gates: gates)
    }

    /// The block on `x` (`[D]` or `[T, D]`), its matrices through `product` (site 0 the router
    /// on all `[n × D]` tokens; 1 + 2e and 2 + 2e expert e's fc1 and fc2 on the tokens routed
    /// to it, in token order; an expert with no token is not called). Outputs accumulate
    /// expert by expert in index order.
    func forward(_ x: Tensor, product: MatrixProduct) throws -> Tensor {
        try check(x.shape)
        let n = x.data.values.count / dim
        let tokens = Matrix(rows: n, columns: dim, values: x.data.values)
        var logits = try product(0, router, tokens)
        addBias(&logits, router.bias)
        let routing = route(logits)
        // Each expert's tokens (in token order) and their gates, in one pass over the slots.
        var tokensOf = [[Int]](repeating: [], count: experts.count)
        var gatesOf = [[Float]](repeating: [], count: experts.count)
        for i in routing.experts.indices {
            tokensOf[routing.experts[i]].append(i / topK)
            gatesOf[routing.experts[i]].append(routing.gates[i])
        }
        var out = Matrix(rows: n, columns: dim)
        for (e, expert) in experts.enumerated() {
            let rows = tokensOf[e], gate = gatesOf[e]
            if rows.isEmpty { continue }
            let xe = tokens.gathering(rows: rows)
            var h = try product(1 + 2 * e, expert.fc1, xe)
            addBias(&h, expert.fc1.bias)
            gelu(&h)
            var y = try product(2 + 2 * e, expert.fc2, h)
            addBias(&y, expert.fc2.bias)
            out.values.withUnsafeMutableBufferPointer { op in
                y.values.withUnsafeBufferPointer { yp in
                    for (i, r) in rows.enumerated() {
                        for d in 0..<dim { op[r * dim + d] += gate[i] * yp[i * dim + d] }
                    }
                }
            }
        }
        return Tensor(unchecked: Matrix(rows: x.batch, columns: x.featureCount, values: out.values), shape: x.shape)
    }
}

extension Matrix {
    /// The rows at `indices`, in that order.
    func gathering(rows indices: [Int]) -> Matrix {
        let c = columns
        return Matrix(rows: indices.count, columns: c) { op in
            values.withUnsafeBufferPointer { src in
                for (i, r) in indices.enumerated() { for j in 0..<c { op[i * c + j] = src[r * c + j] } }
            }
        }
    }
}

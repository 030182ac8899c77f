import NumericKernels

// Forward (with caches) and backward of the transformer layers in training: tokens, class
// token, positional embedding, layer norm, GELU, multi-head attention, token pooling and the
// mixture of experts with its load-balancing loss. Weighted matrices go through
// `Pass.denseForward`/`denseBackward` (weight noise, output stage, bias), so hardware-aware
// training covers attention's and the experts' matrices as it covers dense layers.

/// What attention keeps for backward.
struct AttentionCache {
    var qkv: DenseCache
    var proj: DenseCache
    /// q, k, v with bias `[batch·T × 3D]` (FP32, before any bf16/int8 rounding).
    var projections: Matrix
    /// softmax(q·kᵀ/√d_h) `[batch, heads, T, T]`.
    var probabilities: [Float]
    var tokens: Int
    var parameter: Int
}

/// What a mixture of experts keeps for backward.
struct MixtureCache {
    struct Expert {
        /// The tokens routed to this expert, in token order, with their slot (index into
        /// the routing's `n·k` entries).
        var rows: [Int]
        var slots: [Int]
        var fc1: DenseCache
        /// fc1 output before GELU `[rows × hidden]`.
        var preactivation: Matrix
        var fc2: DenseCache
        /// fc2 output (bias added, before the gate) `[rows × dim]`.
        var output: Matrix
    }
    var router: DenseCache
    var routing: MixtureOfExperts.Routing
    /// Per expert, nil when no token was routed to it.
    var experts: [Expert?]
    /// ∂L_aux/∂p_{r,e} = α·E·f_e/n, the same for every token r.
    var balanceGradient: [Float]
    var parameter: Int
}

extension Pass {
    mutating func transformerForward(_ layer: inout Layer, _ x: Tensor) throws -> (Tensor, LayerCache) {
        switch layer {
        case .tokens:
            return (try layer.forward(x), .tokens(imageShape: x.shape))
        case .classToken, .positionalEmbedding:
            let p = parameterCount
            parameterCount += 1
            let y = try layer.forward(x)
            if case .classToken = layer { return (y, .classToken(parameter: p)) }
            return (y, .positionalEmbedding(parameter: p))
        case .tokenPool:
            return (try layer.forward(x), .tokenPool(inputShape: x.shape))
        case .gelu:
            return (try layer.forward(x), .gelu(input: x.data))
        case .layerNorm(let n):
            try n.check(x.shape)
            let dim = n.dim, rows = x.data.values.count / dim
            var xhat = Matrix(rows: rows, columns: dim, values: x.data.values)
            var y = x
            var inv = [Float](repeating: 0, count: rows)
            xhat.values.withUnsafeMutableBufferPointer { hp in
                y.data.values.withUnsafeMutableBufferPointer { yp in
                    for r in 0..<rows {
                        let (mean, rstd) = LayerNorm.moments(UnsafeBufferPointer(rebasing: hp[(r * dim)..<(r * dim + dim)]), n.epsilon)
                        inv[r] = rstd
                        for d in 0..<dim {
                            // The inference forward's arithmetic: (x − μ)·r·γ + β.
                            let h = (hp[r * dim + d] - mean) * rstd
                            yp[r * dim + d] = h * n.scale[d] + n.shift[d]
                            hp[r * dim + d] = h
                        }
                    }
                }
            }
            let p = parameterCount
            parameterCount += 2
            return (y, .layerNorm(normalized: xhat, inverseStd: inv, parameter: p))
        case .attention(let a):
            let s = try a.check(x.shape)
            let rows = x.batch * s.tokens
            let p = parameterCount
            parameterCount += 4
            let (q, qc) = denseForward(a.qkv, Matrix(rows: rows, columns: a.dim, values: x.data.values))
            let (o, probabilities) = a.attend(q, batch: x.batch, tokens: s.tokens, keepProbabilities: true)
            let (y, pc) = denseForward(a.proj, o)
            let cache = AttentionCache(qkv: qc, proj: pc, projections: q, probabilities: probabilities, tokens: s.tokens, parameter: p)
            return (Tensor(unchecked: Matrix(rows: x.batch, columns: s.count, values: y.values), shape: x.shape), .attention(cache))
        case .mixtureOfExperts(let m):
            try m.check(x.shape)
            let p = parameterCount
            parameterCount += 2 + 4 * m.experts.count
            let n = x.data.values.count / m.dim, k = m.topK, count = m.experts.count
            // The layer's own forward, its products recorded: router (site 0), expert e's fc1
            // (1 + 2e) and fc2 (2 + 2e), each without bias.
            var products: [Int: (cache: DenseCache, output: Matrix)] = [:]
            let y = try m.forward(x) { site, d, rows in
                let (out, cache) = self.denseProduct(d, rows)
                products[site] = (cache, out)
                return out
            }
            guard let routerProduct = products[0] else { preconditionFailure("moe: the router was not called") }
            var logits = routerProduct.output
            addBias(&logits, m.router.bias)
            let routing = m.route(logits)
            var experts: [MixtureCache.Expert?] = []
            for (e, expert) in m.experts.enumerated() {
                guard let fc1 = products[1 + 2 * e], let fc2 = products[2 + 2 * e] else {
                    experts.append(nil)
                    continue
                }
                // The rows the layer routed to e, in token order (as `MixtureOfExperts.forward`).
                var rows: [Int] = [], slots: [Int] = []
                for r in 0..<n {
                    for slot in 0..<k where routing.experts[r * k + slot] == e {
                        rows.append(r)
                        slots.append(r * k + slot)
                    }
                }
                precondition(rows.count == fc1.cache.input.rows, "moe: expert \(e) routing disagrees with the layer's forward")
                var h = fc1.output, out = fc2.output
                addBias(&h, expert.fc1.bias)
                addBias(&out, expert.fc2.bias)
                experts.append(.init(rows: rows, slots: slots, fc1: fc1.cache, preactivation: h, fc2: fc2.cache, output: out))
            }
            // Load balancing (Fedus et al. 2022, eq. 4): α·E·Σ_e f_e·P_e, f_e the share of the
            // n·k assignments that go to e, P_e the mean router probability of e.
            var assigned = [Double](repeating: 0, count: count), meanP = assigned
            for e in routing.experts { assigned[e] += 1 }
            for r in 0..<n { for e in 0..<count { meanP[e] += Double(routing.probabilities[r, e]) } }
            let alpha = Double(m.balanceLoss)
            var balance = [Float](repeating: 0, count: count)
            if alpha > 0 && n > 0 {
                var sum = 0.0
                for e in 0..<count {
                    let f = assigned[e] / Double(n * k)
                    sum += f * meanP[e] / Double(n)
                    balance[e] = Float(alpha * Double(count) * f / Double(n))
                }
                auxiliaryLoss += alpha * Double(count) * sum
            }
            let cache = MixtureCache(router: routerProduct.cache, routing: routing, experts: experts, balanceGradient: balance, parameter: p)
            return (y, .mixtureOfExperts(cache))
        default:
            preconditionFailure("transformerForward: \(layer.kindName) is not a transformer layer")
        }
    }

    func transformerBackward(_ layer: Layer, _ cache: LayerCache, _ dy: Tensor, grads: inout [[Float]]) -> Tensor {
        switch (layer, cache) {
        case (.tokens, .tokens(let shape)):
            return Tensor(unchecked: ImageTokens.backward(dy.data, image: shape), shape: shape)
        case (.classToken(let c), .classToken(let p)):
            let dim = c.dim, width = dy.data.columns
            var g = [Double](repeating: 0, count: dim)
            var dx = Matrix(rows: dy.batch, columns: width - dim)
            for b in 0..<dy.batch {
                for d in 0..<dim { g[d] += Double(dy.data.values[b * width + d]) }
                for j in 0..<(width - dim) { dx.values[b * (width - dim) + j] = dy.data.values[b * width + dim + j] }
            }
            grads[p] = g.map { Float($0) }
            return Tensor(unchecked: dx, shape: [dy.shape[0] - 1, dim])
        case (.positionalEmbedding, .positionalEmbedding(let p)):
            grads[p] = columnSums(dy.data)
            return dy
        case (.tokenPool(let mode), .tokenPool(let shape)):
            let t = shape[0], dim = shape[1]
            var dx = Matrix(rows: dy.batch, columns: t * dim)
            for b in 0..<dy.batch {
                for d in 0..<dim {
                    let g = dy.data.values[b * dim + d]
                    switch mode {
                    case .cls: dx.values[b * t * dim + d] = g
                    case .mean:
                        let v = g / Float(t)
                        for k in 0..<t { dx.values[b * t * dim + k * dim + d] = v }
                    }
                }
            }
            return Tensor(unchecked: dx, shape: shape)
        case (.gelu, .gelu(let input)):
            var dx = dy
            // d/dx x·Φ(x) = Φ(x) + x·φ(x).
            let invSqrt2Pi: Float = 0.398_942_28
            for i in dx.data.values.indices {
                let v = input.values[i]
                let cdf = 0.5 * (1 + _erff(v * 0.707_106_77))
                dx.data.values[i] *= cdf + v * invSqrt2Pi * _expf(-0.5 * v * v)
            }
            return dx
        case (.layerNorm(let n), .layerNorm(let xhat, let inv, let p)):
            let dim = n.dim, rows = xhat.rows
            var dgamma = [Double](repeating: 0, count: dim), dbeta = dgamma
            var dx = Matrix(rows: rows, columns: dim)
            dy.data.values.withUnsafeBufferPointer { gp in
                xhat.values.withUnsafeBufferPointer { hp in
                    for r in 0..<rows {
                        var sumG = 0.0, sumGH = 0.0
                        for d in 0..<dim {
                            let g = gp[r * dim + d], h = hp[r * dim + d]
                            dgamma[d] += Double(g * h)
                            dbeta[d] += Double(g)
                            let gh = Double(g * n.scale[d])  // ∂L/∂x̂
                            sumG += gh
                            sumGH += gh * Double(h)
                        }
                        let mG = sumG / Double(dim), mGH = sumGH / Double(dim)
                        for d in 0..<dim {
                            let gh = Double(gp[r * dim + d] * n.scale[d])
                            dx.values[r * dim + d] = Float(Double(inv[r]) * (gh - mG - Double(hp[r * dim + d]) * mGH))
                        }
                    }
                }
            }
            grads[p] = dgamma.map { Float($0) }
            grads[p + 1] = dbeta.map { Float($0) }
            return Tensor(unchecked: Matrix(rows: dy.batch, columns: dy.data.columns, values: dx.values), shape: dy.shape)
        case (.attention(let a), .attention(let c)):
            let p = c.parameter, t = c.tokens, rows = c.projections.rows, batch = rows / t
            let d = a.dim, hd = a.headDim, ld = 3 * d
            let dO = denseBackward(c.proj, Matrix(rows: rows, columns: d, values: dy.data.values), parameter: p + 2, grads: &grads)
            var dqkv = Matrix(rows: rows, columns: ld)
            var dA = [Float](repeating: 0, count: t * t)
            let scale = 1 / Float(hd).squareRoot()
            c.projections.values.withUnsafeBufferPointer { qp in
                dO.values.withUnsafeBufferPointer { op in
                    dqkv.values.withUnsafeMutableBufferPointer { gp in
                        c.probabilities.withUnsafeBufferPointer { pp in
                            dA.withUnsafeMutableBufferPointer { ap in
                                for b in 0..<batch {
                                    for h in 0..<a.heads {
                                        let q = qp.baseAddress! + b * t * ld + h * hd, k = q + d, v = q + 2 * d
                                        let dq = gp.baseAddress! + b * t * ld + h * hd, dk = dq + d, dv = dq + 2 * d
                                        let o = op.baseAddress! + b * t * d + h * hd
                                        let probs = pp.baseAddress! + (b * a.heads + h) * t * t
                                        // dA = dO·vᵀ [T × T]; dv = Aᵀ·dO [T × d_h].
                                        BLAS.sgemm(transA: false, transB: true, m: t, n: t, k: hd, alpha: 1, a: o, lda: d, b: v, ldb: ld, beta: 0, c: ap.baseAddress!, ldc: t)
                                        BLAS.sgemm(transA: true, transB: false, m: t, n: hd, k: t, alpha: 1, a: probs, lda: t, b: o, ldb: d, beta: 0, c: dv, ldc: ld)
                                        // Softmax backward per row: dS = A ⊙ (dA − Σ_j dA_j·A_j).
                                        for r in 0..<t {
                                            var dot: Float = 0
                                            for j in 0..<t { dot += ap[r * t + j] * probs[r * t + j] }
                                            for j in 0..<t { ap[r * t + j] = probs[r * t + j] * (ap[r * t + j] - dot) }
                                        }
                                        // dq = s·dS·k, dk = s·dSᵀ·q.
                                        BLAS.sgemm(transA: false, transB: false, m: t, n: hd, k: t, alpha: scale, a: ap.baseAddress!, lda: t, b: k, ldb: ld, beta: 0, c: dq, ldc: ld)
                                        BLAS.sgemm(transA: true, transB: false, m: t, n: hd, k: t, alpha: scale, a: ap.baseAddress!, lda: t, b: q, ldb: ld, beta: 0, c: dk, ldc: ld)
                                    }
                                }
                            }
                        }
                    }
                }
            }
            let dx = denseBackward(c.qkv, dqkv, parameter: p, grads: &grads)
            return Tensor(unchecked: Matrix(rows: dy.batch, columns: dy.data.columns, values: dx.values), shape: dy.shape)
        case (.mixtureOfExperts(let m), .mixtureOfExperts(let c)):
            let dim = m.dim, k = m.topK, count = m.experts.count
            let n = c.routing.probabilities.rows
            let dOut = Matrix(rows: n, columns: dim, values: dy.data.values)
            var dTokens = Matrix(rows: n, columns: dim)
            var dGate = [Float](repeating: 0, count: n * k)
            for (e, cached) in c.experts.enumerated() {
                let p = c.parameter + 2 + 4 * e
                guard let x = cached else {
                    let expert = m.experts[e]
                    grads[p] = [Float](repeating: 0, count: expert.fc1.weight.values.count)
                    grads[p + 1] = [Float](repeating: 0, count: expert.fc1.outputs)
                    grads[p + 2] = [Float](repeating: 0, count: expert.fc2.weight.values.count)
                    grads[p + 3] = [Float](repeating: 0, count: expert.fc2.outputs)
                    continue
                }
                var dyE = Matrix(rows: x.rows.count, columns: dim)
                for (i, r) in x.rows.enumerated() {
                    let g = c.routing.gates[x.slots[i]]
                    var dot: Float = 0
                    for j in 0..<dim {
                        let v = dOut.values[r * dim + j]
                        dyE.values[i * dim + j] = g * v
                        dot += v * x.output.values[i * dim + j]
                    }
                    dGate[x.slots[i]] = dot
                }
                var da = denseBackward(x.fc2, dyE, parameter: p + 2, grads: &grads)
                let invSqrt2Pi: Float = 0.398_942_28
                for i in da.values.indices {
                    let v = x.preactivation.values[i]
                    da.values[i] *= 0.5 * (1 + _erff(v * 0.707_106_77)) + v * invSqrt2Pi * _expf(-0.5 * v * v)
                }
                let dxE = denseBackward(x.fc1, da, parameter: p, grads: &grads)
                for (i, r) in x.rows.enumerated() {
                    for j in 0..<dim { dTokens.values[r * dim + j] += dxE.values[i * dim + j] }
                }
            }
            // Gates → router probabilities (top-k selection has no gradient), plus the
            // balance loss; then the softmax.
            var dLogits = Matrix(rows: n, columns: count)
            let probs = c.routing.probabilities
            for r in 0..<n {
                var dp = c.balanceGradient
                if m.normalizeTopK {
                    // g_e = p_e/S, S = Σ_selected p: ∂L/∂p_j = (∂L/∂g_j − Σ_e ∂L/∂g_e·g_e)/S.
                    var total: Float = 0, dot: Float = 0
                    for slot in 0..<k {
                        total += probs[r, c.routing.experts[r * k + slot]]
                        dot += dGate[r * k + slot] * c.routing.gates[r * k + slot]
                    }
                    for slot in 0..<k { dp[c.routing.experts[r * k + slot]] += (dGate[r * k + slot] - dot) / total }
                } else {
                    for slot in 0..<k { dp[c.routing.experts[r * k + slot]] += dGate[r * k + slot] }
                }
                var dot: Float = 0
                for e in 0..<count { dot += dp[e] * probs[r, e] }
                for e in 0..<count { dLogits[r, e] = probs[r, e] * (dp[e] - dot) }
            }
            let dRouter = denseBackward(c.router, dLogits, parameter: c.parameter, grads: &grads)
            addInPlace(&dTokens, dRouter)
            return Tensor(unchecked: Matrix(rows: dy.batch, columns: dy.data.columns, values: dTokens.values), shape: dy.shape)
        default:
            preconditionFailure("backward: cache \(cache) does not belong to layer \(layer.kindName)")
        }
    }
}

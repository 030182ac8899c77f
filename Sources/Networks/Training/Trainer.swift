import NumericKernels

/// Optimisers for `Trainer`.
public enum Optimizer: String, CaseIterable, Sendable, Codable {
    /// Adam (Kingma & Ba, ICLR 2015), β₁ = 0.9, β₂ = 0.999, ε = 1e-8.
    case adam
    /// SGD with (heavy-ball) momentum.
    case sgd
}

/// Training settings.
public struct TrainingSettings: Sendable, Equatable, Codable {
    public var optimizer: Optimizer = .adam
    /// Passes over the training set, ≥ 1.
    public var epochs: Int = 15
    /// Mini-batch size, ≥ 1.
    public var batchSize: Int = 128
    /// Learning rate, > 0.
    public var learningRate: Float = 1e-3
    /// Momentum of SGD, in [0, 1).
    public var momentum: Float = 0.9
    /// L2 weight decay added to the gradient, ≥ 0.
    public var weightDecay: Float = 0
    /// Seed of initialisation and shuffling.
    public var seed: UInt64 = 0
    public init() {}
}

/// Trains an `MLP` with softmax cross-entropy on mini-batches, BLAS-backed.
///
/// Deterministic for a given seed: shuffling uses a seeded xoshiro stream per epoch and
/// every product is one `cblas_sgemm` (call `BLAS.setThreads(1)` for bit-identical results
/// across machines with different core counts).
public struct Trainer {
    public let settings: TrainingSettings
    public init(settings: TrainingSettings) { self.settings = settings }

    /// Trains `model` in place on `images` `[n × inputs]` with `labels` in 0..<classes.
    /// `progress(epoch, meanLoss)` is called after each epoch.
    public func train(_ model: inout MLP, images: Matrix, labels: [Int], progress: (Int, Double) -> Void = { _, _ in }) {
        precondition(images.rows == labels.count && images.columns == model.layers[0].inputs)
        let L = model.layers.count
        var m1 = model.layers.map { [Float](repeating: 0, count: $0.weight.values.count) }
        var v1 = m1
        var mb = model.layers.map { [Float](repeating: 0, count: $0.bias.count) }
        var vb = mb
        var step = 0
        let n = images.rows
        let classes = model.layers[L - 1].outputs
        for epoch in 0..<settings.epochs {
            var order = Array(0..<n)
            var rng = Xoshiro256(seed: settings.seed, stream: [0x5348_5546, UInt64(epoch)])
            for i in stride(from: n - 1, to: 0, by: -1) {
                let j = Int(rng.next() % UInt64(i + 1))
                order.swapAt(i, j)
            }
            var lossSum = 0.0
            for start in stride(from: 0, to: n, by: settings.batchSize) {
                let idx = order[start..<min(start + settings.batchSize, n)]
                let bsz = idx.count
                var x = Matrix(rows: bsz, columns: images.columns)
                for (r, k) in idx.enumerated() {
                    for c in 0..<images.columns { x.values[r * images.columns + c] = images.values[k * images.columns + c] }
                }
                // Forward, keeping activations.
                var acts = [x]
                for (i, l) in model.layers.enumerated() {
                    var z = BLAS.matmulTransposed(acts[i], l.weight)
                    addBias(&z, l.bias)
                    if i < L - 1 { relu(&z) }
                    acts.append(z)
                }
                // Softmax cross-entropy gradient: (softmax − onehot) / batch.
                var dz = acts[L]
                for r in 0..<bsz {
                    var mx = -Float.infinity
                    for j in 0..<classes { mx = max(mx, dz[r, j]) }
                    var s: Float = 0
                    for j in 0..<classes {
                        let e = _expf(dz[r, j] - mx)
                        dz[r, j] = e
                        s += e
                    }
                    let y = labels[idx[idx.startIndex + r]]
                    lossSum += -Double(_logf(max(dz[r, y] / s, 1e-30)))
                    for j in 0..<classes { dz[r, j] = (dz[r, j] / s - (j == y ? 1 : 0)) / Float(bsz) }
                }
                step += 1
                for i in stride(from: L - 1, through: 0, by: -1) {
                    let a = acts[i]
                    // dW = dzᵀ · a  [out × in]
                    let gw = BLAS.matmul(dz.transposed, a)
                    var gb = [Float](repeating: 0, count: dz.columns)
                    for r in 0..<dz.rows { for j in 0..<dz.columns { gb[j] += dz[r, j] } }
                    if i > 0 {
                        var da = BLAS.matmul(dz, model.layers[i].weight)
                        // ReLU mask of the previous activation.
                        for k in 0..<da.values.count where !(a.values[k] > 0) { da.values[k] = 0 }
                        dz = da
                    }
                    update(&model.layers[i].weight.values, grad: gw.values, m: &m1[i], v: &v1[i], step: step, decay: true)
                    update(&model.layers[i].bias, grad: gb, m: &mb[i], v: &vb[i], step: step, decay: false)
                }
            }
            progress(epoch + 1, lossSum / Double(n))
        }
    }

    private func update(_ p: inout [Float], grad: [Float], m: inout [Float], v: inout [Float], step: Int, decay: Bool) {
        let lr = settings.learningRate
        let wd = decay ? settings.weightDecay : 0
        switch settings.optimizer {
        case .adam:
            let b1: Float = 0.9, b2: Float = 0.999, eps: Float = 1e-8
            let c1 = 1 - Float(_exp(Double(step) * _log(0.9)))
            let c2 = 1 - Float(_exp(Double(step) * _log(0.999)))
            for k in p.indices {
                let g = grad[k] + wd * p[k]
                m[k] = b1 * m[k] + (1 - b1) * g
                v[k] = b2 * v[k] + (1 - b2) * g * g
                p[k] -= lr * (m[k] / c1) / ((v[k] / c2).squareRoot() + eps)
            }
        case .sgd:
            let mu = settings.momentum
            for k in p.indices {
                let g = grad[k] + wd * p[k]
                m[k] = mu * m[k] + g
                p[k] -= lr * m[k]
            }
        }
    }
}

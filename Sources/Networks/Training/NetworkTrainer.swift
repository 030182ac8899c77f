import NumericKernels

/// Trains a `SequentialNetwork` with softmax cross-entropy on mini-batches: im2col
/// convolutions and dense layers as `cblas_sgemm`, backpropagation through every layer
/// type, Adam or SGD (`TrainingSettings`), and hardware-aware options
/// (`HardwareAwareSettings`): weight noise in every forward pass, weight clipping after
/// every step, and drift-aware fine-tuning.
///
/// Deterministic for a given seed and BLAS thread count: shuffling uses stream
/// `[0x53485546, epoch]`, dropout `[0x44524F50, epoch, batch]` and weight noise
/// `[0x4857_4131, epoch, batch]` of the training seed.
public struct NetworkTrainer {
    public let settings: TrainingSettings
    public let hardwareAware: HardwareAwareSettings
    /// Learning rate per epoch of the main epochs.
    public let schedule: LearningRateSchedule

    public init(settings: TrainingSettings, hardwareAware: HardwareAwareSettings = HardwareAwareSettings(), schedule: LearningRateSchedule = .constant) {
        self.settings = settings
        self.hardwareAware = hardwareAware
        self.schedule = schedule
    }

    /// Trains `network` in place on `images` `[n × inputCount]` with `labels` in
    /// 0..<classes; `progress(epoch, meanLoss)` after each epoch (fine-tuning epochs
    /// continue the count).
    /// - Throws: `NetworksError(.shape)` when the images or labels do not fit the network.
    public func train(
        _ network: inout SequentialNetwork, images: Matrix, labels: [Int], progress: (Int, Double) -> Void = { _, _ in }
    ) throws {
        guard images.rows == labels.count else {
            throw NetworksError(.shape, "training: \(images.rows) images but \(labels.count) labels")
        }
        _ = try network.input(images.rows(0..<min(1, images.rows)))
        let classes = try network.outputShape.reduce(1, *)
        if let bad = labels.first(where: { $0 < 0 || $0 >= classes }) {
            throw NetworksError(.shape, "training: label \(bad) outside 0..<\(classes)")
        }
        var state = OptimizerState()
        let hw = hardwareAware
        let main = WeightNoise(kind: hw.noise, level: hw.noiseLevel, tInference: 0, device: hw.device)
        for epoch in 0..<settings.epochs {
            let lr = schedule.rate(settings.learningRate, epoch: epoch, of: settings.epochs)
            let loss = try runEpoch(&network, images, labels, epoch: epoch, noise: main, learningRate: lr, state: &state)
            progress(epoch + 1, loss)
        }
        if hw.driftAwareEpochs > 0 {
            let level = hw.noise == .pcm ? max(hw.noiseLevel, 1) : 1
            let drift = WeightNoise(kind: .pcm, level: level, tInference: hw.driftAwareTInference, device: hw.device)
            for e in 0..<hw.driftAwareEpochs {
                let epoch = settings.epochs + e
                let loss = try runEpoch(&network, images, labels, epoch: epoch, noise: drift, learningRate: hw.driftAwareLearningRate, state: &state)
                progress(epoch + 1, loss)
            }
        }
    }

    func runEpoch(
        _ network: inout SequentialNetwork, _ images: Matrix, _ labels: [Int], epoch: Int, noise: WeightNoise,
        learningRate: Float, state: inout OptimizerState
    ) throws -> Double {
        let n = images.rows
        var order = Array(0..<n)
        var rng = Xoshiro256(seed: settings.seed, .shuffling, UInt64(epoch))
        for i in stride(from: n - 1, to: 0, by: -1) {
            order.swapAt(i, Int(rng.next() % UInt64(i + 1)))
        }
        var lossSum = 0.0
        let width = images.columns
        for (bi, start) in stride(from: 0, to: n, by: settings.batchSize).enumerated() {
            try Interruption.checkpoint()  // Ctrl-C: stop between batches (nothing is cached)
            let idx = order[start..<min(start + settings.batchSize, n)]
            var x = Matrix(rows: idx.count, columns: width)
            x.values.withUnsafeMutableBufferPointer { dst in
                images.values.withUnsafeBufferPointer { src in
                    for (r, k) in idx.enumerated() {
                        for c in 0..<width { dst[r * width + c] = src[k * width + c] }
                    }
                }
            }
            let batchLabels = idx.map { labels[$0] }
            let (loss, grads) = try gradients(
                &network, x, batchLabels, noise: noise,
                rng: Xoshiro256(seed: settings.seed, .trainingWeightNoise, UInt64(epoch), UInt64(bi)),
                dropoutRNG: Xoshiro256(seed: settings.seed, .dropout, UInt64(epoch), UInt64(bi)))
            lossSum += loss * Double(idx.count)
            state.step += 1
            apply(grads, to: &network, state: &state, learningRate: learningRate)
        }
        return lossSum / Double(max(n, 1))
    }

    // MARK: Gradients

    /// Mean softmax cross-entropy of a batch and the gradient of every parameter, in
    /// `visitParameters` order. Batch-norm running statistics are updated (training mode).
    /// Test hook: gradients are checked against finite differences.
    package func gradients(
        _ network: inout SequentialNetwork, _ x: Matrix, _ labels: [Int], noise: WeightNoise = WeightNoise(kind: .none, level: 0),
        rng: Xoshiro256 = Xoshiro256(seed: 0), dropoutRNG: Xoshiro256 = Xoshiro256(seed: 1)
    ) throws -> (Double, [[Float]]) {
        var pass = Pass(noise: noise, rng: rng, dropoutRNG: dropoutRNG)
        let input = try network.input(x)
        let (out, caches) = try pass.forward(&network.layers, input)
        let (loss, dz) = Self.softmaxCrossEntropy(out.data, labels)
        var grads = [[Float]](repeating: [], count: pass.parameterCount)
        _ = pass.backward(network.layers, caches, Tensor(unchecked: dz, shape: out.shape), grads: &grads)
        return (loss, grads)
    }

    /// Mean loss and its gradient (softmax − one-hot)/batch with respect to the logits.
    package static func softmaxCrossEntropy(_ logits: Matrix, _ labels: [Int]) -> (Double, Matrix) {
        var dz = logits
        let classes = logits.columns, bsz = logits.rows
        var loss = 0.0
        for r in 0..<bsz {
            var mx = -Float.infinity
            for j in 0..<classes { mx = max(mx, dz[r, j]) }
            var s: Float = 0
            for j in 0..<classes {
                let e = _expf(dz[r, j] - mx)
                dz[r, j] = e
                s += e
            }
            let y = labels[r]
            loss += -Double(_logf(max(dz[r, y] / s, 1e-30)))
            for j in 0..<classes { dz[r, j] = (dz[r, j] / s - (j == y ? 1 : 0)) / Float(bsz) }
        }
        return (loss / Double(max(bsz, 1)), dz)
    }

    // MARK: Update

    struct OptimizerState {
        var step = 0
        var m: [[Float]] = []
        var v: [[Float]] = []
    }

    func apply(_ grads: [[Float]], to network: inout SequentialNetwork, state: inout OptimizerState, learningRate: Float) {
        if state.m.isEmpty {
            state.m = grads.map { [Float](repeating: 0, count: $0.count) }
            state.v = state.m
        }
        let s = settings
        let clip = hardwareAware.weightClipSigma
        let c1 = 1 - Float(_exp(Double(state.step) * _log(0.9)))
        let c2 = 1 - Float(_exp(Double(state.step) * _log(0.999)))
        var k = 0
        Self.visitParameters(&network.layers) { p, isWeight in
            let g = grads[k]
            let wd = isWeight ? s.weightDecay : 0
            state.m[k].withUnsafeMutableBufferPointer { m in
                state.v[k].withUnsafeMutableBufferPointer { v in
                    switch s.optimizer {
                    case .adam:
                        for i in p.indices {
                            let gi = g[i] + wd * p[i]
                            m[i] = 0.9 * m[i] + 0.1 * gi
                            v[i] = 0.999 * v[i] + 0.001 * gi * gi
                            p[i] -= learningRate * (m[i] / c1) / ((v[i] / c2).squareRoot() + 1e-8)
                        }
                    case .sgd:
                        for i in p.indices {
                            let gi = g[i] + wd * p[i]
                            m[i] = s.momentum * m[i] + gi
                            p[i] -= learningRate * m[i]
                        }
                    }
                }
            }
            if isWeight && clip > 0 { Self.clip(&p, sigma: clip) }
            k += 1
        }
    }

    /// Clips to ±k·std(p).
    static func clip(_ p: inout [Float], sigma: Float) {
        var sum = 0.0, sq = 0.0
        for x in p {
            sum += Double(x)
            sq += Double(x) * Double(x)
        }
        let n = Double(max(p.count, 1))
        let std = Float(max(sq / n - (sum / n) * (sum / n), 0).squareRoot())
        let bound = sigma * std
        if bound > 0 { for i in p.indices { p[i] = min(max(p[i], -bound), bound) } }
    }

    /// Calls `body(values, isWeight)` for every trainable parameter in a fixed order:
    /// per layer, depth first (residual body, then shortcut), weight then bias (batch
    /// norm: γ then β).
    package static func visitParameters(_ layers: inout [Layer], _ body: (inout [Float], Bool) -> Void) {
        for i in layers.indices {
            switch layers[i] {
            case .dense(var d):
                layers[i] = .relu  // drop the enum's reference so that d is mutated in place
                body(&d.weight.values, true)
                body(&d.bias, false)
                layers[i] = .dense(d)
            case .conv2d(var c):
                layers[i] = .relu
                body(&c.weight.values, true)
                body(&c.bias, false)
                layers[i] = .conv2d(c)
            case .batchNorm(var bn):
                layers[i] = .relu
                body(&bn.scale, false)
                body(&bn.shift, false)
                layers[i] = .batchNorm(bn)
            case .residual(var r):
                layers[i] = .relu
                visitParameters(&r.body, body)
                visitParameters(&r.shortcut, body)
                layers[i] = .residual(r)
            default: break
            }
        }
    }
}

// MARK: - Forward and backward of one mini-batch

/// What a layer keeps from its forward pass for backward.
indirect enum LayerCache {
    case dense(input: Matrix, weight: Matrix, parameter: Int)
    case conv(cols: Matrix, weight: Matrix, geometry: Im2col.Geometry, parameter: Int)
    case pool(inputShape: [Int], argmax: [Int32])
    case globalAverage(inputShape: [Int])
    case batchNorm(normalized: Matrix, inverseStd: [Float], channels: Int, plane: Int, parameter: Int)
    case relu(output: Matrix)
    case flatten(inputShape: [Int])
    case dropout(mask: [Float])
    case residual(body: [LayerCache], shortcut: [LayerCache])
}

struct Pass {
    var noise: WeightNoise
    var rng: Xoshiro256
    var dropoutRNG: Xoshiro256
    var parameterCount = 0

    init(noise: WeightNoise, rng: Xoshiro256, dropoutRNG: Xoshiro256) {
        self.noise = noise
        self.rng = rng
        self.dropoutRNG = dropoutRNG
    }

    mutating func forward(_ layers: inout [Layer], _ x: Tensor) throws -> (Tensor, [LayerCache]) {
        var a = x
        var caches: [LayerCache] = []
        caches.reserveCapacity(layers.count)
        for i in layers.indices {
            do {
                let (y, c) = try forward(&layers[i], a)
                a = y
                caches.append(c)
            } catch let e as NetworksError {
                throw NetworksError(.shape, "layer \(i) (\(layers[i].kindName)): \(e.message)")
            }
        }
        return (a, caches)
    }

    mutating func forward(_ layer: inout Layer, _ x: Tensor) throws -> (Tensor, LayerCache) {
        switch layer {
        case .dense(let d):
            _ = try Layer.checkDense(d, x.shape)
            let w = noise.kind == .none ? d.weight : noise.perturb(d.weight, rng: &rng)
            var y = BLAS.matmulTransposed(x.data, w)
            addBias(&y, d.bias)
            let p = parameterCount
            parameterCount += 2
            return (Tensor(unchecked: y, shape: [d.outputs]), .dense(input: x.data, weight: w, parameter: p))
        case .conv2d(let c):
            let g = try c.geometry(x.shape)
            let w = noise.kind == .none ? c.weight : noise.perturb(c.weight, rng: &rng)
            let cols = Conv2d.im2col(x.data, g)
            let y = Conv2d.toNCHW(BLAS.matmulTransposed(cols, w), batch: x.batch, pixels: g.p, bias: c.bias)
            let p = parameterCount
            parameterCount += 2
            return (Tensor(unchecked: y, shape: [c.outChannels, g.outH, g.outW]), .conv(cols: cols, weight: w, geometry: g, parameter: p))
        case .pool(let pool):
            var argmax = [Int32](repeating: 0, count: pool.kind == .max ? x.batch * (try pool.outputShape(x.shape).reduce(1, *)) : 0)
            let y = try argmax.withUnsafeMutableBufferPointer { try pool.forward(x, argmax: pool.kind == .max ? $0.baseAddress : nil) }
            return (y, .pool(inputShape: x.shape, argmax: argmax))
        case .globalAveragePool:
            return (try Layer.globalAverage(x), .globalAverage(inputShape: x.shape))
        case .tokens, .classToken, .positionalEmbedding, .layerNorm, .gelu, .attention, .tokenPool, .mixtureOfExperts:
            throw NetworksError(.shape, "training \(layer.kindName) layers is not implemented yet")
        case .batchNorm(var bn):
            let (C, P) = try bn.layout(x.shape)
            let B = x.batch, N = Double(B * P)
            var mean = [Double](repeating: 0, count: C), variance = mean
            x.data.values.withUnsafeBufferPointer { xp in
                for b in 0..<B {
                    for c in 0..<C {
                        var s = 0.0
                        for i in 0..<P { s += Double(xp[b * C * P + c * P + i]) }
                        mean[c] += s
                    }
                }
                for c in 0..<C { mean[c] /= N }
                for b in 0..<B {
                    for c in 0..<C {
                        var s = 0.0
                        for i in 0..<P {
                            let d = Double(xp[b * C * P + c * P + i]) - mean[c]
                            s += d * d
                        }
                        variance[c] += s
                    }
                }
            }
            for c in 0..<C { variance[c] /= N }
            let inv = variance.map { Float(1 / ($0 + Double(bn.epsilon)).squareRoot()) }
            var xhat = x.data, y = x.data
            xhat.values.withUnsafeMutableBufferPointer { hp in
                y.values.withUnsafeMutableBufferPointer { yp in
                    for b in 0..<B {
                        for c in 0..<C {
                            let m = Float(mean[c]), s = inv[c], g = bn.scale[c], sh = bn.shift[c]
                            let base = b * C * P + c * P
                            for i in 0..<P {
                                let h = (hp[base + i] - m) * s
                                hp[base + i] = h
                                yp[base + i] = g * h + sh
                            }
                        }
                    }
                }
            }
            let mo = bn.momentum
            let unbiased = N > 1 ? N / (N - 1) : 1
            layer = .relu
            for c in 0..<C {
                bn.runningMean[c] = (1 - mo) * bn.runningMean[c] + mo * Float(mean[c])
                bn.runningVariance[c] = (1 - mo) * bn.runningVariance[c] + mo * Float(variance[c] * unbiased)
            }
            layer = .batchNorm(bn)
            let p = parameterCount
            parameterCount += 2
            return (Tensor(unchecked: y, shape: x.shape), .batchNorm(normalized: xhat, inverseStd: inv, channels: C, plane: P, parameter: p))
        case .relu:
            var y = x
            relu(&y.data)
            return (y, .relu(output: y.data))
        case .flatten:
            return (Tensor(unchecked: x.data, shape: [x.featureCount]), .flatten(inputShape: x.shape))
        case .dropout(let p):
            if p <= 0 { return (x, .dropout(mask: [])) }
            var mask = [Float](repeating: 0, count: x.data.values.count)
            let keep = 1 / (1 - p)
            for i in mask.indices { mask[i] = dropoutRNG.nextUniform() >= p ? keep : 0 }
            var y = x
            for i in mask.indices { y.data.values[i] *= mask[i] }
            return (y, .dropout(mask: mask))
        case .residual(var r):
            layer = .relu
            let (a, bodyCaches) = try forward(&r.body, x)
            let (b, shortcutCaches) = try forward(&r.shortcut, x)
            layer = .residual(r)
            guard a.shape == b.shape else {
                throw NetworksError(.shape, "residual: body gives \(a.shape) but shortcut gives \(b.shape) for input \(x.shape)")
            }
            var y = a
            addInPlace(&y.data, b.data)
            return (y, .residual(body: bodyCaches, shortcut: shortcutCaches))
        }
    }

    /// Backpropagates `dy` through `layers`, writing parameter gradients into `grads`;
    /// returns the gradient with respect to the input.
    func backward(_ layers: [Layer], _ caches: [LayerCache], _ dy: Tensor, grads: inout [[Float]]) -> Tensor {
        var g = dy
        for i in stride(from: layers.count - 1, through: 0, by: -1) {
            g = backward(layers[i], caches[i], g, grads: &grads)
        }
        return g
    }

    func backward(_ layer: Layer, _ cache: LayerCache, _ dy: Tensor, grads: inout [[Float]]) -> Tensor {
        switch (layer, cache) {
        case (.dense(let d), .dense(let input, let w, let p)):
            grads[p] = BLAS.matmul(dy.data.transposed, input).values
            grads[p + 1] = columnSums(dy.data)
            return Tensor(unchecked: BLAS.matmul(dy.data, w), shape: [d.inputs])
        case (.conv2d(let c), .conv(let cols, let w, let geo, let p)):
            let B = dy.batch, P = geo.p, O = c.outChannels
            var pix = Matrix(rows: B * P, columns: O)
            dy.data.values.withUnsafeBufferPointer { src in
                pix.values.withUnsafeMutableBufferPointer { dst in
                    Im2col.nchwToPixels(src.baseAddress!, batch: B, pixels: P, channels: O, out: dst.baseAddress!)
                }
            }
            // dW = pixᵀ · cols  [O × K]
            var gw = Matrix(rows: O, columns: geo.k)
            pix.values.withUnsafeBufferPointer { pp in
                cols.values.withUnsafeBufferPointer { cp in
                    gw.values.withUnsafeMutableBufferPointer { gp in
                        BLAS.sgemm(transA: true, transB: false, m: O, n: geo.k, k: B * P, alpha: 1,
                                   a: pp.baseAddress!, lda: O, b: cp.baseAddress!, ldb: geo.k, beta: 0, c: gp.baseAddress!, ldc: geo.k)
                    }
                }
            }
            grads[p] = gw.values
            grads[p + 1] = columnSums(pix)
            let dcols = BLAS.matmul(pix, w)
            var dx = Matrix(rows: B, columns: geo.inputCount)
            dcols.values.withUnsafeBufferPointer { cp in
                dx.values.withUnsafeMutableBufferPointer { dp in
                    Im2col.backward(geo, batch: B, cols: cp.baseAddress!, dx: dp.baseAddress!)
                }
            }
            return Tensor(unchecked: dx, shape: [geo.channels, geo.height, geo.width])
        case (.pool(let pool), .pool(let shape, let argmax)):
            return Tensor(unchecked: try! pool.backward(dy.data, inputShape: shape, argmax: argmax), shape: shape)
        case (.globalAveragePool, .globalAverage(let shape)):
            let C = shape[0], P = shape[1] * shape[2]
            var dx = Matrix(rows: dy.batch, columns: C * P)
            let inv = 1 / Float(P)
            for b in 0..<dy.batch {
                for c in 0..<C {
                    let v = dy.data[b, c] * inv
                    for i in 0..<P { dx.values[b * C * P + c * P + i] = v }
                }
            }
            return Tensor(unchecked: dx, shape: shape)
        case (.batchNorm(let bn), .batchNorm(let xhat, let inv, let C, let P, let p)):
            let B = dy.batch, N = Float(B * P)
            var dgamma = [Float](repeating: 0, count: C), dbeta = dgamma
            var sumDy = [Double](repeating: 0, count: C), sumDyH = sumDy
            dy.data.values.withUnsafeBufferPointer { gp in
                xhat.values.withUnsafeBufferPointer { hp in
                    for b in 0..<B {
                        for c in 0..<C {
                            let base = b * C * P + c * P
                            var s = 0.0, sh = 0.0
                            for i in 0..<P {
                                s += Double(gp[base + i])
                                sh += Double(gp[base + i] * hp[base + i])
                            }
                            sumDy[c] += s
                            sumDyH[c] += sh
                        }
                    }
                }
            }
            for c in 0..<C {
                dbeta[c] = Float(sumDy[c])
                dgamma[c] = Float(sumDyH[c])
            }
            grads[p] = dgamma
            grads[p + 1] = dbeta
            var dx = dy.data
            dx.values.withUnsafeMutableBufferPointer { dp in
                xhat.values.withUnsafeBufferPointer { hp in
                    for b in 0..<B {
                        for c in 0..<C {
                            let k = bn.scale[c] * inv[c] / N
                            let mDy = Float(sumDy[c]), mDyH = Float(sumDyH[c])
                            let base = b * C * P + c * P
                            for i in 0..<P { dp[base + i] = k * (N * dp[base + i] - mDy - hp[base + i] * mDyH) }
                        }
                    }
                }
            }
            return Tensor(unchecked: dx, shape: dy.shape)
        case (.relu, .relu(let out)):
            var dx = dy
            for i in dx.data.values.indices where !(out.values[i] > 0) { dx.data.values[i] = 0 }
            return dx
        case (.flatten, .flatten(let shape)):
            return Tensor(unchecked: dy.data, shape: shape)
        case (.dropout, .dropout(let mask)):
            if mask.isEmpty { return dy }
            var dx = dy
            for i in mask.indices { dx.data.values[i] *= mask[i] }
            return dx
        case (.residual(let r), .residual(let bodyCaches, let shortcutCaches)):
            var a = backward(r.body, bodyCaches, dy, grads: &grads)
            let b = backward(r.shortcut, shortcutCaches, dy, grads: &grads)
            addInPlace(&a.data, b.data)
            return a
        default:
            preconditionFailure("backward: cache \(cache) does not belong to layer \(layer.kindName)")
        }
    }

    func columnSums(_ m: Matrix) -> [Float] {
        var s = [Double](repeating: 0, count: m.columns)
        m.values.withUnsafeBufferPointer { p in
            for r in 0..<m.rows { for j in 0..<m.columns { s[j] += Double(p[r * m.columns + j]) } }
        }
        return s.map { Float($0) }
    }
}

/// Learning rate over the main training epochs.
public enum LearningRateSchedule: String, CaseIterable, Sendable, Codable {
    /// The configured rate throughout.
    case constant
    /// Cosine annealing per epoch (Loshchilov & Hutter, ICLR 2017): η_e = η·(1 + cos(π·e/E))/2
    /// for epoch e = 0…E−1.
    case cosine

    public func rate(_ base: Float, epoch: Int, of epochs: Int) -> Float {
        switch self {
        case .constant: return base
        case .cosine: return base * Float(0.5 * (1 + _cos(Double.pi * Double(epoch) / Double(max(epochs, 1)))))
        }
    }
}

import Crossbar
import Foundation
import NumericKernels
import TestSupport
import Testing

import Networks

/// Backpropagation through the transformer layers against central finite differences.
///
/// Tolerance |g − g_fd| ≤ 2e-3 + 3e-2·|g_fd| with h = 1e-3 on Float networks, as for the
/// convolutional layers (`GradientTests`): Float rounding of the loss (relative ~1e-7 of a
/// loss of ~1) contributes ~1e-4 to g_fd; GELU, layer norm and softmax are smooth, and for
/// these seeds no router's top-k selection changes within ±h (a change would show as a
/// failure far beyond the tolerance).
@Suite struct TrainingTransformerTests {
    static func gaussians(_ n: Int, _ scale: Float, seed: UInt64) -> [Float] {
        var g = Xoshiro256(seed: seed)
        return g.gaussians(n).map { $0 * scale }
    }

    /// A dense layer with Gaussian weights (std `scale`) and biases (std 0.1).
    static func dense(_ inputs: Int, _ outputs: Int, seed: UInt64, scale: Float = 0.4) -> DenseLayer {
        DenseLayer(
            weight: Matrix(rows: outputs, columns: inputs, values: gaussians(inputs * outputs, scale, seed: seed)),
            bias: gaussians(outputs, 0.1, seed: seed + 1000))
    }

    static func norm(_ dim: Int, seed: UInt64) -> LayerNorm {
        var n = LayerNorm(dim: dim)
        n.scale = gaussians(dim, 0.2, seed: seed).map { 1 + $0 }
        n.shift = gaussians(dim, 0.1, seed: seed + 1)
        return n
    }

    static func moe(dim: Int, hidden: Int, experts: Int, topK: Int, normalize: Bool, balance: Float, seed: UInt64) -> MixtureOfExperts {
        MixtureOfExperts(
            router: dense(dim, experts, seed: seed, scale: 0.8),
            experts: (0..<experts).map { e in
                ExpertMLP(fc1: dense(dim, hidden, seed: seed + 10 + UInt64(e) * 2), fc2: dense(hidden, dim, seed: seed + 11 + UInt64(e) * 2))
            },
            topK: topK, normalizeTopK: normalize, balanceLoss: balance)
    }

    /// A tiny ViT on [1, 6, 6]: patch convolution 3×3 stride 3 → 4 tokens of 8, class token,
    /// positional embedding, a pre-norm attention block (2 heads) and a pre-norm block whose
    /// feed-forward part is `mlp` (dense on tokens, GELU, dense) or a mixture of experts,
    /// final norm, pooling, head.
    static func vit(moe useMoE: Bool, normalize: Bool = false, pool: TokenPool = .cls, seed: UInt64) throws -> SequentialNetwork {
        var conv = Conv2d(inChannels: 1, outChannels: 8, kernel: 3, stride: 3, seed: seed, index: 0)
        conv.bias = gaussians(8, 0.1, seed: seed + 1)
        var cls = ClassToken(dim: 8, seed: seed, index: 1)
        cls.value = gaussians(8, 0.3, seed: seed + 2)
        let pos = PositionalEmbedding(value: Matrix(rows: 5, columns: 8, values: gaussians(40, 0.3, seed: seed + 3)))
        let attention = MultiHeadAttention(qkv: dense(8, 24, seed: seed + 4), proj: dense(8, 8, seed: seed + 5), heads: 2)
        let feedForward: [Layer] = useMoE
            ? [.layerNorm(norm(8, seed: seed + 6)), .mixtureOfExperts(moe(dim: 8, hidden: 6, experts: 4, topK: 2, normalize: normalize, balance: 0.05, seed: seed + 7))]
            : [.layerNorm(norm(8, seed: seed + 6)), .dense(dense(8, 12, seed: seed + 8)), .gelu, .dense(dense(12, 8, seed: seed + 9))]
        return try SequentialNetwork(inputShape: [1, 6, 6], layers: [
            .conv2d(conv), .tokens, .classToken(cls), .positionalEmbedding(pos),
            .residual(ResidualBlock(body: [.layerNorm(norm(8, seed: seed + 10)), .attention(attention)])),
            .residual(ResidualBlock(body: feedForward)),
            .layerNorm(norm(8, seed: seed + 11)), .tokenPool(pool), .dense(dense(8, 3, seed: seed + 12)),
        ])
    }

    /// Checks every parameter array (up to `picks` random entries each) and the number of
    /// arrays.
    static func checkAgainstFiniteDifferences(_ net: SequentialNetwork, batch: Int, arrays: Int, seed: UInt64, picks: Int = 4) throws {
        BLAS.setThreads(1)
        let x = Matrix(rows: batch, columns: 36, values: gaussians(batch * 36, 1, seed: seed))
        let labels = (0..<batch).map { $0 % 3 }
        let (count, _) = try checkGradientsByFiniteDifferences(net, x, labels, picks: picks, pickSeed: seed + 1)
        #expect(count == arrays)
    }

    /// The ViT: conv (2) + class token (1) + positional embedding (1) + norm (2) + attention
    /// (4) + norm (2) + fc1 (2) + fc2 (2) + norm (2) + head (2) = 20 arrays.
    @Test(arguments: [TokenPool.cls, .mean])
    func tinyViTMatchesFiniteDifferences(pool: TokenPool) throws {
        try Self.checkAgainstFiniteDifferences(try Self.vit(moe: false, pool: pool, seed: 40), batch: 3, arrays: 20, seed: 41)
    }

    /// The MoE-ViT with the balance loss on (α = 0.05): router (2) + 4 experts × 4 replace
    /// fc1/fc2, 34 arrays; plain and normalised top-k gates.
    @Test(arguments: [false, true])
    func tinyMoEViTMatchesFiniteDifferences(normalize: Bool) throws {
        try Self.checkAgainstFiniteDifferences(try Self.vit(moe: true, normalize: normalize, seed: 50), batch: 3, arrays: 34, seed: 51, picks: 5)
    }

    /// The balance loss on its own: its value is α·E·Σ_e f_e·P_e from the routing, and it is
    /// what the loss adds over the cross-entropy (the same network with α = 0).
    @Test func balanceLossValue() throws {
        BLAS.setThreads(1)
        let m = Self.moe(dim: 6, hidden: 4, experts: 3, topK: 2, normalize: false, balance: 0.2, seed: 60)
        var without = m
        without.balanceLoss = 0
        let x = Matrix(rows: 10, columns: 6, values: Self.gaussians(60, 1, seed: 61))
        let labels = (0..<10).map { $0 % 6 }
        let trainer = NetworkTrainer(settings: TrainingSettings())
        var a = try SequentialNetwork(inputShape: [6], layers: [.mixtureOfExperts(m)])
        var b = try SequentialNetwork(inputShape: [6], layers: [.mixtureOfExperts(without)])
        let la = try trainer.gradients(&a, x, labels).0, lb = try trainer.gradients(&b, x, labels).0
        var logits = BLAS.matmulTransposed(x, m.router.weight)
        addBias(&logits, m.router.bias)
        let routing = m.route(logits)
        var f = [Double](repeating: 0, count: 3), p = f
        for e in routing.experts { f[e] += 1 / 20 }
        for r in 0..<10 { for e in 0..<3 { p[e] += Double(routing.probabilities[r, e]) / 10 } }
        let want = 0.2 * 3 * zip(f, p).map(*).reduce(0, +)
        #expect(abs((la - lb) - want) <= 1e-6, "balance loss \(la - lb), expected \(want)")
        #expect(want > 0)
    }

    /// Each new layer's parameters are visited in a fixed order with isWeight on matrices
    /// only (weight decay and clipping): attention's and the experts' matrices, not norms,
    /// tokens or biases.
    @Test func parameterOrderAndWeightFlags() throws {
        var layers = try Self.vit(moe: true, seed: 70).layers
        var flags: [Bool] = [], sizes: [Int] = []
        NetworkTrainer.visitParameters(&layers) { p, w in
            flags.append(w)
            sizes.append(p.count)
        }
        // conv, cls, pos, norm1, qkv, proj, norm2, router, 4 × (fc1, fc2), norm, head.
        #expect(sizes == [72, 8, 8, 40, 8, 8, 192, 24, 64, 8, 8, 8, 32, 4]
            + [48, 6, 48, 8].repeated(4) + [8, 8, 24, 3])
        #expect(flags == [true, false, false, false, false, false, true, false, true, false, false, false, true, false]
            + [true, false, true, false].repeated(4) + [false, false, true, false])
    }

    /// Training a MoE-ViT with AdamW, warm-up, per-step cosine, output noise and an ADC is
    /// deterministic for a seed and lowers the loss.
    @Test func moeViTTrains() throws {
        func run() throws -> (SequentialNetwork, [Double]) {
            BLAS.setThreads(1)
            var net = try Self.vit(moe: true, seed: 80)
            let x = Matrix(rows: 24, columns: 36, values: Self.gaussians(24 * 36, 1, seed: 81))
            let labels = (0..<24).map { r in (0..<3).max { x[r, $0 * 12] < x[r, $1 * 12] }! }
            var s = TrainingSettings()
            s.epochs = 5
            s.batchSize = 8
            s.learningRate = 0.01
            s.optimizer = .adamw
            s.weightDecay = 0.05
            s.warmupEpochs = 1
            var hwa = HardwareAwareSettings()
            hwa.output = AnalogOutputStage(sigma: 0.02, adc: try Quantizer(bits: 8, range: 12))
            hwa.noise = .additive
            hwa.noiseLevel = 0.02
            var losses: [Double] = []
            try NetworkTrainer(settings: s, hardwareAware: hwa, schedule: .cosinePerStep).train(&net, images: x, labels: labels) { losses.append($1) }
            return (net, losses)
        }
        let (a, la) = try run(), (b, lb) = try run()
        #expect(a == b && la == lb)
        #expect(la.last! < la.first!, "losses \(la)")
    }
}

extension Array {
    fileprivate func repeated(_ n: Int) -> [Element] { (0..<n).flatMap { _ in self } }
}

import Foundation
import NumericKernels
import Testing

import Networks

private func random(_ rows: Int, _ cols: Int, seed: UInt64, scale: Float = 1) -> Matrix {
    var rng = Xoshiro256(seed: seed)
    return Matrix(rows: rows, columns: cols, values: rng.gaussians(rows * cols).map { $0 * scale })
}

private func randomDense(_ inputs: Int, _ outputs: Int, seed: UInt64) -> DenseLayer {
    var rng = Xoshiro256(seed: seed ^ 0xB1A5)
    return DenseLayer(weight: random(outputs, inputs, seed: seed, scale: 1 / Float(inputs).squareRoot()), bias: rng.gaussians(outputs).map { $0 * 0.1 })
}

/// Exact identities of the transformer layers (the NumPy references are in
/// TransformerReferenceTests).
@Suite struct TransformerLayerTests {
    /// A mixture of one expert with top-1 routing gates it by softmax([z]) = 1 exactly, so it
    /// equals that expert's fc1 → GELU → fc2 on the tokens, bit for bit.
    @Test func oneExpertIsItsMLP() throws {
        let fc1 = randomDense(8, 12, seed: 1), fc2 = randomDense(12, 8, seed: 2)
        let moe = MixtureOfExperts(router: randomDense(8, 1, seed: 3), experts: [ExpertMLP(fc1: fc1, fc2: fc2)], topK: 1)
        let x = try Tensor(random(3, 5 * 8, seed: 4), shape: [5, 8])
        let y = try Layer.mixtureOfExperts(moe).forward(x)
        var mlp = x
        for l in [Layer.dense(fc1), .gelu, .dense(fc2)] { mlp = try l.forward(mlp) }
        #expect(y == mlp)
        #expect(y.shape == [5, 8])
    }

    /// Equal router logits: the lower expert index wins each slot (documented rule), and
    /// the gates are the softmax probabilities (1/E each), or 1/k each when normalised.
    @Test func routingTiesGoToTheLowerIndex() {
        var router = DenseLayer(weight: Matrix(rows: 4, columns: 2), bias: [0, 0, 0, 0])
        router.bias = [0.5, 0.5, 0.5, 0.1]
        let experts = (0..<4).map { e in ExpertMLP(fc1: randomDense(2, 3, seed: UInt64(10 + e)), fc2: randomDense(3, 2, seed: UInt64(20 + e))) }
        let moe = MixtureOfExperts(router: router, experts: experts, topK: 2)
        let logits = Matrix(rows: 2, columns: 4, values: [0.5, 0.5, 0.5, 0.1, 0, 2, 2, 0])
        let r = moe.route(logits)
        #expect(r.experts == [0, 1, 1, 2])
        let p = Float(_exp(0.5) / (3 * _exp(0.5) + _exp(0.1)))
        #expect(abs(r.gates[0] - p) < 1e-6 && abs(r.gates[1] - p) < 1e-6)
        let normalised = MixtureOfExperts(router: router, experts: experts, topK: 2, normalizeTopK: true).route(logits)
        #expect(normalised.gates.allSatisfy { abs($0 - 0.5) < 1e-6 })
    }

    /// One token attends only to itself: A = [1], so y = proj(v) with v the third block of
    /// qkv, exactly (FP32 precision).
    @Test func oneTokenAttentionIsTheValueProjection() throws {
        let d = 8
        let a = MultiHeadAttention(qkv: randomDense(d, 3 * d, seed: 5), proj: randomDense(d, d, seed: 6), heads: 2)
        let x = try Tensor(random(4, d, seed: 7), shape: [1, d])
        let y = try Layer.attention(a).forward(x)
        let qkv = try Layer.dense(a.qkv).forward(x)
        let v = qkv.data.block(rows: 0..<4, columns: (2 * d)..<(3 * d))
        let expected = try Layer.dense(a.proj).forward(Tensor(v, shape: [1, d]))
        #expect(y == expected)
    }

    /// Attention is equivariant to permuting the tokens (no positional information inside it).
    @Test func attentionIsPermutationEquivariant() throws {
        let d = 8, t = 5
        let a = MultiHeadAttention(qkv: randomDense(d, 3 * d, seed: 8), proj: randomDense(d, d, seed: 9), heads: 4)
        let x = random(1, t * d, seed: 10)
        let perm = [3, 0, 4, 1, 2]
        var px = Matrix(rows: 1, columns: t * d)
        for (i, j) in perm.enumerated() { for k in 0..<d { px[0, i * d + k] = x[0, j * d + k] } }
        let y = try Layer.attention(a).forward(Tensor(x, shape: [t, d]))
        let py = try Layer.attention(a).forward(Tensor(px, shape: [t, d]))
        for (i, j) in perm.enumerated() {
            for k in 0..<d { #expect(abs(py.data[0, i * d + k] - y.data[0, j * d + k]) < 1e-5) }
        }
    }

    /// LayerNorm of [1, 2, 3, 4]: μ = 2.5, σ² = 1.25 (biased), y = (x − μ)/√(σ² + ε)·γ + β.
    @Test func layerNormClosedForm() throws {
        var ln = LayerNorm(dim: 4, epsilon: 1e-5)
        ln.scale = [1, 2, 1, 1]
        ln.shift = [0, 0, 1, 0]
        let y = try Layer.layerNorm(ln).forward(Tensor(Matrix(rows: 1, columns: 4, values: [1, 2, 3, 4]), shape: [4]))
        let r = 1 / (1.25 + 1e-5).squareRoot()
        let expected = [-1.5 * r, 2 * -0.5 * r, 0.5 * r + 1, 1.5 * r]
        for i in 0..<4 { #expect(abs(Double(y.data[0, i]) - expected[i]) < 1e-6) }
    }

    /// GELU against Φ by its definition at values where erf is tabulated (Abramowitz &
    /// Stegun 7.1): erf(1/√2) = 0.682689492…, erf(2/√2) = 0.954499736….
    @Test func geluAtTabulatedPoints() {
        var m = Matrix(rows: 1, columns: 5, values: [-2, -1, 0, 1, 2])
        gelu(&m)
        let e1 = 0.682_689_492_137, e2 = 0.954_499_736_104
        let expected = [-2 * 0.5 * (1 - e2), -0.5 * (1 - e1), 0, 0.5 * (1 + e1), 2 * 0.5 * (1 + e2)]
        for i in 0..<5 { #expect(abs(Double(m[0, i]) - expected[i]) < 1e-6) }
    }

    /// tokens, class token, positional embedding and both poolings on a hand-made input.
    @Test func tokenLayersByHand() throws {
        // [C = 2, H = 1, W = 3] → tokens [3, 2].
        let img = try Tensor(Matrix(rows: 1, columns: 6, values: [1, 2, 3, 10, 20, 30]), shape: [2, 1, 3])
        let t = try Layer.tokens.forward(img)
        #expect(t.shape == [3, 2] && t.data.values == [1, 10, 2, 20, 3, 30])
        let c = try Layer.classToken(ClassToken(value: [7, 8])).forward(t)
        #expect(c.shape == [4, 2] && c.data.values == [7, 8, 1, 10, 2, 20, 3, 30])
        let p = try Layer.positionalEmbedding(PositionalEmbedding(value: Matrix(rows: 4, columns: 2, values: [1, 1, 1, 1, 1, 1, 1, 1]))).forward(c)
        #expect(p.data.values == [8, 9, 2, 11, 3, 21, 4, 31])
        #expect(try Layer.tokenPool(.cls).forward(p).data.values == [8, 9])
        #expect(try Layer.tokenPool(.mean).forward(p).data.values == [17.0 / 4, 72.0 / 4])
    }

    /// The built-in ViT and MoE-ViT: shapes chain, parameters round-trip through their timm
    /// names (save → build(arrays:) gives the same logits bit for bit), and the parameter
    /// count of the documented default is 139 018.
    @Test(arguments: [0, 4]) func builtInViTRoundTrips(experts: Int) throws {
        var s = Architectures.ViTSettings()
        s.depth = 2
        s.experts = experts
        let d = try Architectures.vit(inputShape: [1, 28, 28], classes: 10, settings: s)
        let net = try d.build(arrays: nil, seed: 3)
        #expect(try net.outputShape == [10])
        let arrays = Dictionary(uniqueKeysWithValues: d.namedArrays(of: net))
        #expect(arrays["cls_token"]?.shape == [1, 1, 64] && arrays["pos_embed"]?.shape == [1, 17, 64])
        #expect(arrays["blocks.1.attn.qkv.weight"]?.shape == [192, 64])
        if experts > 0 {
            #expect(arrays["blocks.1.moe.experts.3.fc2.weight"]?.shape == [64, 128])
        } else {
            #expect(arrays["blocks.1.mlp.fc1.weight"]?.shape == [128, 64])
        }
        let rebuilt = try d.build(arrays: arrays, seed: 99)
        let x = random(3, 784, seed: 11)
        #expect(try rebuilt.forward(x) == net.forward(x))
        if experts == 0 {
            s.depth = 4
            #expect(try Architectures.vit(inputShape: [1, 28, 28], classes: 10, settings: s).build(arrays: nil).parameterCount == 139_018)
        }
    }

    /// Architecture files: the transformer keys are read, and mistakes are named.
    @Test func yamlTypesAndErrors() throws {
        let good: [String: Any] = [
            "input": [2, 4],
            "layers": [
                ["type": "layer_norm", "name": "n", "dim": 4, "eps": 1e-6],
                ["type": "attention", "name": "a", "dim": 4, "heads": 2, "precision": "int8", "placement": "digital"],
                ["type": "moe", "name": "m", "dim": 4, "hidden": 6, "experts": 3, "top_k": 1],
                ["type": "token_pool", "mode": "mean"],
            ],
        ]
        let net = try NetworkDescription.parse(good, file: "t.yaml").build(arrays: nil)
        guard case .attention(let a) = net.layers[1], case .mixtureOfExperts(let m) = net.layers[2] else {
            Issue.record("layers not built as attention and moe")
            return
        }
        #expect(a.precision == .int8 && a.qkv.placement == .digital && m.topK == 1 && m.experts.count == 3)
        func error(_ layer: [String: Any]) -> String {
            do {
                _ = try NetworkDescription.parse(["input": [2, 4], "layers": [layer]], file: "t.yaml")
                return ""
            } catch { return "\(error)" }
        }
        #expect(error(["type": "attention", "dim": 6, "heads": 4]).contains("heads = 4 must divide dim = 6"))
        #expect(error(["type": "moe", "dim": 4, "hidden": 4, "experts": 2, "top_k": 3]).contains("top_k = 3 must be at most experts = 2"))
        #expect(error(["type": "attention", "dim": 4, "heads": 2, "precision": "fp8"]).contains("is not one of fp32, bf16, int8"))
        #expect(error(["type": "gelu", "dim": 4]).contains("unknown key 'dim'"))
    }
}

@Suite struct WeightedLayerNameTests {
    /// One name per matrix on tiles, in `weightedLayers` order, under timm's names.
    @Test func builtInMoEViTNamesEveryMatrix() throws {
        var s = Architectures.ViTSettings()
        s.depth = 2
        s.experts = 2
        s.moeEvery = 2
        let d = try Architectures.vit(inputShape: [1, 28, 28], classes: 10, settings: s)
        let names = d.weightedLayerNames
        #expect(names.count == (try d.build(arrays: nil)).weightedLayers.count)
        #expect(names == [
            "patch_embed.proj", "blocks.0.attn.qkv", "blocks.0.attn.proj", "blocks.0.mlp.fc1", "blocks.0.mlp.fc2",
            "blocks.1.attn.qkv", "blocks.1.attn.proj", "blocks.1.moe.router", "blocks.1.moe.experts.0.fc1",
            "blocks.1.moe.experts.0.fc2", "blocks.1.moe.experts.1.fc1", "blocks.1.moe.experts.1.fc2", "head",
        ])
        #expect(Architectures.mlp(features: 4, hidden: [3], classes: 2).weightedLayerNames == [nil, nil])
    }
}

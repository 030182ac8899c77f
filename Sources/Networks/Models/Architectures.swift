/// Built-in architectures (`network.architecture`), sized from the data: the per-sample
/// input shape and the number of classes are parameters, never constants.
public enum Architectures {
    /// A multilayer perceptron: dense layers of the widths `[features] + hidden +
    /// [classes]` with ReLU between them and raw logits out. Samples of any shape are read
    /// flat (`[features]`, C order), so an image dataset needs no flatten layer.
    ///
    /// Arrays are named `W0, b0, W1, b1, …` (`Wi` float32 `[outputs × inputs]`, PyTorch's
    /// `nn.Linear.weight` layout; `bi` `[outputs]`), the format of earlier cached and
    /// exported MLP weights.
    /// - Parameters:
    ///   - features: inputs per sample, ≥ 1.
    ///   - hidden: widths of the hidden layers, each ≥ 1 (may be empty: a linear classifier).
    ///   - classes: outputs, ≥ 1.
    public static func mlp(features: Int, hidden: [Int], classes: Int) -> NetworkDescription {
        let widths = [features] + hidden + [classes]
        var layers: [LayerDescription] = []
        for i in 0..<(widths.count - 1) {
            var d = LayerDescription.linear(widths[i], widths[i + 1])
            d.arrayNames = ["weight": "W\(i)", "bias": "b\(i)"]
            layers.append(d)
            if i < widths.count - 2 { layers.append(LayerDescription(.relu)) }
        }
        return NetworkDescription(inputShape: [features], layers: layers)
    }

    /// LeNet-5-style CNN (LeCun et al., Proc. IEEE 86, 2278 (1998)), widened and with batch
    /// norm and ReLU/max pooling, for images `[C, H, W]`:
    /// conv 5×5 C→16 (padding 2) → BN → ReLU → max-pool 2 → conv 5×5 16→32 → BN → ReLU →
    /// max-pool 2 → flatten → dense →120 → ReLU → dense 120→84 → ReLU → dense 84→classes.
    /// On 28 × 28 grey images and 10 classes: 107 k parameters, 1.70 M MACs per image; on
    /// analogue tiles the convolutions are `[16 × 25]` and `[32 × 400]` matrices read once
    /// per output pixel (784 and 100 MVMs).
    /// - Throws: `NetworksError(.shape)` when the input is not an image large enough for
    ///   the two convolutions and poolings (H, W ≥ 12).
    public static func lenet5(inputShape: [Int] = [1, 28, 28], classes: Int = 10) throws -> NetworkDescription {
        guard inputShape.count == 3 else {
            throw NetworksError(.shape, "lenet5 needs image samples [channels, height, width]; the data has samples of shape \(inputShape)")
        }
        let (c, h, w) = (inputShape[0], inputShape[1], inputShape[2])
        // Conv 5×5 padding 2 keeps H×W; pool halves; conv 5×5 takes 4; pool halves.
        let oh = (h / 2 - 4) / 2, ow = (w / 2 - 4) / 2
        guard h / 2 >= 5, w / 2 >= 5, oh >= 1, ow >= 1 else {
            throw NetworksError(.shape, "lenet5 needs images of at least 12 × 12 pixels; the data has \(h) × \(w)")
        }
        return NetworkDescription(inputShape: inputShape, layers: [
            .conv2d(c, 16, kernel: 5, padding: 2), .batchNorm(16), LayerDescription(.relu), .pool(.maxPool, kernel: 2),
            .conv2d(16, 32, kernel: 5), .batchNorm(32), LayerDescription(.relu), .pool(.maxPool, kernel: 2),
            LayerDescription(.flatten),
            .linear(32 * oh * ow, 120), LayerDescription(.relu),
            .linear(120, 84), LayerDescription(.relu),
            .linear(84, classes),
        ])
    }

    /// A small ResNet (He et al., CVPR 2016) for images `[C, H, W]`: conv 3×3 C→c → BN →
    /// ReLU, then three basic blocks (two 3×3 conv + BN, identity or 1×1-conv + BN
    /// shortcut, ReLU after the addition) at widths c, 2c (stride 2) and 4c (stride 2),
    /// global average pooling and a dense 4c→classes classifier. `width` c defaults to 8.
    /// - Throws: `NetworksError(.shape)` when the samples are not images.
    public static func resnet(inputShape: [Int] = [1, 28, 28], classes: Int = 10, width c: Int = 8) throws -> NetworkDescription {
        guard inputShape.count == 3 else {
            throw NetworksError(.shape, "resnet needs image samples [channels, height, width]; the data has samples of shape \(inputShape)")
        }
        func block(_ i: Int, _ o: Int, stride: Int) -> [LayerDescription] {
            let body: [LayerDescription] = [
                .conv2d(i, o, kernel: 3, stride: stride, padding: 1, bias: false), .batchNorm(o), LayerDescription(.relu),
                .conv2d(o, o, kernel: 3, padding: 1, bias: false), .batchNorm(o),
            ]
            let shortcut: [LayerDescription] = (i == o && stride == 1) ? [] : [.conv2d(i, o, kernel: 1, stride: stride, bias: false), .batchNorm(o)]
            return [.residual(body: body, shortcut: shortcut), LayerDescription(.relu)]
        }
        return NetworkDescription(
            inputShape: inputShape,
            layers: [.conv2d(inputShape[0], c, kernel: 3, padding: 1, bias: false), .batchNorm(c), LayerDescription(.relu)]
                + block(c, c, stride: 1) + block(c, 2 * c, stride: 2) + block(2 * c, 4 * c, stride: 2)
                + [LayerDescription(.globalAvgPool), .linear(4 * c, classes)])
    }

    /// Settings of a vision transformer (`vit`); the defaults are the small model of
    /// `Experiments/fashion-vit-pcm.yaml`.
    public struct ViTSettings: Equatable, Sendable {
        /// Side of the square patches, dividing the image's height and width.
        public var patchSize = 7
        /// Token width D, divisible by `heads`.
        public var dim = 64
        /// Transformer blocks.
        public var depth = 4
        public var heads = 4
        /// Hidden width of the feed-forward blocks ÷ dim.
        public var mlpRatio = 2
        public var pool: TokenPool = .cls
        public var attentionPrecision: AttentionPrecision = .fp32
        /// Experts per mixture-of-experts block; 0: dense feed-forward blocks only.
        public var experts = 0
        public var topK = 2
        /// Every how many blocks the feed-forward block is a mixture of experts (1: all;
        /// 2: blocks 1, 3, …, as GShard and the Switch Transformer alternate them).
        public var moeEvery = 1
        public var balanceLoss: Float = 0.01
        public init() {}
    }

    /// A vision transformer (Dosovitskiy et al., ICLR 2021) in timm's `VisionTransformer`
    /// layout and parameter names, pre-norm (LayerNorm ε = 1e-6), for images `[C, H, W]`:
    /// patch embedding (a p × p convolution of stride p, `patch_embed.proj`) → tokens →
    /// class token (`cls_token`; with `pool` = cls) → positional embedding (`pos_embed`) →
    /// `depth` blocks of [x + attn(norm1(x))] and [x + mlp(norm2(x))] (`blocks.i.norm1`,
    /// `.attn.qkv`, `.attn.proj`, `.norm2`, `.mlp.fc1`, GELU, `.mlp.fc2`) → `norm` →
    /// class token or mean pooling → `head`. With `experts` > 0 the feed-forward block of
    /// every `moeEvery`-th block (the last of each group) is a mixture of experts
    /// (`blocks.i.moe`: router and experts of hidden width dim·mlpRatio, top-k routing).
    ///
    /// On 28 × 28 grey images with the defaults (patches 7 × 7, 16 tokens + class token,
    /// D = 64, 4 blocks, 4 heads): 139 018 parameters.
    /// - Throws: `NetworksError(.shape)` when the samples are not images or the patch size
    ///   does not divide them, or `heads` does not divide `dim`.
    public static func vit(inputShape: [Int], classes: Int, settings v: ViTSettings = ViTSettings()) throws -> NetworkDescription {
        guard inputShape.count == 3 else {
            throw NetworksError(.shape, "vit needs image samples [channels, height, width]; the data has samples of shape \(inputShape)")
        }
        let (c, h, w) = (inputShape[0], inputShape[1], inputShape[2])
        guard v.patchSize >= 1, h % v.patchSize == 0, w % v.patchSize == 0 else {
            throw NetworksError(.shape, "patch size \(v.patchSize) (network.vit.patch_size) must divide the image's height \(h) and width \(w)")
        }
        guard v.dim >= 1, v.heads >= 1, v.dim % v.heads == 0 else {
            throw NetworksError(.shape, "heads = \(v.heads) must divide dim = \(v.dim)")
        }
        guard v.experts == 0 || (1...v.experts).contains(v.topK) else {
            throw NetworksError(.shape, "top_k = \(v.topK) must be in 1…\(v.experts) (the experts)")
        }
        let d = v.dim, hidden = v.dim * v.mlpRatio
        let tokens = (h / v.patchSize) * (w / v.patchSize) + (v.pool == .cls ? 1 : 0)
        var layers: [LayerDescription] = [.conv2d(c, d, kernel: v.patchSize, stride: v.patchSize, name: "patch_embed.proj"), LayerDescription(.tokens)]
        if v.pool == .cls { layers.append(.classToken(dim: d, name: "cls_token")) }
        layers.append(.positionalEmbedding(tokens: tokens, dim: d, name: "pos_embed"))
        for i in 0..<v.depth {
            let b = "blocks.\(i)"
            var attention = LayerDescription(.attention)
            attention.dim = d
            attention.heads = v.heads
            attention.precision = v.attentionPrecision
            attention.name = b + ".attn"
            layers.append(.residual(body: [.layerNorm(d, name: b + ".norm1"), attention]))
            if v.experts > 0 && (i + 1) % max(v.moeEvery, 1) == 0 {
                var moe = LayerDescription(.moe)
                moe.dim = d
                moe.hidden = hidden
                moe.experts = v.experts
                moe.topK = v.topK
                moe.balanceLoss = v.balanceLoss
                moe.name = b + ".moe"
                layers.append(.residual(body: [.layerNorm(d, name: b + ".norm2"), moe]))
            } else {
                layers.append(.residual(body: [
                    .layerNorm(d, name: b + ".norm2"), .linear(d, hidden, name: b + ".mlp.fc1"), LayerDescription(.gelu),
                    .linear(hidden, d, name: b + ".mlp.fc2"),
                ]))
            }
        }
        var pool = LayerDescription(.tokenPool)
        pool.poolMode = v.pool
        layers += [.layerNorm(d, name: "norm"), pool, .linear(d, classes, name: "head")]
        return NetworkDescription(inputShape: inputShape, layers: layers)
    }
}

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
}

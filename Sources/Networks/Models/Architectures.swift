/// Built-in architectures for 28 × 28 grey images and 10 classes (`network.architecture`).
public enum Architectures {
    /// LeNet-5-style CNN (LeCun et al., Proc. IEEE 86, 2278 (1998)), widened and with batch
    /// norm and ReLU/max pooling:
    /// conv 5×5 1→16 (padding 2) → BN → ReLU → max-pool 2 → conv 5×5 16→32 → BN → ReLU →
    /// max-pool 2 → flatten (800) → dense 800→120 → ReLU → dense 120→84 → ReLU → dense 84→10.
    /// 107 k parameters, 1.48 M MACs per image; on analogue tiles the convolutions are
    /// `[16 × 25]` and `[32 × 400]` matrices read once per output pixel (784 and 100 MVMs).
    public static var lenet5: NetworkDescription {
        NetworkDescription(inputShape: [1, 28, 28], layers: [
            .conv2d(1, 16, kernel: 5, padding: 2), .batchNorm(16), LayerDescription(.relu), .pool(.maxPool, kernel: 2),
            .conv2d(16, 32, kernel: 5), .batchNorm(32), LayerDescription(.relu), .pool(.maxPool, kernel: 2),
            LayerDescription(.flatten),
            .linear(800, 120), LayerDescription(.relu),
            .linear(120, 84), LayerDescription(.relu),
            .linear(84, 10),
        ])
    }

    /// A small ResNet (He et al., CVPR 2016): conv 3×3 1→c → BN → ReLU, then three basic
    /// blocks (two 3×3 conv + BN, identity or 1×1-conv + BN shortcut, ReLU after the
    /// addition) at widths c, 2c (stride 2) and 4c (stride 2), global average pooling and a
    /// dense 4c→10 classifier. `width` c defaults to 8.
    public static func resnet(width c: Int = 8) -> NetworkDescription {
        func block(_ i: Int, _ o: Int, stride: Int) -> [LayerDescription] {
            let body: [LayerDescription] = [
                .conv2d(i, o, kernel: 3, stride: stride, padding: 1, bias: false), .batchNorm(o), LayerDescription(.relu),
                .conv2d(o, o, kernel: 3, padding: 1, bias: false), .batchNorm(o),
            ]
            let shortcut: [LayerDescription] = (i == o && stride == 1) ? [] : [.conv2d(i, o, kernel: 1, stride: stride, bias: false), .batchNorm(o)]
            return [.residual(body: body, shortcut: shortcut), LayerDescription(.relu)]
        }
        return NetworkDescription(
            inputShape: [1, 28, 28],
            layers: [.conv2d(1, c, kernel: 3, padding: 1, bias: false), .batchNorm(c), LayerDescription(.relu)]
                + block(c, c, stride: 1) + block(c, 2 * c, stride: 2) + block(2 * c, 4 * c, stride: 2)
                + [LayerDescription(.globalAvgPool), .linear(4 * c, 10)])
    }
}

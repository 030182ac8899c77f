import Crossbar
import Networks
import NumericKernels
import TestSupport
import Testing

@Suite struct SharedForwardTests {
    /// PCM hardware with output noise, converters and bound management, small tiles (so
    /// layers span several tiles and convolutions split at kernel boundaries).
    static func spec() throws -> HardwareSpec {
        var spec = HardwareSpec()
        spec.tileRows = 24
        spec.tileColumns = 16
        spec.dac = try Quantizer(bits: 7, range: 1)
        spec.adc = try Quantizer(bits: 8, range: 6)
        spec.outputNoise = 0.05
        spec.boundManagement = true
        return spec
    }

    /// The networks: an MLP (3 tiles in the first layer), a CNN whose first layer is a
    /// convolution split over two row-blocks, and a network whose first weighted layer
    /// sits inside a residual block (each method then runs separately).
    static func network(_ kind: String) throws -> SequentialNetwork {
        switch kind {
        case "mlp": return try Architectures.mlp(features: 60, hidden: [20], classes: 10).build(arrays: nil, seed: 4)
        case "cnn":
            return try SequentialNetwork(inputShape: [3, 6, 6], layers: [
                .conv2d(Conv2d(inChannels: 3, outChannels: 5, kernel: 3, padding: 1, seed: 4, index: 0)), .relu,
                .pool(Pool2d(.max, kernel: 2)), .flatten, .dense(DenseLayer.heNormal(inputs: 45, outputs: 10, seed: 5)),
            ])
        default:
            return try SequentialNetwork(inputShape: [3, 6, 6], layers: [
                .residual(ResidualBlock(body: [.conv2d(Conv2d(inChannels: 3, outChannels: 3, kernel: 3, padding: 1, seed: 4, index: 0)), .relu])),
                .flatten, .dense(DenseLayer.heNormal(inputs: 108, outputs: 10, seed: 5)),
            ])
        }
    }

    /// Sharing the first weighted layer's read between compensation methods gives, for each
    /// method, what a separate forward pass from the same generator state gives:
    /// bit-identical for `.none`, and within 1e-5 of the logit scale for the others (only
    /// the rounding order of the factor differs); converter statistics are those of the
    /// first method; the generator ends where the last method's pass ends.
    @Test(arguments: ["mlp", "cnn", "residual-first"])
    func sharedFirstLayerEqualsSeparatePasses(_ kind: String) throws {
        let network = try Self.network(kind)
        if kind == "cnn" {
            #expect(AnalogSequentialNetwork.kernelAlignedGroups(channels: 3, kernelSize: 9, tileRows: 24, split: true).count == 2)
        }
        let net = try AnalogSequentialNetwork(network: network, spec: try Self.spec()).program(seed: 9).readout(tInference: 86400)
        var g = Xoshiro256(seed: 1)
        let x = Matrix(rows: 33, columns: network.inputCount, values: (0..<(33 * network.inputCount)).map { _ in g.nextUniform() })
        let methods: [DriftCompensation] = [.none, .global, .globalExact, .column]
        var rng = Xoshiro256(seed: 5)
        var stats: [ConversionStats] = []
        let shared = try net.forward(x, compensations: methods, rng: &rng, stats: &stats)
        #expect(shared.count == methods.count)
        for (i, m) in methods.enumerated() {
            var r = Xoshiro256(seed: 5)
            var st: [ConversionStats] = []
            let separate = try net.forward(x, compensation: m, rng: &r, stats: &st)
            if m == .none {
                #expect(shared[i] == separate)
                #expect(st == stats)
            } else {
                let scale = separate.maxAbs
                let worst = zip(shared[i].values, separate.values).map { abs($0 - $1) }.max() ?? 0
                #expect(worst <= 1e-5 * scale, "\(kind) \(m): \(worst) vs scale \(scale)")
            }
            if i == methods.count - 1 { #expect(rng.next() == r.next()) }
        }
    }
}

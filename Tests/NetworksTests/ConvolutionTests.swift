import Crossbar
import Foundation
import NumericKernels
import TestSupport
import Testing

import Networks

/// y[b, o, oy, ox] by the definition, in Double.
private func directConv(_ x: [Float], batch: Int, c: Int, h: Int, w: Int, _ conv: Conv2d) -> ([Double], Int, Int) {
    let kh = conv.kernelHeight, kw = conv.kernelWidth, s = conv.stride, p = conv.padding, d = conv.dilation
    let oh = (h + 2 * p - d * (kh - 1) - 1) / s + 1, ow = (w + 2 * p - d * (kw - 1) - 1) / s + 1
    var y = [Double](repeating: 0, count: batch * conv.outChannels * oh * ow)
    for b in 0..<batch {
        for o in 0..<conv.outChannels {
            for oy in 0..<oh {
                for ox in 0..<ow {
                    var acc = Double(conv.bias[o])
                    for ci in 0..<c {
                        for ky in 0..<kh {
                            for kx in 0..<kw {
                                let iy = oy * s - p + ky * d, ix = ox * s - p + kx * d
                                if iy < 0 || iy >= h || ix < 0 || ix >= w { continue }
                                acc += Double(conv.weight[o, ci * kh * kw + ky * kw + kx]) * Double(x[b * c * h * w + ci * h * w + iy * w + ix])
                            }
                        }
                    }
                    y[((b * conv.outChannels + o) * oh + oy) * ow + ox] = acc
                }
            }
        }
    }
    return (y, oh, ow)
}

private func randomConv(inC: Int, outC: Int, k: Int, stride: Int, padding: Int, dilation: Int, seed: UInt64) -> Conv2d {
    var rng = Xoshiro256(seed: seed)
    var c = Conv2d(inChannels: inC, outChannels: outC, kernel: k, stride: stride, padding: padding, dilation: dilation, seed: seed, index: 0)
    c.bias = rng.gaussians(outC)
    return c
}

private func randomInput(_ batch: Int, _ n: Int, seed: UInt64) -> Matrix {
    var rng = Xoshiro256(seed: seed)
    return Matrix(rows: batch, columns: n, values: rng.gaussians(batch * n))
}

@Suite struct ConvolutionTests {
    /// (channels in, out, H, W, kernel, stride, padding, dilation), one case per line.
    static let cases: [(Int, Int, Int, Int, Int, Int, Int, Int)] = [
        (1, 1, 2, 2, 3, 1, 1, 1),   // 2 × 2 input, 3 × 3 kernel, padding 1: four windows
        (1, 3, 5, 5, 3, 1, 0, 1),
        (2, 3, 6, 5, 3, 2, 1, 1),   // stride 2, non-square input
        (3, 2, 7, 7, 3, 1, 2, 2),   // dilation 2, padding 2
        (2, 4, 8, 8, 5, 3, 2, 1),
        (4, 2, 4, 4, 1, 1, 0, 1),   // 1 × 1 kernel
        (2, 2, 9, 9, 3, 2, 0, 3),   // dilation 3, stride 2
        (1, 2, 3, 3, 3, 1, 0, 1),   // kernel covers the input: one window
    ]

    /// im2col + sgemm equals the defining sum within 1e-5 (relative to the largest |y|).
    @Test(arguments: cases.indices)
    func matchesDirectLoop(_ i: Int) throws {
        let (c, o, h, w, k, s, p, d) = Self.cases[i]
        let conv = randomConv(inC: c, outC: o, k: k, stride: s, padding: p, dilation: d, seed: UInt64(i))
        let x = randomInput(3, c * h * w, seed: 100 + UInt64(i))
        let y = try conv.forward(Tensor(x, shape: [c, h, w]))
        let (ref, oh, ow) = directConv(x.values, batch: 3, c: c, h: h, w: w, conv)
        #expect(y.shape == [o, oh, ow])
        let scale = max(ref.map(abs).max() ?? 1, 1)
        for j in ref.indices { #expect(abs(Double(y.data.values[j]) - ref[j]) <= 1e-5 * scale) }
    }

    /// The 2 × 2 input with a 3 × 3 kernel and padding 1 has four output windows, each one
    /// analogue MVM: the im2col matrix has 4 rows per sample and the tile reads 4 vectors.
    @Test func twoByTwoInputFourWindows() throws {
        let conv = randomConv(inC: 1, outC: 1, k: 3, stride: 1, padding: 1, dilation: 1, seed: 7)
        let x = try Tensor(Matrix(rows: 1, columns: 4, values: [1, 2, 3, 4]), shape: [1, 2, 2])
        let cols = try conv.im2col(x)
        #expect(cols.rows == 4 && cols.columns == 9)
        // Window (0, 0) sees x only at kernel taps (1,1), (1,2), (2,1), (2,2).
        #expect(cols.values[0..<9] == [0, 0, 0, 0, 1, 2, 0, 3, 4])
        let net = try SequentialNetwork(inputShape: [1, 2, 2], layers: [.conv2d(conv)])
        let readout = try AnalogSequentialNetwork(network: net, spec: .ideal).program(seed: 1).readout(tInference: 0)
        var rng = Xoshiro256(seed: 2)
        var stats: [ConversionStats] = []
        let y = try readout.forward(x.data, compensation: .none, rng: &rng, stats: &stats)
        #expect(stats[0].operations.inputVectors == 4)
        let digital = try net.forward(x.data)
        for j in 0..<4 { #expect(abs(y.values[j] - digital.values[j]) <= 1e-5 * max(1, abs(digital.values[j]))) }
    }

    /// Kernel-aligned splits: whole input channels per tile row-block.
    @Test func kernelAlignedGroups() {
        #expect(AnalogSequentialNetwork.kernelAlignedGroups(channels: 16, kernelSize: 25, tileRows: 512, split: true) == [0..<400])
        #expect(AnalogSequentialNetwork.kernelAlignedGroups(channels: 16, kernelSize: 25, tileRows: 256, split: true) == [0..<250, 250..<400])
        #expect(AnalogSequentialNetwork.kernelAlignedGroups(channels: 4, kernelSize: 9, tileRows: 20, split: true) == [0..<18, 18..<36])
        // A kernel larger than a tile cannot be aligned: one matrix, split by AnalogMatrix.
        #expect(AnalogSequentialNetwork.kernelAlignedGroups(channels: 2, kernelSize: 25, tileRows: 16, split: true) == [0..<50])
        #expect(AnalogSequentialNetwork.kernelAlignedGroups(channels: 16, kernelSize: 25, tileRows: 256, split: false) == [0..<400])
    }
}

/// A small network with every layer type.
func everyLayerNetwork(seed: UInt64, dropout: Float = 0) throws -> SequentialNetwork {
    var rng = Xoshiro256(seed: seed)
    func bn(_ c: Int) -> BatchNorm {
        BatchNorm(scale: rng.gaussians(c).map { 1 + 0.2 * $0 }, shift: rng.gaussians(c).map { 0.1 * $0 },
                  runningMean: rng.gaussians(c).map { 0.1 * $0 }, runningVariance: rng.gaussians(c).map { 1 + 0.3 * abs($0) })
    }
    var c1 = Conv2d(inChannels: 2, outChannels: 4, kernel: 3, padding: 1, seed: seed, index: 1)
    c1.bias = rng.gaussians(4).map { 0.1 * $0 }
    let c2 = Conv2d(inChannels: 4, outChannels: 4, kernel: 3, padding: 2, dilation: 2, seed: seed, index: 2)
    let c3 = Conv2d(inChannels: 4, outChannels: 6, kernel: 3, stride: 2, padding: 1, seed: seed, index: 3)
    let s3 = Conv2d(inChannels: 4, outChannels: 6, kernel: 1, stride: 2, seed: seed, index: 4)
    let dense = [DenseLayer.heNormal(inputs: 6 * 4 * 4, outputs: 8, seed: seed), DenseLayer.heNormal(inputs: 8, outputs: 5, seed: seed &+ 1)]
    return try SequentialNetwork(inputShape: [2, 8, 8], layers: [
        .conv2d(c1), .batchNorm(bn(4)), .relu,
        .residual(ResidualBlock(body: [.conv2d(c2), .batchNorm(bn(4)), .relu])),
        .pool(Pool2d(.average, kernel: 3, stride: 1, padding: 1)),
        .residual(ResidualBlock(body: [.conv2d(c3), .batchNorm(bn(6))], shortcut: [.conv2d(s3)])), .relu,
        .flatten, .dropout(dropout), .dense(dense[0]), .batchNorm(bn(8)), .relu, .dense(dense[1]),
    ])
}

@Suite struct AnalogConvolutionTests {
    /// On ideal hardware (ideal device and converters, no noise) the analogue network equals
    /// the digital one within 1e-4 of the largest logit, also when kernels are split over
    /// tile row-blocks.
    @Test(arguments: [512, 20, 7])
    func idealHardwareEqualsDigital(_ tileRows: Int) throws {
        let net = try everyLayerNetwork(seed: 3)
        var spec = HardwareSpec.ideal
        spec.tileRows = tileRows
        spec.tileColumns = 5
        let x = randomInput(6, 2 * 8 * 8, seed: 4)
        let digital = try net.forward(x)
        let analog = try AnalogSequentialNetwork(network: net, spec: spec)
        if tileRows == 20 { #expect(analog.units[1].groups == [0..<18, 18..<36]) }
        let readout = analog.program(seed: 5).readout(tInference: 1e5)
        for c in [DriftCompensation.none, .global, .globalExact] {
            var rng = Xoshiro256(seed: 6)
            var stats: [ConversionStats] = []
            let y = try readout.forward(x, compensation: c, rng: &rng, stats: &stats)
            let scale = max(digital.maxAbs, 1)
            for j in y.values.indices { #expect(abs(y.values[j] - digital.values[j]) <= 1e-4 * scale) }
            #expect(stats.count == 6)
            #expect(stats[0].operations.inputVectors == 6 * 64)  // one MVM per output pixel
        }
    }

    /// Drift compensation applies to convolutions: on PCM with drift only (no programming or
    /// read noise), global_exact compensation brings a 1-year-old conv layer back to within
    /// 5 % of its t = 0 outputs while the uncompensated outputs shrink by more than 20 %.
    @Test func driftCompensationAppliesToConvolutions() throws {
        let conv = randomConv(inC: 3, outC: 8, k: 3, stride: 1, padding: 1, dilation: 1, seed: 13)
        let net = try SequentialNetwork(inputShape: [3, 6, 6], layers: [.conv2d(Conv2d(
            weight: conv.weight, bias: [Float](repeating: 0, count: 8), inChannels: 3, kernelHeight: 3, kernelWidth: 3, padding: 1))])
        var spec = HardwareSpec()
        spec.deviceModel.pcm?.programmingNoiseScale = 0
        spec.deviceModel.pcm?.readNoiseScale = 0
        let x = randomInput(4, 3 * 36, seed: 14)
        let p = try AnalogSequentialNetwork(network: net, spec: spec).program(seed: 15)
        func mean(_ t: Double, _ c: DriftCompensation) throws -> Float {
            var rng = Xoshiro256(seed: 16)
            var st: [ConversionStats] = []
            let y = try p.readout(tInference: t).forward(x, compensation: c, rng: &rng, stats: &st)
            return y.values.reduce(0) { $0 + abs($1) } / Float(y.values.count)
        }
        let m0 = try mean(0, .none)
        #expect(try mean(31_536_000, .none) < 0.8 * m0)
        #expect(abs(try mean(31_536_000, .globalExact) / m0 - 1) < 0.05)
    }
}

@Suite struct BatchNormFoldingTests {
    /// Folding every batch norm into the preceding conv/dense layer changes the logits by
    /// float rounding only: within 1e-5 of the largest |logit|.
    @Test(arguments: [1, 2, 3] as [UInt64])
    func foldingIsExact(_ seed: UInt64) throws {
        let net = try everyLayerNetwork(seed: seed, dropout: 0.3)
        let folded = net.foldingBatchNorm()
        #expect(!folded.layers.contains { if case .batchNorm = $0 { true } else { false } })
        let x = randomInput(5, 128, seed: seed + 10)
        let a = try net.forward(x), b = try folded.forward(x)
        let scale = max(a.maxAbs, 1)
        for j in a.values.indices { #expect(abs(a.values[j] - b.values[j]) <= 1e-5 * scale) }
    }

    /// A batch norm that follows no weighted layer stays (digital) and still computes γ(x − μ)/√(σ² + ε) + β.
    @Test func unfoldableBatchNormStays() throws {
        let bn = BatchNorm(scale: [2, 0.5], shift: [1, -1], runningMean: [0.5, -0.5], runningVariance: [4, 0.25], epsilon: 0)
        let net = try SequentialNetwork(inputShape: [2], layers: [.batchNorm(bn)])
        #expect(net.foldingBatchNorm().layers.count == 1)
        let y = try net.forward(Matrix(rows: 1, columns: 2, values: [1.5, 0.5]))
        let expected: [Float] = [2, 0]  // 2·(1.5 − 0.5)/2 + 1, 0.5·(0.5 + 0.5)/0.5 − 1
        #expect(y.values == expected)
    }
}

@Suite struct GradientTests {
    /// Backpropagation against central finite differences of the mean cross-entropy (batch
    /// norm in training mode, dropout with a fixed mask): every parameter of every layer
    /// type, |g − g_fd| ≤ 2e-3 + 3e-2·|g_fd| with h = 1e-3 on a Float network (Float rounding of
    /// the loss contributes ~1e-4; h is small enough that no ReLU or max-pool input crosses a
    /// kink or a tie for these seeds).
    @Test func everyLayerMatchesFiniteDifferences() throws {
        var net = try everyLayerNetwork(seed: 21, dropout: 0.25)
        // A max pool as well (replacing the average pool).
        net.layers[4] = .pool(Pool2d(.max, kernel: 2, stride: 1, padding: 1))
        net = try SequentialNetwork(inputShape: [2, 8, 8], layers: net.layers.map { l in
            if case .dense(let d) = l, d.inputs == 96 { return .dense(DenseLayer.heNormal(inputs: 6 * 5 * 5, outputs: 8, seed: 3)) }
            return l
        })
        let x = randomInput(4, 128, seed: 22)
        let labels = [0, 3, 1, 4]
        let (_, checked) = try checkGradientsByFiniteDifferences(net, x, labels, picks: 6, pickSeed: 23)
        #expect(checked > 60)
    }
}

@Suite struct ShapeCheckTests {
    /// Wrong rank or size throws `NetworksError(.shape)` on every call, also after a
    /// successful call with the right shape (nothing is cached).
    @Test func wrongShapesThrowEveryTime() throws {
        let net = try everyLayerNetwork(seed: 31)
        let good = randomInput(2, 128, seed: 32)
        let bad = randomInput(2, 127, seed: 33)
        let readout = try AnalogSequentialNetwork(network: net, spec: .ideal).program(seed: 1).readout(tInference: 0)
        for _ in 0..<2 {
            _ = try net.forward(good)
            #expect(throws: NetworksError.self) { try net.forward(bad) }
            var rng = Xoshiro256(seed: 1)
            var st: [ConversionStats] = []
            _ = try readout.forward(good, compensation: .none, rng: &rng, stats: &st)
            #expect(throws: NetworksError.self) { try readout.forward(bad, compensation: .none, rng: &rng, stats: &st) }
        }
        let conv = randomConv(inC: 2, outC: 3, k: 3, stride: 1, padding: 0, dilation: 1, seed: 34)
        let flat = try Tensor(randomInput(2, 50, seed: 35), shape: [50])
        let wrongChannels = try Tensor(randomInput(2, 75, seed: 36), shape: [3, 5, 5])
        let tooSmall = try Tensor(randomInput(2, 8, seed: 37), shape: [2, 2, 2])
        for _ in 0..<2 {
            _ = try conv.forward(try Tensor(randomInput(2, 50, seed: 38), shape: [2, 5, 5]))
            #expect(throws: NetworksError.self) { try conv.forward(flat) }
            #expect(throws: NetworksError.self) { try conv.forward(wrongChannels) }
            #expect(throws: NetworksError.self) { try conv.forward(tooSmall) }
            #expect(throws: NetworksError.self) { try Layer.dense(DenseLayer.heNormal(inputs: 50, outputs: 3, seed: 1)).forward(wrongChannels) }
            #expect(throws: NetworksError.self) { try Layer.pool(Pool2d(.max, kernel: 2)).forward(flat) }
            #expect(throws: NetworksError.self) { try Layer.batchNorm(BatchNorm(channels: 2)).forward(wrongChannels) }
            #expect(throws: NetworksError.self) { try Layer.globalAveragePool.forward(flat) }
        }
        do {
            _ = try conv.forward(flat)
        } catch let e as NetworksError {
            #expect(e.message.contains("rank 3") && e.message.contains("[50]"))
        }
        #expect(throws: NetworksError.self) { try Tensor(randomInput(1, 10, seed: 1), shape: [3, 3]) }
    }

    /// Layers that do not chain are rejected when the network is built.
    @Test func nonChainingNetworkIsRejected() throws {
        #expect(throws: NetworksError.self) {
            try SequentialNetwork(inputShape: [1, 28, 28], layers: [.flatten, .dense(DenseLayer.heNormal(inputs: 100, outputs: 10, seed: 1))])
        }
        #expect(throws: NetworksError.self) {
            try SequentialNetwork(inputShape: [1, 8, 8], layers: [.residual(ResidualBlock(body: [.pool(Pool2d(.max, kernel: 2))]))])
        }
    }
}

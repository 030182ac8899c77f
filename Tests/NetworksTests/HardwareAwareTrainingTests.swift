import Crossbar
import Foundation
import NumericKernels
import TestSupport
import Testing

import Networks

@Suite struct WeightNoiseTests {
    private func weights() -> Matrix {
        var rng = Xoshiro256(seed: 1)
        return Matrix(rows: 200, columns: 100, values: rng.gaussians(20_000).map { 0.1 * $0 })
    }

    /// Additive noise has σ = level·max|W| (within 3 % over 20 000 draws); multiplicative noise
    /// has relative σ = level (within 3 %); both are unbiased (|mean| < 4 standard errors).
    @Test func additiveAndMultiplicativeMoments() {
        let w = weights()
        var rng = Xoshiro256(seed: 2)
        let a = WeightNoise(kind: .additive, level: 0.1).perturb(w, rng: &rng)
        let d = zip(a.values, w.values).map { Double($0 - $1) }
        let sd = (d.map { $0 * $0 }.reduce(0, +) / Double(d.count)).squareRoot()
        #expect(abs(sd / Double(0.1 * w.maxAbs) - 1) < 0.03)
        #expect(abs(d.reduce(0, +) / Double(d.count)) < 4 * sd / Double(d.count).squareRoot())
        let m = WeightNoise(kind: .multiplicative, level: 0.2).perturb(w, rng: &rng)
        let r = zip(m.values, w.values).map { Double($0 / $1 - 1) }
        let rs = (r.map { $0 * $0 }.reduce(0, +) / Double(r.count)).squareRoot()
        #expect(abs(rs / 0.2 - 1) < 0.03)
    }

    /// The PCM model: at t = 0 the error of the largest weight has σ ≈ √(σ_prog(1)² +
    /// σ_prog(0)²)/gMax·max|W| (a tiny-weight device is clipped at 0, so only the largest
    /// weights are checked, within 10 %); with drift and global compensation the mean |w| is
    /// preserved within 2 % and the error grows.
    @Test func pcmModel() {
        let w = Matrix(rows: 1, columns: 4000, values: (0..<4000).map { $0 % 2 == 0 ? 1 : -1 })
        var rng = Xoshiro256(seed: 3)
        let device = PCMDevice()
        let p = WeightNoise(kind: .pcm, level: 1, device: device).perturb(w, rng: &rng)
        let e = zip(p.values, w.values).map { Double($0 - $1) }
        let sd = (e.map { $0 * $0 }.reduce(0, +) / Double(e.count)).squareRoot()
        let s1 = Double(device.programmingSigma(r: 1) / device.gMax), s0 = Double(device.programmingSigma(r: 0) / device.gMax)
        #expect(abs(sd / (s1 * s1 + s0 * s0 / 2).squareRoot() - 1) < 0.1)
        let drifted = WeightNoise(kind: .pcm, level: 1, tInference: 31_536_000, device: device).perturb(w, rng: &rng)
        let meanAbs = drifted.values.reduce(0) { $0 + abs($1) } / 4000
        #expect(abs(meanAbs - 1) < 0.02)
        let ed = zip(drifted.values, w.values).map { Double($0 - $1) }
        #expect((ed.map { $0 * $0 }.reduce(0, +) / Double(ed.count)).squareRoot() > 1.5 * sd)
    }
}

@Suite struct NetworkTrainingTests {
    /// Weight clipping at ±2·std(W) after every step: every weighted layer ends with several
    /// weights sitting exactly at ±max|W| (the clip bound of the last step; unclipped
    /// Gaussian weights have no ties), and max|W| ≤ 2.2·std(W) of the final weights.
    @Test func weightClippingHolds() throws {
        var net = try SequentialNetwork(inputShape: [1, 6, 6], layers: [
            .conv2d(Conv2d(inChannels: 1, outChannels: 8, kernel: 3, seed: 1, index: 0)), .relu, .flatten,
            .dense(DenseLayer.heNormal(inputs: 128, outputs: 4, seed: 2)),
        ])
        var rng = Xoshiro256(seed: 3)
        let x = Matrix(rows: 64, columns: 36, values: rng.gaussians(64 * 36))
        let labels = (0..<64).map { $0 % 4 }
        var s = TrainingSettings()
        s.epochs = 3
        s.batchSize = 16
        s.learningRate = 0.01
        var hwa = HardwareAwareSettings()
        hwa.weightClipSigma = 2
        hwa.noise = .additive
        hwa.noiseLevel = 0.05
        try NetworkTrainer(settings: s, hardwareAware: hwa).train(&net, images: x, labels: labels)
        var layers = net.layers
        var checked = 0
        NetworkTrainer.visitParameters(&layers) { p, isWeight in
            guard isWeight else { return }
            let n = Float(p.count)
            let mean = p.reduce(0, +) / n
            let std = (p.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / n).squareRoot()
            let m = p.map(abs).max()!
            #expect(p.filter { abs($0) == m }.count >= 2)
            #expect(m <= 2.2 * std)
            checked += 1
        }
        #expect(checked == 2)
    }

    /// Training is deterministic for a seed: two runs give identical networks.
    @Test func trainingIsDeterministic() throws {
        func run() throws -> SequentialNetwork {
            BLAS.setThreads(1)  // sgemm results depend on the thread count
            var net = try Architectures.resnet(width: 2).build(arrays: nil, seed: 4)
            var rng = Xoshiro256(seed: 5)
            let x = Matrix(rows: 32, columns: 784, values: (0..<(32 * 784)).map { _ in rng.nextUniform() })
            var s = TrainingSettings()
            s.epochs = 1
            s.batchSize = 16
            var hwa = HardwareAwareSettings()
            hwa.noise = .pcm
            hwa.noiseLevel = 1
            try NetworkTrainer(settings: s, hardwareAware: hwa).train(&net, images: x, labels: (0..<32).map { $0 % 10 })
            return net
        }
        #expect(try run() == run())
    }

    /// The cheap accuracy check: the LeNet-5-style CNN trained 2 epochs on the first 3000
    /// training images reaches ≥ 75 % on the first 1000 test images (the full experiment,
    /// 12 epochs on 60 000 images, reaches ≥ 91 %).
    @Test(.enabled(if: FileManager.default.fileExists(atPath: FashionMNIST.resolveDirectory(configured: nil) + "/t10k-labels-idx1-ubyte.gz")))
    func lenetLearnsFashionMNIST() throws {
        let dir = FashionMNIST.resolveDirectory(configured: nil)
        let train = try FashionMNIST.load(split: .train, directory: dir, limit: 3000)
        let test = try FashionMNIST.load(split: .test, directory: dir, limit: 1000)
        var net = try Architectures.lenet5().build(arrays: nil, seed: 1)
        var s = TrainingSettings()
        s.epochs = 2
        s.seed = 1
        BLAS.setThreads(1)
        try NetworkTrainer(settings: s).train(&net, images: train.images, labels: train.labels)
        let acc = accuracy(argmaxRows(try net.forward(test.images)), test.labels)
        #expect(acc >= 0.75, "accuracy \(acc)")
        // Batch norm folded for inference gives the same predictions on ≥ 99.5 % of images.
        let folded = accuracy(argmaxRows(try net.foldingBatchNorm().forward(test.images)), argmaxRows(try net.forward(test.images)))
        #expect(folded >= 0.995)
    }
}

import Crossbar
import Foundation
import NumericKernels
import TestSupport
import Testing

import Networks

/// AdamW, the learning-rate plan and the hardware-aware output stage of training.
@Suite struct TrainingOptimizerTests {
    /// AdamW against its closed form for two steps (Loshchilov & Hutter 2019, Algorithm 2
    /// with the schedule multiplier folded into η): m = 0.9m + 0.1g, v = β₂v + (1 − β₂)g²,
    /// p ← p − η·(m̂/(√v̂ + ε) + λ·p), decay on the weight matrix only; evaluated in Double,
    /// matched within relative 1e-6 (a few Float ulps of each step's arithmetic).
    @Test(arguments: [0.999, 0.95])
    func adamwMatchesClosedForm(beta2: Double) throws {
        let w0: [Double] = [0.5, -1, 0.25], b0: [Double] = [0.2]
        var net = try SequentialNetwork(inputShape: [3], layers: [
            .dense(DenseLayer(weight: Matrix(rows: 1, columns: 3, values: w0.map(Float.init)), bias: b0.map(Float.init))),
        ])
        let steps: [[[Float]]] = [[[0.1, -0.3, 0.02], [0.05]], [[-0.2, 0.4, 0.02], [0.1]]]
        var s = TrainingSettings()
        s.optimizer = .adamw
        s.weightDecay = 0.1
        s.beta2 = beta2
        let trainer = NetworkTrainer(settings: s)
        var state = NetworkTrainer.OptimizerState()
        let lr: [Float] = [0.01, 0.005]
        // The closed form.
        var p = [w0, b0], m = [[0.0, 0, 0], [0.0]], v = m
        for (t, g) in steps.enumerated() {
            state.step += 1
            trainer.apply(g, to: &net, state: &state, learningRate: lr[t])
            let c1 = 1 - pow(0.9, Double(t + 1)), c2 = 1 - pow(beta2, Double(t + 1))
            for k in 0..<2 {
                for i in p[k].indices {
                    let gi = Double(g[k][i])
                    m[k][i] = 0.9 * m[k][i] + 0.1 * gi
                    v[k][i] = beta2 * v[k][i] + (1 - beta2) * gi * gi
                    let decay = k == 0 ? 0.1 * p[k][i] : 0
                    p[k][i] -= Double(lr[t]) * ((m[k][i] / c1) / ((v[k][i] / c2).squareRoot() + 1e-8) + decay)
                }
            }
            guard case .dense(let d) = net.layers[0] else { Issue.record("not dense"); return }
            for (got, want) in zip(d.weight.values + d.bias, p[0] + p[1]) {
                #expect(abs(Double(got) - want) <= 1e-6 * abs(want), "step \(t + 1): \(got) vs closed form \(want)")
            }
        }
    }

    /// Adam keeps L2 decay in the gradient: with the same gradients its first step differs
    /// from AdamW's (the decay goes through the normalisation), and without decay the two are
    /// identical.
    @Test func adamAndAdamwDifferOnlyInDecay() throws {
        func step(_ optimizer: Optimizer, decay: Float) throws -> [Float] {
            var net = try SequentialNetwork(inputShape: [2], layers: [
                .dense(DenseLayer(weight: Matrix(rows: 1, columns: 2, values: [0.5, -1]), bias: [0])),
            ])
            var s = TrainingSettings()
            s.optimizer = optimizer
            s.weightDecay = decay
            var state = NetworkTrainer.OptimizerState()
            state.step = 1
            NetworkTrainer(settings: s).apply([[0.1, -0.3], [0.05]], to: &net, state: &state, learningRate: 0.01)
            guard case .dense(let d) = net.layers[0] else { return [] }
            return d.weight.values + d.bias
        }
        #expect(try step(.adam, decay: 0) == step(.adamw, decay: 0))
        #expect(try step(.adam, decay: 0.5) != step(.adamw, decay: 0.5))
        // Adam with decay: the first step is ±η whatever the decay (m̂/√v̂ = sign(g + λp)),
        // within Float rounding of the bias corrections.
        for (got, want) in zip(try step(.adam, decay: 0.5), [Float(0.49), -0.99, -0.01]) { #expect(abs(got - want) <= 1e-6) }
    }

    /// The learning rate per step: warm-up (s + 1)/W, then the per-step cosine from η to
    /// η_min over the remaining steps; `constant` and per-epoch `cosine` without warm-up give
    /// exactly the per-epoch rates of before (bit for bit). Tolerance 1 Float ulp-ish
    /// (relative 1e-6) for the closed forms evaluated in Double.
    @Test func scheduleValues() {
        let plan = LearningRatePlan(schedule: .cosinePerStep, base: 1, minimum: 0.1, epochs: 4, stepsPerEpoch: 10, warmupEpochs: 0.5)
        #expect(plan.warmupSteps == 5)
        #expect(plan.totalSteps == 40)
        func close(_ a: Float, _ b: Double) -> Bool { abs(Double(a) - b) <= 1e-6 * max(abs(b), 1e-3) }
        #expect(close(plan.rate(step: 0), 0.2))
        #expect(close(plan.rate(step: 2), 0.6))
        #expect(close(plan.rate(step: 4), 1))
        #expect(close(plan.rate(step: 5), 1))
        #expect(close(plan.rate(step: 22), 0.1 + 0.9 * (1 + cos(Double.pi * 17 / 35)) / 2))
        #expect(close(plan.rate(step: 39), 0.1 + 0.9 * (1 + cos(Double.pi * 34 / 35)) / 2))
        #expect(plan.rate(step: 1000) == plan.rate(step: 39))
        // Warm-up on the constant schedule, over one epoch of 7 steps.
        let warm = LearningRatePlan(schedule: .constant, base: 0.7, epochs: 3, stepsPerEpoch: 7, warmupEpochs: 1)
        #expect((0..<7).map { warm.rate(step: $0) } == (1...7).map { Float(0.7) * (Float($0) / 7) })
        #expect(warm.rate(step: 7) == 0.7 && warm.rate(step: 20) == 0.7)
        // A fraction of a step still warms up over one step.
        #expect(LearningRatePlan(schedule: .constant, base: 1, epochs: 1, stepsPerEpoch: 4, warmupEpochs: 0.01).warmupSteps == 1)
        // Per-epoch cosine and constant: the rates of every step of epoch e are the old
        // per-epoch formula's, bit for bit.
        for epochs in [1, 3, 15] {
            let cosine = LearningRatePlan(schedule: .cosine, base: 1e-3, epochs: epochs, stepsPerEpoch: 5)
            for e in 0..<epochs {
                let old = Float(1e-3) * Float(0.5 * (1 + cos(Double.pi * Double(e) / Double(epochs))))
                for s in 0..<5 { #expect(cosine.rate(step: e * 5 + s) == old) }
                #expect(LearningRateSchedule.cosine.rate(1e-3, epoch: e, of: epochs) == old)
                #expect(LearningRatePlan(schedule: .constant, base: 1e-3, epochs: epochs, stepsPerEpoch: 5).rate(step: e * 5) == 1e-3)
            }
        }
    }

    /// Output noise: (ỹ − y)/(max|x|·max|W|) over 200 × 60 outputs has σ within
    /// 4·σ/√(2N) of the configured 0.05 and mean within 4·σ/√N of 0 (seed fixed); a zero input
    /// row gives 0.
    @Test func outputNoiseStatistics() {
        var g = Xoshiro256(seed: 11)
        var x = Matrix(rows: 200, columns: 30, values: g.gaussians(6000))
        for j in 0..<30 { x[7, j] = 0 }
        let w = Matrix(rows: 60, columns: 30, values: g.gaussians(1800).map { 0.1 * $0 })
        let clean = BLAS.matmulTransposed(x, w)
        var y = clean
        var rng = Xoshiro256(seed: 12, .trainingOutputNoise, 0, 0)
        let sigma: Float = 0.05
        #expect(AnalogOutputStage(sigma: sigma).apply(&y, inputs: x, weightMax: w.maxAbs, rng: &rng) == nil)
        var r: [Double] = []
        for i in 0..<200 where i != 7 {
            let alpha = (0..<30).map { abs(x[i, $0]) }.max()!
            for j in 0..<60 { r.append(Double((y[i, j] - clean[i, j]) / (alpha * w.maxAbs))) }
        }
        let n = Double(r.count)
        let mean = r.reduce(0, +) / n
        let sd = (r.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / n).squareRoot()
        #expect(abs(mean) <= 4 * Double(sigma) / n.squareRoot(), "mean \(mean)")
        #expect(abs(sd - Double(sigma)) <= 4 * Double(sigma) / (2 * n).squareRoot(), "σ \(sd)")
        #expect((0..<60).allSatisfy { y[7, $0] == 0 })
        // The same seed draws the same noise.
        var again = clean
        var rng2 = Xoshiro256(seed: 12, .trainingOutputNoise, 0, 0)
        _ = AnalogOutputStage(sigma: sigma).apply(&again, inputs: x, weightMax: w.maxAbs, rng: &rng2)
        #expect(again == y)
    }

    /// The ADC: every output lands on the grid k·Δ·α·β, Δ = 2b/(2^bits − 2), within Δ/2 of the
    /// exact output where it does not clip, at ±b·α·β where it clips; the mask marks exactly
    /// the clipped outputs.
    @Test func adcQuantisesAndMasksClipping() throws {
        var g = Xoshiro256(seed: 13)
        let x = Matrix(rows: 50, columns: 20, values: g.gaussians(1000))
        let w = Matrix(rows: 16, columns: 20, values: g.gaussians(320).map { 0.3 * $0 })
        let clean = BLAS.matmulTransposed(x, w)
        var y = clean
        var rng = Xoshiro256(seed: 14)
        let adc = try Quantizer(bits: 5, range: 1.5)
        let mask = AnalogOutputStage(adc: adc).apply(&y, inputs: x, weightMax: w.maxAbs, rng: &rng)
        let step = 2 * 1.5 / Float(30)
        #expect(adc.step == step)
        var clipped = 0
        for i in 0..<50 {
            let s = (0..<20).map { abs(x[i, $0]) }.max()! * w.maxAbs
            for j in 0..<16 {
                let z = clean[i, j] / s, q = y[i, j] / s
                let k = (q / step).rounded()
                #expect(abs(q - k * step) <= 1e-5)
                if abs(z) > 1.5 + step / 2 {
                    clipped += 1
                    #expect(abs(abs(q) - 1.5) <= 1e-5)
                    #expect(mask?[i * 16 + j] == 0)
                } else if abs(z) < 1.5 {
                    #expect(abs(q - z) <= step / 2 + 1e-5)
                    #expect(mask == nil || mask![i * 16 + j] == 1)
                }
            }
        }
        #expect(clipped > 0, "the test should clip some outputs")
    }

    /// Straight-through estimator: with output noise and an ADC on a one-layer network, the
    /// gradients are the noiseless backward evaluated at the noisy logits, dW = dzᵀ·x and
    /// db = Σ dz with dz = (softmax(ỹ) − onehot)/batch, where ỹ is the stage's output (same
    /// stream) plus bias; with clipping, the clipped outputs' dz is zeroed in dW only (the bias
    /// is added after the ADC). Exact up to BLAS vs Double summation (relative 1e-5).
    @Test(arguments: [Float(12), Float(0.3)])
    func straightThroughGradient(range: Float) throws {
        var g = Xoshiro256(seed: 15)
        let d = DenseLayer(weight: Matrix(rows: 5, columns: 12, values: g.gaussians(60).map { 0.3 * $0 }), bias: g.gaussians(5))
        var net = try SequentialNetwork(inputShape: [12], layers: [.dense(d)])
        let x = Matrix(rows: 8, columns: 12, values: g.gaussians(96))
        let labels = [0, 1, 2, 3, 4, 0, 1, 2]
        let stage = AnalogOutputStage(sigma: 0.02, adc: try Quantizer(bits: 8, range: range))
        let trainer = NetworkTrainer(settings: TrainingSettings())
        let (_, grads) = try trainer.gradients(&net, x, labels, output: stage, outputRNG: Xoshiro256(seed: 16))
        var y = BLAS.matmulTransposed(x, d.weight)
        var rng = Xoshiro256(seed: 16)
        let mask = stage.apply(&y, inputs: x, weightMax: d.weight.maxAbs, rng: &rng)
        #expect((mask != nil) == (range < 1), "range \(range): clipping expected only for the small range")
        addBias(&y, d.bias)
        let (_, dz) = NetworkTrainer.softmaxCrossEntropy(y, labels)
        for o in 0..<5 {
            var db = 0.0
            for r in 0..<8 { db += Double(dz[r, o]) }
            #expect(abs(Double(grads[1][o]) - db) <= 1e-5 * max(abs(db), 1e-2))
            for i in 0..<12 {
                var dw = 0.0
                for r in 0..<8 { dw += Double(dz[r, o] * (mask?[r * 5 + o] ?? 1)) * Double(x[r, i]) }
                #expect(abs(Double(grads[0][o * 12 + i]) - dw) <= 1e-5 * max(abs(dw), 1e-2), "dW[\(o), \(i)]")
            }
        }
    }

    /// Hardware-aware training with output noise and an ADC trains (the loss falls) and is
    /// deterministic for a seed; digitally placed layers get neither.
    @Test func outputNoiseTrainingIsDeterministic() throws {
        func run(_ placement: Placement) throws -> (SequentialNetwork, [Double]) {
            BLAS.setThreads(1)
            var net = try SequentialNetwork(inputShape: [1, 6, 6], layers: [
                .conv2d(Conv2d(inChannels: 1, outChannels: 4, kernel: 3, seed: 1, index: 0)), .relu, .flatten,
                .dense(DenseLayer(weight: DenseLayer.heNormal(inputs: 64, outputs: 3, seed: 2).weight, bias: [0, 0, 0], placement: placement)),
            ])
            var g = Xoshiro256(seed: 3)
            let x = Matrix(rows: 48, columns: 36, values: g.gaussians(48 * 36))
            let labels = (0..<48).map { r in (0..<3).max { x[r, $0] < x[r, $1] }! }
            var s = TrainingSettings()
            s.epochs = 4
            s.batchSize = 16
            s.learningRate = 0.01
            s.optimizer = .adamw
            s.weightDecay = 0.05
            s.warmupEpochs = 1
            var hwa = HardwareAwareSettings()
            hwa.output = AnalogOutputStage(sigma: 0.05, adc: try Quantizer(bits: 6, range: 4))
            var losses: [Double] = []
            try NetworkTrainer(settings: s, hardwareAware: hwa, schedule: .cosinePerStep).train(&net, images: x, labels: labels) { losses.append($1) }
            return (net, losses)
        }
        let (a, la) = try run(.analog), (b, _) = try run(.analog)
        #expect(a == b)
        #expect(la.last! < la.first!, "losses \(la)")
        let (c, _) = try run(.digital)
        #expect(c != a)
    }
}

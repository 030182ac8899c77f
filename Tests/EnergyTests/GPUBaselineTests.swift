import Energy
import Networks
import NumericKernels
import TestSupport
import Testing

/// A made-up GPU with round numbers for hand computation: 100 W, 1e12 op/s FP32,
/// 1e14 BF16, 2e14 INT8, 1e11 B/s, 1 pJ/bit; idle 10–20 W, eager launch 2–5 µs, graph
/// 3–10 µs + 0.5–1 µs per node, minimal GEMM 4–8 µs, efficiencies 1–0.5, 4 SMs, GEMM tiles
/// of 100 × 100, 1 MB of L2 at 1e12 B/s and 0.1 pJ/bit.
func roundGPU() -> GPUProfile {
    var g = GPUProfile()
    g.name = "round"
    g.source = "test"
    g.boardPower = 100
    g.peakFP32 = 1e12
    g.peakBF16 = 1e14
    g.peakINT8 = 2e14
    g.memoryBandwidth = 1e11
    g.memoryEnergyPerBit = 1e-12
    g.idlePower = GPURange(10, 20)
    g.eagerLaunch = GPURange(2e-6, 5e-6)
    g.graphLaunch = GPURange(3e-6, 10e-6)
    g.graphPerNode = GPURange(0.5e-6, 1e-6)
    g.minKernelTime = GPURange(4e-6, 8e-6)
    g.computeEfficiency = GPURange(1, 0.5)
    g.memoryEfficiency = GPURange(1, 0.5)
    g.smCount = 4
    g.gemmTile = 100
    g.l2Bytes = 1e6
    g.l2Bandwidth = 1e12
    g.l2EnergyPerBit = 1e-13
    return g
}

struct GPUBaselineTests {
    /// Compute bound: 1000 × 1000 layer (ReLU), batch 1000, FP32.
    /// ops = 2·1000·1000·1000 + 2·1000·1000 = 2.002e9 → 2.002e-3 s at 1e12 op/s;
    /// bytes = (1e6 + 1e3)·4 + 1000·2000·4 = 1.2004e7 → 1.2004e-4 s at 1e11 B/s;
    /// energy = 2.002e9 · (100/1e12) + 8 · 1.2004e7 · 1e-12 = 0.2002 + 9.6032e-5 J.
    @Test func rooflineComputeBound() {
        let l = GPURoofline.layer(index: 0, inputs: 1000, outputs: 1000, activation: true, batch: 1000, precision: .fp32, gpu: roundGPU())
        #expect(l.operations == 2.002e9)
        #expect(l.bytes == 1.2004e7)
        #expect(l.bound == "compute")
        #expect(abs(l.timeS - 2.002e-3) / 2.002e-3 < 1e-12)
        #expect(abs(l.joules - (0.2002 + 9.6032e-5)) / 0.2003 < 1e-12)
    }

    /// Memory bound: 1000 × 1000 layer (no ReLU), batch 1, INT8.
    /// ops = 2·1e6 + 1e3 = 2.001e6 → 1.0005e-8 s at 2e14 op/s;
    /// bytes = (1e6 + 1e3)·1 + 1·2000·1 = 1.003e6 → 1.003e-5 s at 1e11 B/s;
    /// energy = 2.001e6 · 5e-13 + 8 · 1.003e6 · 1e-12 = 1.0005e-6 + 8.024e-6 J.
    @Test func rooflineMemoryBound() {
        let l = GPURoofline.layer(index: 0, inputs: 1000, outputs: 1000, activation: false, batch: 1, precision: .int8, gpu: roundGPU())
        #expect(l.operations == 2.001e6)
        #expect(l.bytes == 1.003e6)
        #expect(l.bound == "memory")
        #expect(abs(l.timeS - 1.003e-5) / 1.003e-5 < 1e-12)
        #expect(abs(l.joules - (1.0005e-6 + 8.024e-6)) / 9.0245e-6 < 1e-12)
    }

    /// A network's estimate sums its layers and divides by the batch.
    @Test func networkEstimateSumsLayers() throws {
        let net = try Architectures.mlp(features: 1000, hidden: [1000], classes: 10).build(arrays: nil, seed: 1)
        let e = try GPUEnergyEstimate.estimate(network: net, batch: 4, precision: .bf16, gpu: roundGPU())
        #expect(e.layers.map(\.kind) == ["dense", "dense"])
        let l0 = GPURoofline.layer(index: 0, inputs: 1000, outputs: 1000, activation: true, batch: 4, precision: .bf16, gpu: roundGPU())
        let l1 = GPURoofline.layer(index: 1, inputs: 1000, outputs: 10, activation: false, batch: 4, precision: .bf16, gpu: roundGPU())
        #expect(abs(e.joulesPerInference - (l0.joules + l1.joules) / 4) <= 1e-15 * e.joulesPerInference)
        #expect(e.latencyS == l0.timeS + l1.timeS)
        #expect(abs(e.topsPerWatt - 2 * 1_010_000 / e.joulesPerInference / 1e12) <= 1e-9 * e.topsPerWatt)
    }

    /// bfloat16 rounding: exact values pass, ties go to even, 8 significant bits.
    @Test func bf16Rounding() {
        #expect(DigitalPrecision.roundToBF16(1) == 1)
        #expect(DigitalPrecision.roundToBF16(1 + 1.0 / 256) == 1)  // tie → even (1.0)
        #expect(DigitalPrecision.roundToBF16(1 + 3.0 / 256) == 1 + 4.0 / 256)  // tie → even
        #expect(DigitalPrecision.roundToBF16(1 + 1.0 / 128) == 1 + 1.0 / 128)
        #expect(DigitalPrecision.roundToBF16(-3.14159) == -3.140625)
    }

    /// INT8: levels clamp to ±127, the largest value maps to ±127, the scale is max|v|/127.
    @Test func int8Quantisation() {
        let (q, s) = DigitalPrecision.quantizeINT8([0.5, -1, 0.25, 0][...])
        #expect(s == Float(1) / 127)
        #expect(q == [64, -127, 32, 0])  // 63.5 → 64 (half to even), 31.75 → 32
        let (z, sz) = DigitalPrecision.quantizeINT8([0, 0][...])
        #expect(z == [0, 0] && sz == 1)
    }

    /// The emulated formats stay close to FP32 on a random network: BF16 logits within 2 %
    /// of the logit range, INT8 within 5 %; FP32 is exactly `SequentialNetwork.forward`.
    @Test func emulatedPrecisionsTrackFP32() throws {
        let model = try Architectures.mlp(features: 64, hidden: [32], classes: 10).build(arrays: nil, seed: 3)
        var rng = Xoshiro256(seed: 4)
        let x = Matrix(rows: 50, columns: 64, values: (0..<3200).map { _ in rng.nextUniform() })
        let ref = try model.forward(x)
        #expect(try DigitalPrecision.fp32.forward(model, x) == ref)
        let range = Double(ref.values.max()! - ref.values.min()!)
        for (p, tol): (DigitalPrecision, Double) in [(.bf16, 0.02), (.int8, 0.05)] {
            let y = try p.forward(model, x)
            let err = zip(y.values, ref.values).map { Double(abs($0 - $1)) }.max()!
            #expect(err / range < tol, "\(p): max error \(err) of range \(range)")
            #expect(err > 0, "\(p) must differ from FP32")
        }
    }
}

import Energy
import ExperimentKit
import Foundation
import Networks
import TestSupport
import Testing

/// The realistic GPU estimate (`GPUExecution`) against hand computations on `roundGPU()`,
/// and against the roofline and the published board power on the committed profiles.
struct GPUExecutionTests {
    static func kernels(_ net: SequentialNetwork, batch: Int, _ p: DigitalPrecision = .int8) throws -> [GPURoofline.Layer] {
        try GPURoofline.kernels(net.foldingBatchNorm(), batch: batch, precision: p, gpu: roundGPU())
    }

    /// 1000 → 1000 (ReLU) → 10 at batch 1, INT8, eager, best end. Weights 1 011 010 B > 1 MB
    /// of L2: read from HBM. Kernel 0: GEMM 1 × 1000 → 10 tiles of 100 on 4 SMs, 3 waves,
    /// w = 10/12; compute 2.002e6 / (10/12 · 2e14) = 1.2012e-8 s; memory 1.003e6 B / 1e11 =
    /// 1.003e-5 s → step 1.003e-5 s (memory). Kernel 1: compute 20 010 / (1/4 · 2e14) = 4.0e-10
    /// s, memory 11 020 / 1e11 = 1.102e-7 s, minimal GEMM 4e-6 s → step 4e-6 s (min_kernel).
    /// Latency 1.403e-5 s; energy 10 W · 1.403e-5 + 2 022 010 · (100 − 10)/2e14 +
    /// 8 · 1 014 020 · 1e-12 = 1.403e-4 + 9.099045e-7 + 8.11216e-6 J. Relative 1e-12.
    @Test func eagerBatchOneByHand() throws {
        let net = try Architectures.mlp(features: 1000, hidden: [1000], classes: 10).build(arrays: nil, seed: 1)
        let k = try Self.kernels(net, batch: 1)
        let e = GPUExecution.estimate(kernels: k, batch: 1, precision: .int8, gpu: roundGPU(), mode: .eager, end: .best, macsPerInference: 1_010_000)
        #expect(!e.weightsInL2)
        #expect(e.kernels.map(\.bound) == ["memory", "min_kernel"])
        #expect(abs(e.kernels[0].computeS - 1.2012e-8) / 1.2012e-8 < 1e-12)
        #expect(abs(e.latencyS - 1.403e-5) / 1.403e-5 < 1e-12)
        let want = 1.403e-4 + 9.099045e-7 + 8.11216e-6
        #expect(abs(e.joulesPerInference - want) / want < 1e-12, "\(e.joulesPerInference) J")
        #expect(abs(e.staticJoules - 1.403e-4) / 1.403e-4 < 1e-12)
    }

    /// A network whose weights fit in L2 (100 → 100 → 10: 11 110 B ≤ 1 MB) reads nothing from
    /// HBM; in a CUDA graph at the worst end: 10 µs + 2 × max(1 µs, 8 µs minimal GEMM) = 26 µs,
    /// energy 20 W · 26 µs + ops · 80/2e14 + 8 · bytes · 1e-13.
    @Test func l2ResidentGraphWorstCase() throws {
        let net = try Architectures.mlp(features: 100, hidden: [100], classes: 10).build(arrays: nil, seed: 1)
        let k = try Self.kernels(net, batch: 1)
        let e = GPUExecution.estimate(kernels: k, batch: 1, precision: .int8, gpu: roundGPU(), mode: .cudaGraph, end: .worst, macsPerInference: 11_000)
        #expect(e.weightsInL2)
        #expect(abs(e.latencyS - 26e-6) / 26e-6 < 1e-12)
        let ops = k.reduce(0) { $0 + $1.operations }, bytes = k.reduce(0) { $0 + $1.bytes }
        let want = 20 * 26e-6 + ops * 80 / 2e14 + 8 * bytes * 1e-13
        #expect(abs(e.joulesPerInference - want) / want < 1e-12)
    }

    /// Wave quantisation: a compute-bound FP32 GEMM of 500 × 1000 outputs (5 × 10 = 50 tiles
    /// on 4 SMs: 13 waves, w = 50/52), ops 2·500·1e6 + 500·1000 = 1.0005e9 at the best end:
    /// 1.0005e9 / (50/52 · 1e12) = 1.04052e-3 s (memory 8.004e6 B / 1e11 = 8.0e-5 s).
    @Test func waveQuantisationSetsTheComputeTime() {
        let l = GPURoofline.layer(index: 0, inputs: 1000, outputs: 1000, activation: false, batch: 500, precision: .fp32, gpu: roundGPU())
        let e = GPUExecution.estimate(kernels: [l], batch: 500, precision: .fp32, gpu: roundGPU(), mode: .eager, end: .best, macsPerInference: 1_000_000)
        #expect(e.kernels[0].bound == "compute")
        #expect(abs(e.kernels[0].computeS - 1.0005e9 / (50.0 / 52.0 * 1e12)) / 1.04052e-3 < 1e-12)
        #expect(abs(e.latencyS - e.kernels[0].computeS) <= 1e-18)
    }

    /// Every architecture on every committed profile, batch 1 and 1000, both modes and ends:
    /// the realistic estimate is never below the roofline in latency, the worst end never
    /// below the best, and the energy is never below the idle floor × latency.
    @Test(arguments: ["mlp", "lenet5", "resnet"])
    func realisticIsAboveTheRooflineForEveryArchitecture(arch: String) throws {
        let d: NetworkDescription
        switch arch {
        case "mlp": d = Architectures.mlp(features: 784, hidden: [256, 128], classes: 10)
        case "lenet5": d = try Architectures.lenet5()
        default: d = try Architectures.resnet()
        }
        let net = try d.build(arrays: nil, seed: 1)
        for path in yamlFiles(under: "Circuits/gpus") {
            let g = try GPUKeys.load(path, circuits: repositoryRoot.appendingPathComponent("Circuits"))
            for batch in [1, 1000] {
                let e = try GPUEnergyEstimate.estimate(network: net, batch: batch, precision: .int8, gpu: g)
                #expect(e.realistic.count == 4)
                for mode in GPULaunchMode.allCases {
                    let best = try #require(e.realistic(mode, .best)), worst = try #require(e.realistic(mode, .worst))
                    #expect(best.latencyS >= e.latencyS && worst.latencyS >= best.latencyS, "\(arch) \(g.name) \(batch) \(mode)")
                    #expect(worst.joulesPerInference >= best.joulesPerInference)
                    #expect(best.joulesPerInference >= g.idlePower.best * best.latencyS / Double(batch) * (1 - 1e-12))
                    #expect(best.kernels.count == e.layers.count)
                }
            }
        }
    }

    /// H100, the main job's MLP at batch 1: the board draws between its idle-with-context
    /// floor (94 W) and the 200 W published for batch-1 loops (shared/reference/ENERGY.md),
    /// and a CUDA-graph inference takes microseconds (kernels × launch), not the roofline's
    /// 70.7 ns: 10–50 µs.
    @Test func h100BatchOneMatchesPublishedPowerAndLaunchScale() throws {
        let net = try Architectures.mlp(features: 784, hidden: [256, 128], classes: 10).build(arrays: nil, seed: 1)
        let g = try GPUKeys.load("gpus/nvidia-h100-sxm.yaml", circuits: repositoryRoot.appendingPathComponent("Circuits"))
        let e = try GPUEnergyEstimate.estimate(network: net, batch: 1, precision: .int8, gpu: g)
        for r in e.realistic {
            let watts = r.joulesPerInference / r.latencyS
            #expect(watts >= 94 && watts <= 200, "\(r.mode) \(r.end): \(watts) W")
            #expect(r.latencyS >= 10e-6 && r.latencyS <= 50e-6, "\(r.mode) \(r.end): \(r.latencyS) s")
        }
        #expect(e.realistic.allSatisfy { $0.weightsInL2 })  // 235 kB of INT8 weights in 50 MB of L2
    }

    /// A profile with a range in the wrong order is rejected, naming the key.
    @Test func misorderedRangeIsRejected() {
        var g = roundGPU()
        g.eagerLaunch = GPURange(5e-6, 2e-6)
        #expect(throws: EnergyError.self) { try g.validate() }
        g = roundGPU()
        g.computeEfficiency = GPURange(0.5, 0.9)
        #expect(throws: EnergyError.self) { try g.validate() }
    }
}

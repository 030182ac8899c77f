import Crossbar
import Energy
import ExperimentKit
import Foundation
import Networks
import NumericKernels
import TestSupport
import Testing

/// Analogue/digital placement of a transformer's matrices (`Placement`, `PlacementPolicy`,
/// `network.placement.*`) and the energy that follows it.
@Suite struct PlacementTests {
    /// A small vision transformer in timm's layout for `[1, side, side]` images: 2 × 2 patches
    /// (4 tokens + the class token), width 16, one attention block, and a feed-forward block
    /// that is a mixture of 4 experts (`moe`) or a dense MLP.
    static func vitYAML(moe: Bool, side: Int = 8) -> String {
        let ffn = moe
            ? "[{type: layer_norm, name: blocks.0.norm2, dim: 16}, {type: moe, name: blocks.0.moe, dim: 16, hidden: 24, experts: 4, top_k: 2}]"
            : "[{type: layer_norm, name: blocks.0.norm2, dim: 16}, {type: linear, name: blocks.0.mlp.fc1, in_features: 16, out_features: 24}, {type: gelu}, {type: linear, name: blocks.0.mlp.fc2, in_features: 24, out_features: 16}]"
        return """
            input: [1, \(side), \(side)]
            layers:
              - {type: conv2d, name: patch_embed.proj, in_channels: 1, out_channels: 16, kernel_size: \(side / 2), stride: \(side / 2)}
              - {type: tokens}
              - {type: class_token, name: cls_token, dim: 16}
              - {type: pos_embedding, name: pos_embed, tokens: 5, dim: 16}
              - type: residual
                body: [{type: layer_norm, name: blocks.0.norm1, dim: 16}, {type: attention, name: blocks.0.attn, dim: 16, heads: 2}]
              - type: residual
                body: \(ffn)
              - {type: layer_norm, name: norm, dim: 16}
              - {type: token_pool, mode: cls}
              - {type: linear, name: head, in_features: 16, out_features: 10}
            """
    }

    /// The network of `vitYAML` with random (seeded) weights.
    static func vit(moe: Bool, seed: UInt64 = 3) throws -> SequentialNetwork {
        try NetworkImport.description(yaml: vitYAML(moe: moe), file: "vit.yaml").build(arrays: nil, seed: seed)
    }

    /// Every weighted matrix of `network` placed `p`.
    static func placing(_ network: SequentialNetwork, _ p: Placement) -> SequentialNetwork {
        network.mappingLayers { l in
            switch l {
            case .dense(var d):
                d.placement = p
                return .dense(d)
            case .conv2d(var c):
                c.placement = p
                return .conv2d(c)
            case .attention(var a):
                a.qkv.placement = p
                a.proj.placement = p
                return .attention(a)
            case .mixtureOfExperts(var m):
                m.router.placement = p
                for e in m.experts.indices {
                    m.experts[e].fc1.placement = p
                    m.experts[e].fc2.placement = p
                }
                return .mixtureOfExperts(m)
            default: return l
            }
        }
    }

    /// PCM with programming, drift and read noise, 7-bit DAC, 8-bit ADC, output noise, small
    /// tiles (attention's qkv spans two tile columns).
    static func noisyPCM() throws -> HardwareSpec {
        var spec = HardwareSpec()
        spec.tileRows = 16
        spec.tileColumns = 24
        spec.dac = try Quantizer(bits: 7, range: 1)
        spec.adc = try Quantizer(bits: 8, range: 6)
        spec.outputNoise = 0.05
        return spec
    }

    static func input(_ n: Int, seed: UInt64 = 1) -> Matrix {
        var g = Xoshiro256(seed: seed)
        return Matrix(rows: n, columns: 64, values: (0..<(n * 64)).map { _ in g.nextUniform() })
    }

    static func analog(_ network: SequentialNetwork, _ spec: HardwareSpec, _ x: Matrix, compensation: DriftCompensation = .none) throws -> (Matrix, [ConversionStats]) {
        let readout = try AnalogSequentialNetwork(network: network, spec: spec).program(seed: 7).readout(tInference: 86400)
        var rng = Xoshiro256(seed: 9)
        var stats: [ConversionStats] = []
        return (try readout.forward(x, compensation: compensation, rng: &rng, stats: &stats), stats)
    }

    /// Ideal hardware (ideal device and converters, no noise) reproduces the digital logits
    /// of the ViT and the MoE-ViT within 1e-4 of the largest logit (the tiles scale inputs and
    /// weights, so float rounding differs), and gives the same predictions; analogue, mixed
    /// and all-digital placements alike.
    @Test(arguments: [false, true])
    func idealHardwareGivesTheDigitalLogits(_ moe: Bool) throws {
        let net = try Self.vit(moe: moe)
        let x = Self.input(40)
        let digital = try net.forward(x)
        let mixed = PlacementPolicy(expertsDigitalFraction: 0.5, attention: .digital).apply(to: net)
        for (name, n) in [("analog", net), ("mixed", mixed), ("digital", Self.placing(net, .digital))] {
            for c in [DriftCompensation.none, .global] {
                let (y, stats) = try Self.analog(n, .ideal, x, compensation: c)
                let worst = zip(y.values, digital.values).map { abs($0 - $1) }.max() ?? 0
                #expect(worst <= 1e-4 * max(digital.maxAbs, 1), "\(name) \(c) moe \(moe): \(worst)")
                #expect(argmaxRows(y) == argmaxRows(digital), "\(name) \(c) moe \(moe)")
                #expect(stats.count == net.weightedLayers.count)
            }
        }
    }

    /// Every matrix placed digitally: the logits equal `SequentialNetwork.forward`'s bit for
    /// bit whatever the hardware (noisy PCM, converters, output noise, a year of drift), no
    /// tile is programmed and no converter counted; also through the shared-read path of
    /// several compensation methods.
    @Test(arguments: [false, true])
    func allDigitalPlacementEqualsDigital(_ moe: Bool) throws {
        let net = Self.placing(try Self.vit(moe: moe), .digital)
        let x = Self.input(33)
        let digital = try net.forward(x)
        let analog = try AnalogSequentialNetwork(network: net, spec: try Self.noisyPCM())
        #expect(analog.units.allSatisfy { $0.tileCount == 0 && $0.placement == .digital })
        let readout = analog.program(seed: 7).readout(tInference: 31_536_000)
        var rng = Xoshiro256(seed: 9)
        var stats: [ConversionStats] = []
        #expect(try readout.forward(x, compensation: .global, rng: &rng, stats: &stats) == digital)
        #expect(stats.allSatisfy { $0.adcConversions == 0 && $0.dacConversions == 0 && $0.operations.tileReads == 0 })
        #expect(stats[0].operations.inputVectors == 33 * 4)  // the patch embedding: 4 pixels per image
        var shared = Xoshiro256(seed: 9)
        var st: [ConversionStats] = []
        for y in try readout.forward(x, compensations: [.none, .global, .globalExact], rng: &shared, stats: &st) { #expect(y == digital) }
    }

    /// A mixed placement on noisy PCM: the digitally placed matrices program no tiles and
    /// count no conversions, the analogue ones do; the result differs from digital (noise)
    /// but is reproducible.
    @Test func mixedPlacementCountsOnlyTheTiles() throws {
        let net = PlacementPolicy(expertsDigitalFraction: 0.25, attention: .digital, router: .digital).apply(to: try Self.vit(moe: true))
        let placements = net.weightedLayers.map(\.placement)
        // conv, qkv, proj, router, 4 × (fc1, fc2), head
        #expect(placements.count == 1 + 2 + 1 + 8 + 1)
        #expect(placements.filter { $0 == .digital }.count == 2 + 1 + 2)
        let (a, stats) = try Self.analog(net, try Self.noisyPCM(), Self.input(20))
        let (b, _) = try Self.analog(net, try Self.noisyPCM(), Self.input(20))
        #expect(a == b)
        for (p, s) in zip(placements, stats) {
            if p == .digital { #expect(s.adcConversions == 0 && s.operations.tileReads == 0) } else { #expect(s.operations.tileReads > 0 || s.operations.inputVectors == 0) }
        }
    }

    /// ADC ranges calibrated on a batch (`calibrated`, `calibrated_per_column`) with the
    /// first weighted layer, attention and some experts placed digitally: the calibration
    /// pass runs the digital matrices digitally, calibrates the tiles, and the readout is
    /// reproducible; all digital, it is the digital network.
    @Test(arguments: [ADCRangePolicy.calibrated, .calibratedPerColumn])
    func calibratedADCWithDigitalMatrices(_ policy: ADCRangePolicy) throws {
        var net = PlacementPolicy(expertsDigitalFraction: 0.5, attention: .digital).apply(to: try Self.vit(moe: true))
        if case .conv2d(var c) = net.layers[0] {
            c.placement = .digital
            net.layers[0] = .conv2d(c)
        }
        var spec = try Self.noisyPCM()
        spec.adcRangePolicy = policy
        let x = Self.input(10)
        let a = try AnalogSequentialNetwork(network: net, spec: spec, calibration: Self.input(16, seed: 2))
        let readout = a.program(seed: 7).readout(tInference: 3600)
        #expect(readout.calibrationError == nil)
        var r1 = Xoshiro256(seed: 1), r2 = Xoshiro256(seed: 1)
        var s1: [ConversionStats] = [], s2: [ConversionStats] = []
        let y1 = try readout.forward(x, compensation: .none, rng: &r1, stats: &s1)
        #expect(y1 == (try readout.forward(x, compensation: .none, rng: &r2, stats: &s2)))
        let digital = Self.placing(net, .digital)
        let d = try AnalogSequentialNetwork(network: digital, spec: spec, calibration: Self.input(16, seed: 2)).program(seed: 7).readout(tInference: 3600)
        var r3 = Xoshiro256(seed: 1)
        var s3: [ConversionStats] = []
        #expect(try d.forward(x, compensation: .none, rng: &r3, stats: &s3) == (try digital.forward(x)))
    }

    /// The policy places the ⌈p·E⌉ experts with the highest maximum neuron norm digitally:
    /// hand-made experts whose fc1 rows have known norms.
    @Test func policyPicksTheHighestScoringExperts() throws {
        // Expert e's fc1 [3 × 2]: row norms; the max is the score.
        let maxNorms: [Float] = [1, 5, 2, 5, 0.5, 3, 4, 0.25]
        let experts = maxNorms.map { m -> ExpertMLP in
            // rows (m·0.6, m·0.8) → norm m; (0.1, 0) → 0.1; (0, 0.2) → 0.2
            let fc1 = DenseLayer(weight: Matrix(rows: 3, columns: 2, values: [0.1, 0, m * 0.6, m * 0.8, 0, 0.2]), bias: [0, 0, 0])
            let fc2 = DenseLayer(weight: Matrix(rows: 2, columns: 3, values: [Float](repeating: 10 - m, count: 6)), bias: [0, 0])
            return ExpertMLP(fc1: fc1, fc2: fc2)
        }
        let m = MixtureOfExperts(router: DenseLayer(weight: Matrix(rows: 8, columns: 2), bias: [Float](repeating: 0, count: 8)), experts: experts, topK: 2)
        for (e, x) in experts.enumerated() { #expect(abs(ExpertScore.maxNeuronNorm.score(x) - Double(maxNorms[e])) < 1e-6) }
        let net = try SequentialNetwork(inputShape: [2], layers: [.mixtureOfExperts(m)])
        func digital(_ p: Double, _ score: ExpertScore = .maxNeuronNorm) -> [Int] {
            PlacementPolicy(expertsDigitalFraction: p, score: score).digitalExperts(net)[0]
        }
        #expect(digital(0) == [])
        #expect(digital(0.125) == [1])  // 5 and 5 tie: the lower index first
        #expect(digital(0.25) == [1, 3])
        #expect(digital(0.3) == [1, 3, 6])  // ⌈2.4⌉ = 3
        #expect(digital(0.5) == [1, 3, 5, 6])
        #expect(digital(1) == Array(0..<8))
        // frobenius_norm ranks by whole-expert magnitude: fc2's (10 − m) dominates.
        #expect(digital(0.125, .frobeniusNorm) == [7])
        let placed = PlacementPolicy(expertsDigitalFraction: 0.25).apply(to: net)
        guard case .mixtureOfExperts(let pm) = placed.layers[0] else { Issue.record("not a moe"); return }
        #expect(pm.experts.enumerated().filter { $0.element.fc1.placement == .digital && $0.element.fc2.placement == .digital }.map(\.offset) == [1, 3])
        #expect(pm.router.placement == .analog)
    }

    /// ⌈p·E⌉, with products within 1e-9 of an integer taken as that integer.
    @Test func digitalExpertCountRoundsUp() {
        #expect(PlacementPolicy.digitalExpertCount(fraction: 0.125, experts: 8) == 1)
        #expect(PlacementPolicy.digitalExpertCount(fraction: 0.125, experts: 6) == 1)
        #expect(PlacementPolicy.digitalExpertCount(fraction: 0.3, experts: 10) == 3)
        #expect(PlacementPolicy.digitalExpertCount(fraction: 0.01, experts: 4) == 1)
        #expect(PlacementPolicy.digitalExpertCount(fraction: 0, experts: 4) == 0)
        #expect(PlacementPolicy.digitalExpertCount(fraction: 1, experts: 7) == 7)
    }

    /// A fully digital network has no analogue tile energy; its digital part is the closed
    /// form Σ over matrices of vectors × (in·out·(E_MAC + 4 B·E_SRAM) + out·E_bias + (in + out)·
    /// bytes·E_SRAM) with the HERMES model's constants (relative 1e-12), plus attention's
    /// QKᵀ and A·V at 2·T²·D MACs × E_MAC.
    @Test func fullyDigitalEnergyIsTheClosedForm() throws {
        let net = Self.placing(try Self.vit(moe: false), .digital)
        let n = 12
        let analog = try AnalogSequentialNetwork(network: net, spec: try Self.noisyPCM())
        var rng = Xoshiro256(seed: 9)
        var stats: [ConversionStats] = []
        _ = try analog.program(seed: 7).readout(tInference: 1).forward(Self.input(n), compensation: .none, rng: &rng, stats: &stats)
        for i in stats.indices { stats[i].operations.inputVectors = n }  // per sample, as EnergyReporter does
        let c = try ExperimentConfig.load(path: try Self.hermesConfig())
        let model = try #require(try c.energyModel())
        let geometry = analog.units.map { LayerGeometry(inputs: $0.inputs, outputs: $0.outputs, tiles: $0.tileCount, digital: $0.placement == .digital) }
        let e = try AnalogEnergyEstimate.estimate(model: model, spec: try Self.noisyPCM(), layers: geometry, stats: stats)
        #expect(e.breakdown.total == 0)
        #expect(e.area.tiles == 0)
        // (inputs, outputs, vectors per sample): the patch convolution on 4 patches; qkv, proj, fc1, fc2 on 5 tokens; the head once.
        let shapes: [(Double, Double, Double)] = [(16, 16, 4), (16, 48, 5), (16, 16, 5), (16, 24, 5), (24, 16, 5), (16, 10, 1)]
        let buffer = model.bufferEnergyPerByte, bytes = Double(model.bytesPerActivation)
        let expected = shapes.reduce(0.0) { sum, s in
            let (i, o, v) = s
            return sum + v * (i * o * (model.digitalMACEnergy + 4 * buffer) + o * model.activationEnergy + (i + o) * bytes * buffer)
        }
        let d = try #require(e.digitalMatrices)
        #expect(abs(d.total - expected) <= 1e-12 * expected)
        #expect(abs(e.joulesPerInference - expected) <= 1e-12 * expected)
        #expect(d.matrices == 6)
        #expect(d.macsPerInference == shapes.reduce(0.0) { $0 + $1.0 * $1.1 * $1.2 })
        // Attention's QKᵀ and A·V: 2·T²·D = 2·5²·16 MACs per sample, at the FP32 MAC price.
        #expect(DigitalMatrixEnergy.attentionMACs(net) == 800)
        let withAttention = try AnalogEnergyEstimate.estimate(model: model, spec: try Self.noisyPCM(), layers: geometry, stats: stats, attentionMACs: 800)
        let attention = 800 * model.digitalMACEnergy
        #expect(abs(withAttention.joulesPerInference - expected - attention) <= 1e-12 * (expected + attention))
    }

    /// A config with the HERMES energy model (its mac_energy) and nothing else.
    static func hermesConfig() throws -> String {
        let dir = try temporaryDirectory()
        return try writeFile(dir, "hermes.yaml", """
            version: 1
            hardware:
              include: [\(repositoryRoot.appendingPathComponent("Circuits/energy/hermes-14nm.yaml").path)]
            """)
    }

    /// The custom ViT of `vitYAML` with random weights saved as `.npz`, in an experiment on
    /// the committed digits dataset with `extra` YAML.
    static func experiment(_ dir: URL, moe: Bool, extra: String = "", hardware: String = "{device: {model: pcm}, adc: {bits: 8}, dac: {bits: 7}, output_noise: 0.05}") throws -> String {
        let definition = try writeFile(dir, "vit.yaml", vitYAML(moe: moe))
        let d = try NetworkImport.description(path: definition)
        let weights = dir.appendingPathComponent("vit.npz")
        try d.save(try d.build(arrays: nil, seed: 3), npz: weights)
        return try writeFile(dir, "e.yaml", """
            version: 1
            experiment: vit-placement
            seed: 5
            output_dir: \(dir.path)
            dataset: {name: arrays, path: \(repositoryRoot.appendingPathComponent("Examples/datasets/digits.npz").path)}
            network: {architecture: custom, definition: \(definition), weights: \(weights.path)\(extra)}
            hardware: \(hardware)
            evaluation: {t_inference: [1, 1d], repeats: 3, batch_size: 50, compensation: [none, global]}
            baseline: {batch_sizes: [1]}
            """)
    }

    /// `network.placement.*` end to end: the same accuracies at 1 and 2 threads; the
    /// experts the policy placed digitally have no tiles; the energy rows show the digital
    /// matrices apart from the tiles.
    @Test func placementKeysRunAndAreThreadInvariant() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = try Self.experiment(
            dir, moe: true, extra: ", placement: {experts_digital_fraction: 0.25, attention: digital}",
            hardware: "{include: [\(repositoryRoot.appendingPathComponent("Circuits/presets/pcm-default.yaml").path), \(repositoryRoot.appendingPathComponent("Circuits/energy/hermes-14nm.yaml").path)]}")
        let one = try ExperimentRunner(config: try ExperimentConfig.load(path: file, overrides: ["evaluation.threads=1"])).run(write: false)
        let two = try ExperimentRunner(config: try ExperimentConfig.load(path: file, overrides: ["evaluation.threads=2"])).run(write: false)
        #expect(one.analog.map(\.accuracies) == two.analog.map(\.accuracies))
        // conv, qkv, proj, router, 4 × (fc1, fc2), head: qkv, proj and one expert's two matrices have no tiles.
        #expect(one.layers.map(\.tiles).enumerated().filter { $0.element == 0 }.map(\.offset).count == 4)
        let energy = try #require(one.energy?.analog)
        let d = try #require(energy.digitalMatrices)
        #expect(d.matrices == 4 && d.total > 0 && energy.breakdown.total > 0)
        #expect(abs(energy.joulesPerInference - energy.breakdown.total - d.total) <= 1e-12 * energy.joulesPerInference)
        let summary = try #require(one.energy)
        #expect(EnergyTable.render(summary).contains("placed digitally"))
        #expect(EnergyTable.csv(summary).contains("digital_matrices:hermes-14nm,digital,fp32"))
    }

    /// The GPU baseline's accuracy formats run every transformer layer: BF16 and INT8
    /// logits of the ViT and the MoE-ViT (dense layers on tokens, attention's and the
    /// experts' matrices at the format) stay near the FP32 ones: within 2 % (BF16), 5 %
    /// (INT8) and 15 % (INT8 with experts, whose routing INT8 can flip) of the largest logit.
    @Test(arguments: [false, true])
    func baselinePrecisionsRunTransformers(_ moe: Bool) throws {
        let net = try Self.vit(moe: moe)
        let x = Self.input(16)
        let fp32 = try DigitalPrecision.fp32.forward(net, x)
        #expect(fp32 == (try net.forward(x)))
        for p in [DigitalPrecision.bf16, .int8] {
            let y = try p.forward(net, x)
            let worst = zip(y.values, fp32.values).map { abs($0 - $1) }.max() ?? 0
            let tolerance: Float = p == .bf16 ? 0.02 : moe ? 0.15 : 0.05
            #expect(worst > 0 && worst <= tolerance * fp32.maxAbs, "\(p) moe \(moe): \(worst) of \(fp32.maxAbs)")
        }
    }

    /// A placement key on a network without the layers it places is an error naming the key.
    @Test func placementKeysOnANetworkWithoutThemAreErrors() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let base = try writeFile(dir, "mlp.yaml", "version: 1\n")
        for key in ["network.placement.experts_digital_fraction=0.5", "network.placement.score=frobenius_norm", "network.placement.router=digital", "network.placement.attention=digital"] {
            #expect(throws: ConfigError.self) { try ExperimentConfig.load(path: base, overrides: [key]) }
        }
        do {
            _ = try ExperimentConfig.load(path: base, overrides: ["network.placement.attention=digital"])
        } catch let e as ConfigError {
            #expect(e.message.contains("network.placement.attention") && e.message.contains("attention layer"))
        }
        // A ViT without experts: attention applies, the expert keys do not.
        let vitDir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: vitDir) }
        let vit = try Self.experiment(vitDir, moe: false)
        _ = try ExperimentConfig.load(path: vit, overrides: ["network.placement.attention=digital"])
        #expect(throws: ConfigError.self) { try ExperimentConfig.load(path: vit, overrides: ["network.placement.experts_digital_fraction=0.5"]) }
        // And none of them is in the resolved config of a network they do not apply to.
        #expect(!(try ExperimentConfig.load(path: base).resolvedYAML().contains("placement")))
    }
}

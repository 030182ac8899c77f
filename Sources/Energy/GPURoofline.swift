import Networks

/// Roofline time and energy of a network on a GPU (ENERGY.md "Digital GPU baseline"), one
/// kernel per layer of the inference network (batch norm folded, dropout removed), a ReLU
/// that follows a dense or convolutional layer or a residual addition fused into it.
///
/// Per kernel with batch B and b bytes per element at the precision:
/// - dense, n inputs → m outputs: operations 2·B·n·m (matrix product) + B·m (bias) + B·m
///   (fused ReLU); bytes (n·m + m)·b (weights and bias, read once per batch) + B·(n + m)·b
///   (activations in and out);
/// - convolution as an implicit GEMM, K = C_in·k_h·k_w, P output pixels, O output
///   channels: operations 2·B·P·K·O + B·P·O (bias) + B·P·O (fused ReLU); bytes
///   (O·K + O)·b + B·(C_in·H·W + O·P)·b (each activation read and written once);
/// - pooling: B·C·P_out·k_h·k_w operations (one compare or add per window element), bytes
///   B·(inputs + outputs)·b; global average pooling B·C·H·W operations;
/// - residual addition: B·n operations (+ B·n for a fused ReLU), bytes 3·B·n·b; a
///   stand-alone ReLU or unfolded batch norm: B·n or 2·B·n operations, bytes 2·B·n·b;
///   flatten moves nothing;
/// - transformer layers (T tokens of width D per sample, as PyTorch eager runs them): a
///   dense layer on tokens is the dense kernel at batch B·T; `tokens` and `class_token`
///   copy (bytes B·(inputs + outputs)·b, no operations); `pos_embedding` B·n additions;
///   `layer_norm` 7 operations per element (mean, centring, square, variance sum,
///   normalisation, scale, shift), bytes 2·B·n·b + 2·D·b; `gelu` 10 operations per
///   element (erf counted as 8, an assumption), bytes 2·B·n·b; attention three kernels: the
///   qkv projection (dense, B·T rows), one fused scaled-dot-product kernel
///   (`F.scaled_dot_product_attention`, FlashAttention-style: q, k, v read once, the output
///   written once, scores never stored) of 4·B·H·T²·d_h operations (QKᵀ and A·V) +
///   5·B·H·T² (scale, max, exp, sum, divide), and the output projection; `token_pool` B·n
///   (mean) or a copy (cls); a mixture of experts: the router (dense), routing (softmax and
///   top-k, 5·B·T·E operations), each expert's fc1, GELU and fc2 at its expected
///   B·T·k/E rows (balanced routing), and the gated combination (2·B·T·k·D operations,
///   bytes B·T·D·b·(k + 1));
/// - time = max(operations / peak, bytes / bandwidth): `compute` bound or `memory` bound;
/// - energy = operations · (board power / peak) + 8 · bytes · energy per bit.
/// Per inference: energy / B; latency is the batch's time (every request waits for it).
/// Kernel-launch and host overheads, idle power and achievable efficiency are not in the
/// roofline: it is the lower bound on time beside the realistic estimate of `GPUExecution`.
/// Its energy (TDP/peak per operation, every byte from DRAM) is not a bound: where the
/// realistic estimate keeps activations in L2 (the Jetson at batch 1000) it is below it.
public struct GPURoofline: Sendable {
    public struct Layer: Codable, Sendable, Equatable {
        public var index: Int
        /// What the kernel computes: `dense`, `conv2d`, `max_pool`, `avg_pool`,
        /// `global_avg_pool`, `residual_add`, `relu`, `batch_norm`.
        public var kind: String
        public var operations: Double
        public var bytes: Double
        public var timeS: Double
        public var joules: Double
        /// "compute" or "memory".
        public var bound: String
        /// The GEMM a dense or convolution kernel runs, M × N outputs (batch·pixels ×
        /// outputs); 0 for other kernels.
        public var gemmM: Int = 0
        public var gemmN: Int = 0
        /// Bytes of weights and biases among `bytes` (read once per batch).
        public var weightBytes: Double = 0
    }

    /// Bytes per element at a precision.
    public static func bytes(_ p: DigitalPrecision) -> Double {
        switch p {
        case .fp32: return 4
        case .bf16: return 2
        case .int8: return 1
        }
    }

    /// One dense layer's roofline.
    /// - Parameters: `activation`: whether a ReLU follows (fused).
    public static func layer(
        index: Int, inputs n: Int, outputs m: Int, activation: Bool, batch: Int, precision: DigitalPrecision, gpu: GPUProfile
    ) -> Layer {
        let b = Double(batch), e = bytes(precision)
        let ops = 2 * b * Double(n) * Double(m) + b * Double(m) * (activation ? 2 : 1)
        let weights = (Double(n) * Double(m) + Double(m)) * e
        var l = kernel(index: index, kind: "dense", operations: ops, bytes: weights + b * Double(n + m) * e, precision: precision, gpu: gpu)
        l.gemmM = batch
        l.gemmN = m
        l.weightBytes = weights
        return l
    }

    /// A kernel of `operations` and `bytes` moved, at its roofline.
    public static func kernel(index: Int, kind: String, operations ops: Double, bytes: Double, precision: DigitalPrecision, gpu: GPUProfile) -> Layer {
        let tc = ops / gpu.peak(precision), tm = bytes / gpu.memoryBandwidth
        let energy = ops * gpu.energyPerOperation(precision) + 8 * bytes * gpu.memoryEnergyPerBit
        return Layer(index: index, kind: kind, operations: ops, bytes: bytes, timeS: max(tc, tm), joules: energy, bound: tc >= tm ? "compute" : "memory")
    }

    /// The kernels of `network` (inference form: call `foldingBatchNorm()` first) at
    /// `batch`, in execution order (residual body, then shortcut, then the addition).
    /// - Throws: `NetworksError(.shape)` when the layers do not chain.
    public static func kernels(_ network: SequentialNetwork, batch: Int, precision: DigitalPrecision, gpu: GPUProfile) throws -> [Layer] {
        var out: [Layer] = []
        let b = Double(batch), e = bytes(precision)
        func walk(_ layers: [Networks.Layer], _ input: [Int]) throws -> [Int] {
            var shape = input
            var i = 0
            while i < layers.count {
                let l = layers[i]
                let fusedReLU = i + 1 < layers.count && layers[i + 1] == .relu
                let next = try l.outputShape(shape)
                let nIn = Double(shape.reduce(1, *)), nOut = Double(next.reduce(1, *))
                var skip = false
                switch l {
                case .dense(let d):
                    let rows = shape.count == 2 ? batch * shape[0] : batch
                    out.append(layer(index: out.count, inputs: d.inputs, outputs: d.outputs, activation: fusedReLU, batch: rows, precision: precision, gpu: gpu))
                    skip = fusedReLU
                case .conv2d(let c):
                    let p = Double(next[1] * next[2]), k = Double(c.fieldSize), o = Double(c.outChannels)
                    let ops = 2 * b * p * k * o + b * p * o * (fusedReLU ? 2 : 1)
                    let weights = (o * k + o) * e
                    var conv = kernel(index: out.count, kind: "conv2d", operations: ops, bytes: weights + b * (nIn + nOut) * e, precision: precision, gpu: gpu)
                    conv.gemmM = batch * next[1] * next[2]
                    conv.gemmN = c.outChannels
                    conv.weightBytes = weights
                    out.append(conv)
                    skip = fusedReLU
                case .pool(let pool):
                    let ops = b * nOut * Double(pool.kernel * pool.kernel)
                    out.append(kernel(index: out.count, kind: pool.name, operations: ops, bytes: b * (nIn + nOut) * e, precision: precision, gpu: gpu))
                case .globalAveragePool:
                    out.append(kernel(index: out.count, kind: "global_avg_pool", operations: b * nIn, bytes: b * (nIn + nOut) * e, precision: precision, gpu: gpu))
                case .residual(let r):
                    let a = try walk(r.body, shape)
                    _ = try walk(r.shortcut, shape)
                    let n = Double(a.reduce(1, *))
                    out.append(kernel(index: out.count, kind: "residual_add", operations: b * n * (fusedReLU ? 2 : 1), bytes: 3 * b * n * e, precision: precision, gpu: gpu))
                    skip = fusedReLU
                case .relu:
                    out.append(kernel(index: out.count, kind: "relu", operations: b * nIn, bytes: 2 * b * nIn * e, precision: precision, gpu: gpu))
                case .batchNorm(let bn):
                    var norm = kernel(index: out.count, kind: "batch_norm", operations: 2 * b * nIn, bytes: 2 * b * nIn * e + 2 * Double(bn.channels) * e, precision: precision, gpu: gpu)
                    norm.weightBytes = 2 * Double(bn.channels) * e
                    out.append(norm)
                case .flatten, .dropout:
                    break
                case .tokens, .classToken, .tokenPool(.cls):
                    out.append(kernel(index: out.count, kind: l.kindName, operations: 0, bytes: b * (nIn + nOut) * e, precision: precision, gpu: gpu))
                case .tokenPool(.mean):
                    out.append(kernel(index: out.count, kind: l.kindName, operations: b * nIn, bytes: b * (nIn + nOut) * e, precision: precision, gpu: gpu))
                case .positionalEmbedding:
                    out.append(kernel(index: out.count, kind: l.kindName, operations: b * nIn, bytes: 2 * b * nIn * e + nIn * e, precision: precision, gpu: gpu))
                case .layerNorm(let n):
                    out.append(kernel(index: out.count, kind: l.kindName, operations: 7 * b * nIn, bytes: 2 * b * nIn * e + 2 * Double(n.dim) * e, precision: precision, gpu: gpu))
                case .gelu:
                    out.append(kernel(index: out.count, kind: l.kindName, operations: 10 * b * nIn, bytes: 2 * b * nIn * e, precision: precision, gpu: gpu))
                case .attention(let a):
                    let t = shape[0], rows = batch * t
                    let tt = Double(t * t), h = Double(a.heads)
                    out.append(layer(index: out.count, inputs: a.dim, outputs: 3 * a.dim, activation: false, batch: rows, precision: precision, gpu: gpu))
                    out.append(kernel(
                        index: out.count, kind: "attention_sdpa", operations: 4 * b * h * tt * Double(a.headDim) + 5 * b * h * tt,
                        bytes: b * Double(t * 4 * a.dim) * e, precision: precision, gpu: gpu))
                    out.append(layer(index: out.count, inputs: a.dim, outputs: a.dim, activation: false, batch: rows, precision: precision, gpu: gpu))
                case .mixtureOfExperts(let m):
                    let t = shape.count == 2 ? shape[0] : 1
                    let tokens = Double(batch * t), k = Double(m.topK), ex = Double(m.experts.count)
                    out.append(layer(index: out.count, inputs: m.dim, outputs: m.experts.count, activation: false, batch: batch * t, precision: precision, gpu: gpu))
                    out.append(kernel(index: out.count, kind: "moe_routing", operations: 5 * tokens * ex, bytes: 2 * tokens * ex * e, precision: precision, gpu: gpu))
                    let rows = max(1, Int((tokens * k / ex).rounded()))
                    for _ in m.experts {
                        out.append(layer(index: out.count, inputs: m.dim, outputs: m.hidden, activation: false, batch: rows, precision: precision, gpu: gpu))
                        let n = Double(rows * m.hidden)
                        out.append(kernel(index: out.count, kind: "gelu", operations: 10 * n, bytes: 2 * n * e, precision: precision, gpu: gpu))
                        out.append(layer(index: out.count, inputs: m.hidden, outputs: m.dim, activation: false, batch: rows, precision: precision, gpu: gpu))
                    }
                    out.append(kernel(
                        index: out.count, kind: "moe_combine", operations: 2 * tokens * k * Double(m.dim), bytes: tokens * Double(m.dim) * e * (k + 1),
                        precision: precision, gpu: gpu))
                }
                shape = next
                i += skip ? 2 : 1
            }
            return shape
        }
        _ = try walk(network.layers, network.inputShape)
        return out
    }
}

/// Energy per inference of the GPU baseline by where it is spent.
public struct GPUBreakdown: Codable, Sendable, Equatable {
    /// Arithmetic at board power / peak rate.
    public var compute: Double
    /// Memory traffic at the memory's energy per bit.
    public var memory: Double
}

/// The GPU baseline of a network at one precision and batch size: the roofline (the lower
/// bound) and the realistic estimate in each launch mode and at each end of the profile's
/// published ranges.
public struct GPUEnergyEstimate: Codable, Sendable, Equatable {
    public var gpu: String
    public var source: String
    public var precision: String
    public var batchSize: Int
    public var joulesPerInference: Double
    /// Time of the whole batch (s).
    public var latencyS: Double
    /// 2 × MACs per inference / J per inference, in 10¹² per joule.
    public var topsPerWatt: Double
    public var breakdown: GPUBreakdown
    /// Board power × time / batch: a coarse upper bound of J per inference.
    public var boardPowerBoundJoules: Double
    public var layers: [GPURoofline.Layer]
    /// The realistic estimate (`GPUExecution`) in each launch mode at each end of the
    /// profile's ranges: cuda_graph best, cuda_graph worst, eager best, eager worst.
    public var realistic: [GPUExecution]

    /// The realistic estimate of `mode` at `end`.
    public func realistic(_ mode: GPULaunchMode, _ end: GPUEnd) -> GPUExecution? {
        realistic.first { $0.mode == mode && $0.end == end }
    }

    /// The roofline of `network` at `batch` and `precision` on `gpu`: every kernel of
    /// `GPURoofline.kernels` of its inference form (batch norm folded); TOPS/W counts
    /// 2 × the network's MACs per inference.
    /// - Throws: `EnergyError` for an invalid profile, batch < 1, or layers that do not chain.
    public static func estimate(network: SequentialNetwork, batch: Int, precision: DigitalPrecision, gpu: GPUProfile) throws -> GPUEnergyEstimate {
        try gpu.validate()
        guard batch >= 1 else { throw EnergyError("GPU baseline batch size = \(batch) must be ≥ 1") }
        let folded = network.foldingBatchNorm()
        let layers: [GPURoofline.Layer]
        do { layers = try GPURoofline.kernels(folded, batch: batch, precision: precision, gpu: gpu) } catch let e as NetworksError {
            throw EnergyError("GPU baseline: \(e.message)")
        }
        var compute = 0.0, memory = 0.0
        for l in layers {
            compute += l.operations * gpu.energyPerOperation(precision)
            memory += 8 * l.bytes * gpu.memoryEnergyPerBit
        }
        let b = Double(batch)
        let time = layers.reduce(0) { $0 + $1.timeS }
        let joules = (compute + memory) / b
        let macs = folded.macsPerInference
        var realistic: [GPUExecution] = []
        for mode in GPULaunchMode.allCases {
            for end in GPUEnd.allCases {
                realistic.append(GPUExecution.estimate(
                    kernels: layers, batch: batch, precision: precision, gpu: gpu, mode: mode, end: end, macsPerInference: macs))
            }
        }
        return GPUEnergyEstimate(
            gpu: gpu.name, source: gpu.source, precision: precision.rawValue, batchSize: batch, joulesPerInference: joules,
            latencyS: time, topsPerWatt: 2 * Double(macs) / joules / 1e12,
            breakdown: GPUBreakdown(compute: compute / b, memory: memory / b),
            boardPowerBoundJoules: gpu.boardPower * time / b, layers: layers, realistic: realistic)
    }
}

/// Roofline time and energy of a dense network on a GPU (ENERGY.md "Digital GPU baseline").
///
/// Per layer with batch B, inputs n, outputs m, b bytes per element at the precision:
/// - operations: 2·B·n·m (matrix product) + B·m (bias) + B·m (ReLU, hidden layers only);
/// - bytes moved: (n·m + m)·b (weights and bias, read once per batch) + B·(n + m)·b
///   (activations in and out);
/// - time = max(operations / peak, bytes / bandwidth): `compute` bound or `memory` bound;
/// - energy = operations · (board power / peak) + 8 · bytes · energy per bit.
/// Per inference: energy / B; latency is the batch's time (every request waits for it).
/// Kernel-launch and host overheads are not modelled: at batch 1 the real latency is
/// longer than the roofline.
public struct GPURoofline: Sendable {
    public struct Layer: Codable, Sendable, Equatable {
        public var index: Int
        public var operations: Double
        public var bytes: Double
        public var timeS: Double
        public var joules: Double
        /// "compute" or "memory".
        public var bound: String
    }

    /// Bytes per element at a precision.
    public static func bytes(_ p: DigitalPrecision) -> Double {
        switch p {
        case .fp32: return 4
        case .bf16: return 2
        case .int8: return 1
        }
    }

    /// One layer's roofline.
    /// - Parameters: `activation`: whether a ReLU follows (hidden layers).
    public static func layer(
        index: Int, inputs n: Int, outputs m: Int, activation: Bool, batch: Int, precision: DigitalPrecision, gpu: GPUProfile
    ) -> Layer {
        let b = Double(batch), e = bytes(precision)
        let ops = 2 * b * Double(n) * Double(m) + b * Double(m) * (activation ? 2 : 1)
        let bytes = (Double(n) * Double(m) + Double(m)) * e + b * Double(n + m) * e
        let tc = ops / gpu.peak(precision), tm = bytes / gpu.memoryBandwidth
        let energy = ops * gpu.energyPerOperation(precision) + 8 * bytes * gpu.memoryEnergyPerBit
        return Layer(index: index, operations: ops, bytes: bytes, timeS: max(tc, tm), joules: energy, bound: tc >= tm ? "compute" : "memory")
    }
}

/// Energy per inference of the GPU baseline by where it is spent.
public struct GPUBreakdown: Codable, Sendable, Equatable {
    /// Arithmetic at board power / peak rate.
    public var compute: Double
    /// Memory traffic at the memory's energy per bit.
    public var memory: Double
}

/// The GPU baseline of a network at one precision and batch size.
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

    /// The roofline of a dense network of `sizes` (`[inputs, hidden…, outputs]`, ReLU after
    /// hidden layers) at `batch` and `precision` on `gpu`.
    /// - Throws: `EnergyError` for an invalid profile or batch < 1.
    public static func estimate(sizes: [Int], batch: Int, precision: DigitalPrecision, gpu: GPUProfile) throws -> GPUEnergyEstimate {
        try gpu.validate()
        guard batch >= 1 else { throw EnergyError("GPU baseline batch size = \(batch) must be ≥ 1") }
        precondition(sizes.count >= 2)
        var layers: [GPURoofline.Layer] = []
        var compute = 0.0, memory = 0.0
        for i in 0..<(sizes.count - 1) {
            let l = GPURoofline.layer(
                index: i, inputs: sizes[i], outputs: sizes[i + 1], activation: i < sizes.count - 2, batch: batch,
                precision: precision, gpu: gpu)
            compute += l.operations * gpu.energyPerOperation(precision)
            memory += 8 * l.bytes * gpu.memoryEnergyPerBit
            layers.append(l)
        }
        let b = Double(batch)
        let time = layers.reduce(0) { $0 + $1.timeS }
        let joules = (compute + memory) / b
        var macs = 0
        for i in 0..<(sizes.count - 1) { macs += sizes[i] * sizes[i + 1] }
        return GPUEnergyEstimate(
            gpu: gpu.name, source: gpu.source, precision: precision.rawValue, batchSize: batch, joulesPerInference: joules,
            latencyS: time, topsPerWatt: 2 * Double(macs) / joules / 1e12,
            breakdown: GPUBreakdown(compute: compute / b, memory: memory / b),
            boardPowerBoundJoules: gpu.boardPower * time / b, layers: layers)
    }
}

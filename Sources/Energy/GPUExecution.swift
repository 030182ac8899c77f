/// How the host issues the network's kernels.
public enum GPULaunchMode: String, CaseIterable, Sendable, Codable {
    /// One CUDA-graph replay of the captured kernels (the low-overhead deployment).
    case cudaGraph = "cuda_graph"
    /// One launch per kernel from the host (PyTorch eager).
    case eager
}

/// One kernel of the realistic estimate (times per batch, s).
public struct GPUKernelTime: Codable, Sendable, Equatable {
    public var index: Int
    public var kind: String
    /// Launch cost charged to this kernel: the eager launch or the graph's per-node cost.
    public var launchS: Double
    /// Arithmetic at the achievable rate.
    public var computeS: Double
    /// HBM and L2 traffic at the achievable bandwidths.
    public var memoryS: Double
    /// max(compute, memory, minimal GEMM kernel time).
    public var kernelS: Double
    /// max(launch, kernel): what the kernel adds to the latency.
    public var stepS: Double
    /// "launch", "min_kernel", "compute" or "memory".
    public var bound: String
}

/// The network on a GPU as it runs at small batch, one end of the profile's published
/// ranges (ENERGY.md, "What a roofline misses"):
///
/// - kernels are those of `GPURoofline.kernels` (bias and ReLU fused into the GEMM's
///   epilogue, as cuBLASLt, TensorRT and torch.compile do; residual additions, pooling and
///   stand-alone activations their own kernels);
/// - per kernel: compute = ops / (η_c · w · peak), with w = tiles / (waves · SMs) the wave
///   quantisation of a GEMM of ⌈M/T⌉·⌈N/T⌉ output tiles of T × T on the SMs (NVIDIA,
///   "Matrix Multiplication Background User's Guide"), and other kernels at η_c × the FP32
///   rate of the CUDA cores; memory = HBM bytes / (η_m · BW) + L2 bytes / (η_m · BW_L2);
///   kernel = max(compute, memory, minimal GEMM kernel time for dense and convolution);
/// - L2 residency: when the network's weights fit in L2 they stay there between calls and
///   are read from L2, not HBM; a kernel's activations are read from L2 when they fit
///   beside the resident weights;
/// - latency of the batch: eager Σ max(launch, kernel); CUDA graph: replay + Σ max(per-node
///   cost, kernel);
/// - energy of the batch: idle power × latency + ops × (board power − idle power)/peak +
///   8 × (HBM bytes × e_HBM + L2 bytes × e_L2); per inference: ÷ batch.
public struct GPUExecution: Codable, Sendable, Equatable {
    public var mode: GPULaunchMode
    public var end: GPUEnd
    /// Latency of the batch (s).
    public var latencyS: Double
    public var joulesPerInference: Double
    /// Idle power × latency, per inference (J).
    public var staticJoules: Double
    /// Arithmetic and memory traffic above idle, per inference (J).
    public var dynamicJoules: Double
    /// 2 × MACs per inference / J per inference, 10¹² per joule.
    public var topsPerWatt: Double
    /// Whether the weights stay in L2 between calls.
    public var weightsInL2: Bool
    public var kernels: [GPUKernelTime]

    /// The realistic estimate of `kernels` (from `GPURoofline.kernels` at the same batch and
    /// precision).
    public static func estimate(
        kernels: [GPURoofline.Layer], batch: Int, precision: DigitalPrecision, gpu: GPUProfile, mode: GPULaunchMode, end: GPUEnd,
        macsPerInference: Int
    ) -> GPUExecution {
        let etaC = gpu.computeEfficiency.at(end), etaM = gpu.memoryEfficiency.at(end)
        let weights = kernels.reduce(0) { $0 + $1.weightBytes }
        let resident = weights <= gpu.l2Bytes
        let launch = mode == .eager ? gpu.eagerLaunch.at(end) : gpu.graphPerNode.at(end)
        var out: [GPUKernelTime] = []
        var latency = mode == .cudaGraph ? gpu.graphLaunch.at(end) : 0
        var ops = 0.0, hbm = 0.0, l2 = 0.0
        for k in kernels {
            let activations = k.bytes - k.weightBytes
            let actInL2 = resident && weights + activations <= gpu.l2Bytes
            let kHBM = (resident ? 0 : k.weightBytes) + (actInL2 ? 0 : activations)
            let kL2 = (resident ? k.weightBytes : 0) + (actInL2 ? activations : 0)
            let isGEMM = k.gemmM > 0 && k.gemmN > 0
            let rate: Double
            if isGEMM {
                let t = gpu.gemmTile
                let tiles = ((k.gemmM + t - 1) / t) * ((k.gemmN + t - 1) / t)
                let waves = (tiles + gpu.smCount - 1) / gpu.smCount
                rate = etaC * Double(tiles) / Double(waves * gpu.smCount) * gpu.peak(precision)
            } else {
                rate = etaC * gpu.peakFP32
            }
            let compute = k.operations / rate
            let memory = kHBM / (etaM * gpu.memoryBandwidth) + kL2 / (etaM * gpu.l2Bandwidth)
            let minimum = isGEMM ? gpu.minKernelTime.at(end) : 0
            let kernel = max(compute, memory, minimum)
            let step = max(launch, kernel)
            let bound: String
            if step == launch && launch > kernel { bound = "launch" } else if kernel == minimum && minimum > max(compute, memory) {
                bound = "min_kernel"
            } else { bound = compute >= memory ? "compute" : "memory" }
            out.append(GPUKernelTime(
                index: k.index, kind: k.kind, launchS: launch, computeS: compute, memoryS: memory, kernelS: kernel, stepS: step, bound: bound))
            latency += step
            ops += k.operations
            hbm += kHBM
            l2 += kL2
        }
        let b = Double(batch)
        let staticJ = gpu.idlePower.at(end) * latency / b
        let dynamicJ = (ops * gpu.dynamicEnergyPerOperation(precision, end) + 8 * (hbm * gpu.memoryEnergyPerBit + l2 * gpu.l2EnergyPerBit)) / b
        let joules = staticJ + dynamicJ
        return GPUExecution(
            mode: mode, end: end, latencyS: latency, joulesPerInference: joules, staticJoules: staticJ, dynamicJoules: dynamicJ,
            topsPerWatt: joules > 0 ? 2 * Double(macsPerInference) / joules / 1e12 : 0, weightsInL2: resident, kernels: out)
    }
}

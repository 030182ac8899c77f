/// A value the literature gives as a range, ordered for the GPU: `best` is the GPU's best
/// case (shorter launch, lower power, higher efficiency), `worst` its worst.
public struct GPURange: Sendable, Equatable, Codable {
    public var best: Double
    public var worst: Double
    public init(_ best: Double, _ worst: Double) {
        self.best = best
        self.worst = worst
    }
    /// The value at one end.
    public func at(_ end: GPUEnd) -> Double { end == .best ? best : worst }
}

/// Which end of the GPU's published ranges an estimate takes.
public enum GPUEnd: String, CaseIterable, Sendable, Codable {
    case best, worst
}

/// A digital GPU as the baseline sees it: board power, dense peak rates per precision,
/// memory bandwidth and access energy (the roofline), plus what a GPU pays at small batch
/// (`GPUExecution`): kernel launch overhead eager and in a CUDA graph, the minimal GEMM
/// kernel time, idle board power, achievable fractions of peak and the L2 cache. Values
/// come from a file in `Circuits/gpus/` that cites each; SI units.
public struct GPUProfile: Sendable, Equatable {
    /// Short name, e.g. "NVIDIA H100 SXM".
    public var name: String = ""
    /// Citation of the datasheet.
    public var source: String = ""
    /// Technology node (nm), for the record.
    public var technologyNodeNanometres: Double = 0
    /// Board power at full load (W).
    public var boardPower: Double = 0
    /// Dense peak rates (operations per second; a multiply-add is 2 operations).
    public var peakFP32: Double = 0
    public var peakBF16: Double = 0
    public var peakINT8: Double = 0
    /// Memory bandwidth (bytes per second).
    public var memoryBandwidth: Double = 0
    /// Memory access energy (J per bit moved).
    public var memoryEnergyPerBit: Double = 0
    /// Board power with a CUDA context open and clocks up, no arithmetic (W): the static
    /// floor while the GPU runs launch-bound kernels.
    public var idlePower = GPURange(0, 0)
    /// Host cost of one eager kernel launch (s).
    public var eagerLaunch = GPURange(0, 0)
    /// Fixed cost of one CUDA-graph replay (s).
    public var graphLaunch = GPURange(0, 0)
    /// Per-node cost of a CUDA-graph replay (s).
    public var graphPerNode = GPURange(0, 0)
    /// Shortest GEMM / convolution kernel on the device (s).
    public var minKernelTime = GPURange(0, 0)
    /// Fraction of the dense peak a large GEMM reaches (0…1].
    public var computeEfficiency = GPURange(1, 1)
    /// Fraction of the memory bandwidth a streaming kernel reaches (0…1].
    public var memoryEfficiency = GPURange(1, 1)
    /// Streaming multiprocessors.
    public var smCount: Int = 1
    /// Output tile edge of a GEMM thread block (elements), for wave quantisation.
    public var gemmTile: Int = 128
    /// L2 cache (bytes), bandwidth (B/s) and energy per bit read (J).
    public var l2Bytes: Double = 0
    public var l2Bandwidth: Double = 0
    public var l2EnergyPerBit: Double = 0

    public init() {}

    /// Dense peak rate at a precision (op/s).
    public func peak(_ p: DigitalPrecision) -> Double {
        switch p {
        case .fp32: return peakFP32
        case .bf16: return peakBF16
        case .int8: return peakINT8
        }
    }

    /// Energy per operation at a precision (J): board power / peak rate, the energy of an
    /// operation when the board runs flat out (ENERGY.md; the roofline's figure, which
    /// includes the board's static power).
    public func energyPerOperation(_ p: DigitalPrecision) -> Double { boardPower / peak(p) }

    /// Dynamic energy per operation (J): (board power − idle power) / peak, the energy an
    /// operation adds above the static floor when the board runs flat out.
    public func dynamicEnergyPerOperation(_ p: DigitalPrecision, _ end: GPUEnd) -> Double {
        max(boardPower - idlePower.at(end), 0) / peak(p)
    }

    /// - Throws: `EnergyError` naming a non-positive value or a range in the wrong order.
    public func validate() throws {
        for (v, n) in [(boardPower, "board_power"), (peakFP32, "peak.fp32"), (peakBF16, "peak.bf16"), (peakINT8, "peak.int8"),
                       (memoryBandwidth, "memory.bandwidth"), (memoryEnergyPerBit, "memory.energy_per_bit")] {
            guard v > 0, v.isFinite else { throw EnergyError("GPU profile '\(name)': \(n) = \(v) must be > 0") }
        }
        for (r, n) in [(idlePower, "power.idle"), (eagerLaunch, "launch.eager"), (graphLaunch, "launch.graph"),
                       (graphPerNode, "launch.graph_per_node"), (minKernelTime, "kernel.min_time")] {
            guard r.best >= 0, r.best <= r.worst, r.worst.isFinite else {
                throw EnergyError("GPU profile '\(name)': \(n) = [\(r.best), \(r.worst)] must be [best, worst] with 0 ≤ best ≤ worst")
            }
        }
        guard idlePower.worst < boardPower else {
            throw EnergyError("GPU profile '\(name)': power.idle \(idlePower.worst) W must be below board_power \(boardPower) W")
        }
        for (r, n) in [(computeEfficiency, "efficiency.compute"), (memoryEfficiency, "efficiency.memory")] {
            guard r.worst > 0, r.worst <= r.best, r.best <= 1 else {
                throw EnergyError("GPU profile '\(name)': \(n) = [\(r.best), \(r.worst)] must be [best, worst] fractions with 0 < worst ≤ best ≤ 1")
            }
        }
        guard smCount >= 1, gemmTile >= 1 else { throw EnergyError("GPU profile '\(name)': sm_count and gemm.tile must be ≥ 1") }
        for (v, n) in [(l2Bytes, "l2.bytes"), (l2Bandwidth, "l2.bandwidth"), (l2EnergyPerBit, "l2.energy_per_bit")] {
            guard v > 0, v.isFinite else { throw EnergyError("GPU profile '\(name)': \(n) = \(v) must be > 0") }
        }
    }
}

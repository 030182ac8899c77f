/// A digital GPU as the roofline baseline sees it: board power, dense peak rates per
/// precision, memory bandwidth and access energy. Values come from a file in
/// `Circuits/gpus/` that cites the datasheet; SI units.
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
    /// operation when the board runs flat out (ENERGY.md; an upper estimate of the
    /// arithmetic alone, since it includes the board's static power).
    public func energyPerOperation(_ p: DigitalPrecision) -> Double { boardPower / peak(p) }

    /// - Throws: `EnergyError` naming a non-positive value.
    public func validate() throws {
        for (v, n) in [(boardPower, "board_power"), (peakFP32, "peak.fp32"), (peakBF16, "peak.bf16"), (peakINT8, "peak.int8"),
                       (memoryBandwidth, "memory.bandwidth"), (memoryEnergyPerBit, "memory.energy_per_bit")] {
            guard v > 0, v.isFinite else { throw EnergyError("GPU profile '\(name)': \(n) = \(v) must be > 0") }
        }
    }
}

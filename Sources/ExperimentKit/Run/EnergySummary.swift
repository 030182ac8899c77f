import Energy

/// The energy comparison of a run (`energy` in `summary.json`): the analogue hardware and
/// the digital GPU baseline, per inference, with the baseline's accuracy.
public struct EnergySummary: Codable, Sendable {
    /// Accuracy of the network run digitally at each GPU precision (fractions).
    public struct BaselineAccuracy: Codable, Sendable, Equatable {
        public var fp32: Double
        public var bf16: Double
        public var int8: Double
        public var testImages: Int
    }
    /// GPU ÷ analogue of the headline numbers (> 1: the analogue hardware is better).
    public struct Ratio: Codable, Sendable, Equatable {
        public var energy: Double
        public var latency: Double
    }
    /// The analogue hardware; nil when it is not modelled (`analogNote` says why).
    public var analog: AnalogEnergyEstimate?
    public var analogNote: String?
    /// Which inputs the data-dependent counts (cell energy, active inputs) come from.
    public var inputStatistics: String
    /// The headline GPU baseline: first profile of `baseline.gpus`, `baseline.precision`,
    /// first of `baseline.batch_sizes`.
    public var gpu: GPUEnergyEstimate?
    /// Every profile × batch size at `baseline.precision`.
    public var gpuAll: [GPUEnergyEstimate]
    public var ratio: Ratio?
    public var baselineAccuracy: BaselineAccuracy?
}

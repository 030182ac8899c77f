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
    /// GPU ÷ analogue (> 1: the analogue hardware is better): `energy` and `latency` at the
    /// centre of the analogue band and the GPU's best end; the range `low` = GPU best ÷
    /// analogue pessimistic, `high` = GPU worst ÷ analogue optimistic. Latency compares the
    /// time of a batch of B (analogue: B × its latency).
    public struct Ratio: Codable, Sendable, Equatable {
        public var energy: Double
        public var latency: Double
        public var energyLow: Double
        public var energyHigh: Double
        public var latencyLow: Double
        public var latencyHigh: Double
    }
    /// The headline comparison at one batch size: the first GPU profile, realistic execution
    /// (eager or CUDA graph: the range spans both), and its roofline (the lower bound on time).
    public struct Headline: Codable, Sendable, Equatable {
        public var gpu: String
        public var precision: String
        public var mode: String
        public var batchSize: Int
        public var ratio: Ratio
        /// The roofline's GPU ÷ analogue (energy, time of the batch): what the roofline alone
        /// gives (the lower bound on time).
        public var rooflineEnergyRatio: Double
        public var rooflineLatencyRatio: Double
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
    /// The first headline (first batch size).
    public var ratio: Ratio?
    /// The headline at every batch size of `baseline.batch_sizes` (first GPU profile).
    public var headlines: [Headline]
    public var baselineAccuracy: BaselineAccuracy?

    /// GPU ÷ analogue for the realistic estimate of `g` in `modes` (the range spans them
    /// all), nil without an analogue estimate or those modes. Latency compares the time of
    /// the GPU's batch with the analogue hardware doing the same B inferences one after
    /// another (B × its latency; no pipelining across layers, the analogue's worst case).
    public static func ratio(_ g: GPUEnergyEstimate, _ a: AnalogEnergyEstimate, modes: [GPULaunchMode]) -> Ratio? {
        let best = modes.compactMap { g.realistic($0, .best) }, worst = modes.compactMap { g.realistic($0, .worst) }
        guard !best.isEmpty, !worst.isEmpty, a.joulesPerInference > 0, a.latencyS > 0 else { return nil }
        let analogBatch = Double(g.batchSize) * a.latencyS
        let e0 = best.map(\.joulesPerInference).min()!, e1 = worst.map(\.joulesPerInference).max()!
        let t0 = best.map(\.latencyS).min()!, t1 = worst.map(\.latencyS).max()!
        return Ratio(
            energy: e0 / a.joulesPerInference, latency: t0 / analogBatch,
            energyLow: e0 / a.joulesPessimistic, energyHigh: e1 / a.joulesOptimistic,
            latencyLow: t0 / analogBatch, latencyHigh: t1 / analogBatch)
    }
}

import Foundation

extension ExperimentConfig {
    /// Everything a run of this config uses, as text: the typed values that the runner,
    /// the trainer, the hardware and the energy report read (never the YAML), plus the
    /// free-text `description` and `source` keys that the results record. Two configs with
    /// equal effective settings run identically; a documented key whose value does not
    /// reach these settings would be silently ignored (the key-walk test checks that none
    /// is).
    /// - Throws: `ConfigError` for an invalid energy model or GPU profile.
    public func effectiveSettings() throws -> String {
        var lines: [String] = [
            "name \(name)", "seed \(seed)", "output \(outputDirectory)",
            "dataset \(datasetName.rawValue) \(datasetDirectory) train \(trainLimit) test \(testLimit)",
            "network \(architecture.rawValue) hidden \(hiddenWidths) layers \(String(describing: layerWidths)) definition \(try resolved.string("network.definition")) weights \(weightsFile ?? "-")",
            "vit \(String(reflecting: vit))",
            "placement \(String(reflecting: placementPolicy))",
            "training \(String(reflecting: training))",
            "hardware-aware \(String(reflecting: try hardwareAwareSettings())) schedule \(try learningRateSchedule().rawValue)",
            "hardware \(String(reflecting: hardware))",
            "energy \(String(reflecting: try energyModel()))",
            "evaluation t \(tInference) repeats \(repeats) batch \(evaluationBatchSize) compensation \(compensation.map(\.rawValue)) threads \(threads) calibration \(decoded.adcCalibrationImages) plain \(comparePlain)",
            "baseline \(String(reflecting: try gpuProfiles())) \(try baselinePrecision().rawValue) \(try baselineBatchSizes())",
        ]
        for spec in resolved.schema.keys where spec.key.hasSuffix("description") || spec.key.hasSuffix("source") {
            lines.append("\(spec.key) \(try resolved.string(spec.key))")
        }
        return lines.joined(separator: "\n")
    }
}

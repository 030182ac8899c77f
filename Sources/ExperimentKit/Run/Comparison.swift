import Foundation

extension RunSummary {
    /// Plain versus hardware-aware training on the same hardware and programming seeds
    /// (`evaluation.compare_plain`); `summary.json` key `comparison`.
    public struct Comparison: Codable, Sendable {
        public struct Side: Codable, Sendable {
            public var digitalAccuracy: Double
            public var analog: [AnalogPoint]
            public var weights: Weights
        }
        /// Trained with training.noise, weight clipping and drift-aware fine-tuning off.
        public var plain: Side
        /// Trained with the experiment's hardware-aware settings (the run's main network).
        public var hardwareAware: Side
    }
}

/// The side-by-side table of a comparison.
public enum ComparisonTable {
    /// Per evaluation time and compensation method: plain and hardware-aware accuracy (mean ±
    /// std over the same programming seeds) and their difference.
    public static func render(_ c: RunSummary.Comparison) -> String {
        var out = "plain vs hardware-aware training (same hardware, same programming seeds):\n"
        var rows: [[String]] = [[
            "digital (FP32)", "", String(format: "%.2f %%", c.plain.digitalAccuracy * 100),
            String(format: "%.2f %%", c.hardwareAware.digitalAccuracy * 100),
            String(format: "%+.2f pts", (c.hardwareAware.digitalAccuracy - c.plain.digitalAccuracy) * 100),
        ]]
        for (p, h) in zip(c.plain.analog, c.hardwareAware.analog) {
            rows.append([
                formatDuration(p.tInference), p.compensation,
                String(format: "%.2f ± %.2f %%", p.accuracyMean * 100, p.accuracyStd * 100),
                String(format: "%.2f ± %.2f %%", h.accuracyMean * 100, h.accuracyStd * 100),
                String(format: "%+.2f pts", (h.accuracyMean - p.accuracyMean) * 100),
            ])
        }
        out += ReportTable.table(["t_inference", "compensation", "plain", "hardware-aware", "HWA − plain"], rows)
        return out
    }
}

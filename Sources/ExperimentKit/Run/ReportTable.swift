import Foundation
import Networks

/// The human-readable accuracy table of `aimc run`.
public enum ReportTable {
    /// The table as text: digital accuracy, then per evaluation time and compensation the
    /// analogue accuracy as mean ± std over repeats with its 95 % confidence interval.
    public static func render(_ s: RunSummary) -> String {
        var out = ""
        let h = s.hardware
        out += "aimc · \(s.experiment) · seed \(s.seed) · \(s.analog.first?.repeats ?? 0) repeats\n"
        out += "hardware: \(h.device), gMax \(String(format: "%.3g", h.gMax * 1e6)) µS, tiles \(h.tileRows)×\(h.tileColumns), "
            + "DAC \(bits(h.dacBits)), ADC \(bits(h.adcBits)) over ±\(String(format: "%g", h.adcRange)) (\(h.outputUnits)), output noise σ \(String(format: "%g", h.outputNoise))\n\n"
        out += String(format: "digital accuracy (FP32): %.2f %%  (%d test images)\n\n", s.digital.accuracy * 100, s.digital.testImages)
        let header = ["t_inference", "compensation", "accuracy (mean ± std)", "95 % CI", "Δ vs digital"]
        var rows: [[String]] = []
        for p in s.analog {
            rows.append([
                formatDuration(p.tInference), p.compensation,
                String(format: "%.2f ± %.2f %%", p.accuracyMean * 100, p.accuracyStd * 100),
                String(format: "[%.2f, %.2f] %%", (p.accuracyMean - p.accuracyCi95) * 100, (p.accuracyMean + p.accuracyCi95) * 100),
                String(format: "%+.2f pts", (p.accuracyMean - s.digital.accuracy) * 100),
            ])
        }
        out += table(header, rows)
        out += "\nconverters per layer (all MVMs, compensation '\(s.analog.first?.compensation ?? "none")'):\n"
        // Named matrices (a ViT's blocks.0.attn.qkv, …) get a name column.
        let named = s.layers.contains { $0.name != nil }
        out += table(
            ["layer"] + (named ? ["name"] : []) + ["inputs × outputs", "tiles", "DAC clipped", "ADC clipped", "ADC zeroed"],
            s.layers.map {
                let head = ["\($0.index)"] + (named ? [$0.name ?? "—"] : []) + ["\($0.inputs) × \($0.outputs)"]
                // A digitally placed matrix has no tiles and no converters.
                return $0.tiles == 0 || $0.placement == Placement.digital.rawValue
                    ? head + ["digital", "—", "—", "—"]
                    : head + ["\($0.tiles)", pct($0.dacClippedFraction), pct($0.adcClippedFraction), pct($0.adcZeroedFraction)]
            })
        if let c = s.comparison { out += "\n" + ComparisonTable.render(c) }
        if let e = s.energy { out += "\n" + EnergyTable.render(e) }
        return out
    }

    static func bits(_ b: Int) -> String { b == 0 ? "ideal" : "\(b) b" }
    static func pct(_ f: Double) -> String { String(format: "%.3f %%", f * 100) }

    /// A plain text table with aligned columns.
    public static func table(_ header: [String], _ rows: [[String]]) -> String {
        var widths = header.map(\.count)
        for r in rows { for (i, c) in r.enumerated() { widths[i] = max(widths[i], c.count) } }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { $1.padding(toLength: widths[$0], withPad: " ", startingAt: 0) }.joined(separator: "  ")
                .trimmingCharacters(in: .whitespaces) + "\n"
        }
        return line(header) + line(widths.map { String(repeating: "-", count: $0) }) + rows.map(line).joined()
    }
}

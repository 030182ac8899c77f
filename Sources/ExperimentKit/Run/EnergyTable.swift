import Energy
import Foundation

/// The energy comparison as text (after the accuracy table of `aimc run`, and alone for
/// `aimc energy`) and as CSV (`energy.csv`).
public enum EnergyTable {
    /// The report: analogue energy, latency, TOPS/W and breakdown; the GPU baseline per
    /// profile and batch size; and their ratio.
    public static func render(_ e: EnergySummary) -> String {
        var out = "energy per inference (counts from \(e.inputStatistics)):\n"
        if let a = e.analog {
            let b = a.breakdown
            func part(_ v: Double) -> String { "\(si(v, "J")) (\(String(format: "%.0f", v / b.total * 100)) %)" }
            out += "analogue: energy model \(a.model), \(fmt(a.technologyNodeNm)) nm\n"
            out += ReportTable.table(
                ["J/inference", "latency", "TOPS/W", "ADC", "DAC", "array", "digital", "memory"],
                [[si(a.joulesPerInference, "J"), si(a.latencyS, "s"), String(format: "%.2f", a.topsPerWatt),
                  part(b.adc), part(b.dac), part(b.array), part(b.digital), part(b.memory)]])
        } else {
            out += "analogue: \(e.analogNote ?? "not modelled")\n"
        }
        if !e.gpuAll.isEmpty {
            var acc = ""
            if let b = e.baselineAccuracy {
                acc = String(format: "; accuracy FP32 %.2f %%, BF16 %.2f %%, INT8 %.2f %%", b.fp32 * 100, b.bf16 * 100, b.int8 * 100)
            }
            out += "\nGPU baseline (roofline at \(e.gpuAll[0].precision.uppercased())\(acc)):\n"
            var header = ["gpu", "batch", "J/inference", "latency", "TOPS/W", "compute", "memory", "bound"]
            if e.analog != nil { header += ["energy ÷ analogue", "latency ÷ analogue"] }
            let rows: [[String]] = e.gpuAll.map { g in
                let bounds = Set(g.layers.map(\.bound)).sorted().joined(separator: "+")
                var r = [g.gpu, "\(g.batchSize)", si(g.joulesPerInference, "J"), si(g.latencyS, "s"), String(format: "%.2f", g.topsPerWatt),
                         si(g.breakdown.compute, "J"), si(g.breakdown.memory, "J"), bounds]
                if let a = e.analog {
                    r += [String(format: "%.3g ×", g.joulesPerInference / a.joulesPerInference), String(format: "%.3g ×", g.latencyS / a.latencyS)]
                }
                return r
            }
            out += ReportTable.table(header, rows)
        }
        if let r = e.ratio, let g = e.gpu {
            out += String(format: "\nheadline: %@ (batch %d, %@) uses %.3g × the analogue energy per inference and %.3g × its latency.\n",
                          g.gpu, g.batchSize, g.precision.uppercased(), r.energy, r.latency)
        }
        return out
    }

    /// `energy.csv`: one row for the analogue hardware and one per GPU × batch size.
    public static func csv(_ e: EnergySummary) -> String {
        var s = "system,precision,batch_size,joules_per_inference,latency_s,tops_per_watt,adc_j,dac_j,array_j,digital_j,memory_j,compute_j,accuracy\n"
        func n(_ v: Double) -> String { String(format: "%.6e", v) }
        if let a = e.analog {
            let b = a.breakdown
            s += "analog:\(a.model),analog,1,\(n(a.joulesPerInference)),\(n(a.latencyS)),\(n(a.topsPerWatt)),"
                + "\(n(b.adc)),\(n(b.dac)),\(n(b.array)),\(n(b.digital)),\(n(b.memory)),,\n"
        }
        for g in e.gpuAll {
            let acc: String
            switch g.precision {
            case "fp32": acc = e.baselineAccuracy.map { String(format: "%.4f", $0.fp32) } ?? ""
            case "bf16": acc = e.baselineAccuracy.map { String(format: "%.4f", $0.bf16) } ?? ""
            default: acc = e.baselineAccuracy.map { String(format: "%.4f", $0.int8) } ?? ""
            }
            s += "gpu:\(g.gpu.replacingOccurrences(of: ",", with: " ")),\(g.precision),\(g.batchSize),\(n(g.joulesPerInference)),"
                + "\(n(g.latencyS)),\(n(g.topsPerWatt)),,,,,\(n(g.breakdown.memory)),\(n(g.breakdown.compute)),\(acc)\n"
        }
        return s
    }

    /// A value with an SI prefix: 1.23e-8 J → "12.3 nJ".
    public static func si(_ v: Double, _ unit: String) -> String {
        if v == 0 || !v.isFinite { return "\(v) \(unit)" }
        let prefixes: [(Double, String)] = [(1, ""), (1e-3, "m"), (1e-6, "µ"), (1e-9, "n"), (1e-12, "p"), (1e-15, "f")]
        for (f, p) in prefixes where abs(v) >= f * 0.9995 {
            return String(format: "%.3g %@%@", v / f, p, unit)
        }
        return String(format: "%.3g a%@", v / 1e-18, unit)
    }
}

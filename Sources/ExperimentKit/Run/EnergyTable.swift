import Energy
import Foundation

/// The energy comparison as text (after the accuracy table of `aimc run`, and alone for
/// `aimc energy`) and as CSV (`energy.csv`).
public enum EnergyTable {
    /// The report: analogue energy with its band, latency, TOPS/W and breakdown, area and
    /// calibration cost; the GPU baseline per profile and batch size, realistic (CUDA graph
    /// and eager, best–worst of the published ranges) and the roofline (the lower bound on time); and the
    /// headline ratios as ranges at every batch size.
    public static func render(_ e: EnergySummary) -> String {
        var out = "energy per inference (counts from \(e.inputStatistics)):\n"
        if let a = e.analog {
            let b = a.breakdown
            func part(_ v: Double) -> String { "\(si(v, "J")) (\(String(format: "%.0f", v / a.joulesPerInference * 100)) %)" }
            // Matrices placed digitally: a column of their own beside the tiles' parts.
            let digitalColumn = a.digitalMatrices.map { [("digital MACs", $0.total)] } ?? []
            let tw = a.topsPerWattBand
            out += "analogue: energy model \(a.model), \(fmt(a.technologyNodeNm)) nm; t_int \(si(a.integrationTimeS, "s")), "
                + "ADC conversion \(si(a.conversionTimeS, "s")), tile read \(si(a.readTimeS, "s"))\n"
            out += ReportTable.table(
                ["J/inference", "band", "latency", "TOPS/W", "band"] + (b.named + digitalColumn).map(\.0),
                [[si(a.joulesPerInference, "J"), range(a.joulesOptimistic, a.joulesPessimistic, "J"), si(a.latencyS, "s"),
                  String(format: "%.3g", a.topsPerWatt), String(format: "%.3g–%.3g", tw.pessimistic, tw.optimistic)]
                    + (b.named + digitalColumn).map { part($0.1) }])
            if let d = a.digitalMatrices {
                out += "placement: analogue tiles \(si(b.total, "J")) (ADC … memory); digital MACs \(si(d.total, "J")): "
                if d.matrices > 0 {
                    out += "\(d.matrices) matrices placed digitally, " + String(format: "%.4g", d.macsPerInference) + " FP32 MACs per inference "
                        + "(compute \(si(d.compute, "J")), weight reads \(si(d.weightReads, "J")), activations \(si(d.activations, "J")))"
                } else {
                    out += "no matrix placed digitally"
                }
                if d.attentionMacsPerInference > 0 {
                    out += "; attention's QKᵀ and A·V " + String(format: "%.4g", d.attentionMacsPerInference) + " MACs: \(si(d.attentionProducts, "J"))"
                }
                out += "\n"
            }
            let ar = a.area
            if ar.tile.total > 0 {
                let t = ar.tile
                func share(_ v: Double) -> String { String(format: "%.0f %%", v / t.total * 100) }
                out += String(format: "area: %d tiles, %@ per tile (array %@, columns %@, rows %@, tile logic %@), chip %@; %.3g TOPS/mm² per tile, %.3g TOPS/mm² for this network\n",
                              ar.tiles, area(t.total), share(t.array), share(t.columns), share(t.rows), share(t.tile), area(ar.chip.total),
                              ar.tileTopsPerMm2, ar.networkTopsPerMm2)
            }
            out += "drift-compensation calibration (global/column): \(si(a.calibration.joules, "J")) per calibration "
                + "(\(String(format: "%.0f", a.calibration.reads)) one-hot tile reads), paid once per calibration, not per inference\n"
        } else {
            out += "analogue: \(e.analogNote ?? "not modelled")\n"
        }
        if !e.gpuAll.isEmpty {
            var acc = ""
            if let b = e.baselineAccuracy {
                acc = String(format: "; accuracy FP32 %.2f %%, BF16 %.2f %%, INT8 %.2f %%", b.fp32 * 100, b.bf16 * 100, b.int8 * 100)
            }
            out += "\nGPU baseline at \(e.gpuAll[0].precision.uppercased())\(acc)\n"
            out += "(realistic: launch overhead, minimal kernel time, achievable efficiency, L2 residency and idle power, best–worst of the published ranges; roofline: the lower bound on time; batch time ÷ analogue: the GPU's batch against B analogue inferences in a row)\n"
            var header = ["gpu", "batch", "execution", "J/inference", "latency", "TOPS/W", "weights"]
            if e.analog != nil { header += ["energy ÷ analogue", "batch time ÷ analogue"] }
            var rows: [[String]] = []
            for g in e.gpuAll {
                for mode in GPULaunchMode.allCases {
                    guard let best = g.realistic(mode, .best), let worst = g.realistic(mode, .worst) else { continue }
                    var r = [g.gpu, "\(g.batchSize)", mode.rawValue, range(best.joulesPerInference, worst.joulesPerInference, "J"),
                             range(best.latencyS, worst.latencyS, "s"), "\(ratio(worst.topsPerWatt))–\(ratio(best.topsPerWatt))",
                             best.weightsInL2 ? "L2" : "HBM"]
                    if let a = e.analog, let q = EnergySummary.ratio(g, a, modes: [mode]) {
                        r += ["\(ratio(q.energyLow))–\(ratio(q.energyHigh)) ×", "\(ratio(q.latencyLow))–\(ratio(q.latencyHigh)) ×"]
                    }
                    rows.append(r)
                }
                var r = [g.gpu, "\(g.batchSize)", "roofline", si(g.joulesPerInference, "J"), si(g.latencyS, "s"), String(format: "%.3g", g.topsPerWatt), "HBM"]
                if let a = e.analog {
                    r += [ratio(g.joulesPerInference / a.joulesPerInference) + " ×", ratio(g.latencyS / (Double(g.batchSize) * a.latencyS)) + " ×"]
                }
                rows.append(r)
            }
            out += ReportTable.table(header, rows)
        }
        if let first = e.headlines.first {
            let parts = e.headlines.map {
                String(format: "%@–%@ × the analogue energy per inference and %@–%@ × its time at batch %d",
                       ratio($0.ratio.energyLow), ratio($0.ratio.energyHigh), ratio($0.ratio.latencyLow), ratio($0.ratio.latencyHigh), $0.batchSize)
            }
            let roof = e.headlines.map {
                String(format: "%@ × and %@ × at batch %d", ratio($0.rooflineEnergyRatio), ratio($0.rooflineLatencyRatio), $0.batchSize)
            }
            out += "\nheadline: \(first.gpu) (\(first.precision.uppercased()), eager or CUDA graph) uses " + parts.joined(separator: "; ")
                + " (the roofline alone: " + roof.joined(separator: "; ") + ").\n"
        }
        return out
    }

    /// `energy.csv`: one row for the analogue hardware and, per GPU × batch size, one per
    /// realistic launch mode and one for the roofline. `joules_low`/`joules_high` are the
    /// analogue band or the GPU's best/worst ends; `latency_low`/`latency_high` likewise.
    public static func csv(_ e: EnergySummary) -> String {
        var s = "system,execution,precision,batch_size,joules_per_inference,joules_low,joules_high,latency_s,latency_low,latency_high,"
            + "tops_per_watt,adc_j,dac_j,array_j,frontend_j,static_j,digital_j,memory_j,compute_j,chip_area_m2,accuracy\n"
        func n(_ v: Double) -> String { String(format: "%.6e", v) }
        if let a = e.analog {
            let b = a.breakdown
            s += "analog:\(a.model),analog,analog,1,\(n(a.joulesPerInference)),\(n(a.joulesOptimistic)),\(n(a.joulesPessimistic)),"
                + "\(n(a.latencyS)),\(n(a.latencyS)),\(n(a.latencyS)),\(n(a.topsPerWatt)),"
                + "\(n(b.adc)),\(n(b.dac)),\(n(b.array)),\(n(b.frontend)),\(n(b.static)),\(n(b.digital)),\(n(b.memory)),,\(n(a.area.chip.total)),\n"
            // The digitally placed matrices (included in the row above): compute and memory.
            if let d = a.digitalMatrices {
                let t = a.layers.filter { $0.digital != nil }.reduce(0) { $0 + $1.latencyS }
                s += "digital_matrices:\(a.model),digital,fp32,1,\(n(d.total)),\(n(d.total)),\(n(d.total)),\(n(t)),\(n(t)),\(n(t)),"
                    + "\(n(d.total > 0 ? 2 * (d.macsPerInference + d.attentionMacsPerInference) / d.total / 1e12 : 0)),,,,,,,\(n(d.weightReads + d.activations)),\(n(d.compute + d.attentionProducts)),,\n"
            }
        }
        for g in e.gpuAll {
            let acc: String
            switch g.precision {
            case "fp32": acc = e.baselineAccuracy.map { String(format: "%.4f", $0.fp32) } ?? ""
            case "bf16": acc = e.baselineAccuracy.map { String(format: "%.4f", $0.bf16) } ?? ""
            default: acc = e.baselineAccuracy.map { String(format: "%.4f", $0.int8) } ?? ""
            }
            let name = g.gpu.replacingOccurrences(of: ",", with: " ")
            for mode in GPULaunchMode.allCases {
                guard let best = g.realistic(mode, .best), let worst = g.realistic(mode, .worst) else { continue }
                s += "gpu:\(name),\(mode.rawValue),\(g.precision),\(g.batchSize),\(n(best.joulesPerInference)),\(n(best.joulesPerInference)),"
                    + "\(n(worst.joulesPerInference)),\(n(best.latencyS)),\(n(best.latencyS)),\(n(worst.latencyS)),\(n(best.topsPerWatt)),"
                    + ",,,,\(n(best.staticJoules)),,,\(n(best.dynamicJoules)),,\(acc)\n"
            }
            s += "gpu:\(name),roofline,\(g.precision),\(g.batchSize),\(n(g.joulesPerInference)),\(n(g.joulesPerInference)),\(n(g.joulesPerInference)),"
                + "\(n(g.latencyS)),\(n(g.latencyS)),\(n(g.latencyS)),\(n(g.topsPerWatt)),,,,,,,\(n(g.breakdown.memory)),\(n(g.breakdown.compute)),,\(acc)\n"
        }
        return s
    }

    static func range(_ lo: Double, _ hi: Double, _ unit: String) -> String {
        let a = si(lo, unit), b = si(hi, unit)
        // "1.2 µJ–3.4 µJ" → "1.2–3.4 µJ" when the prefixes agree.
        let pa = a.split(separator: " "), pb = b.split(separator: " ")
        if pa.count == 2, pb.count == 2, pa[1] == pb[1] { return "\(pa[0])–\(pb[0]) \(pa[1])" }
        return "\(a)–\(b)"
    }

    /// A ratio for the report, to 3 significant digits without exponents from 0.01 up
    /// (8341 → "8340", 110609 → "111000"), 2 significant digits below.
    static func ratio(_ v: Double) -> String {
        guard v.isFinite, v > 0 else { return "\(v)" }
        if v >= 1000 {
            let step = pow(10, floor(log10(v)) - 2)
            return String(format: "%.0f", (v / step).rounded() * step)
        }
        return String(format: v < 0.01 ? "%.2g" : "%.3g", v)
    }

    static func area(_ m2: Double) -> String {
        let mm2 = m2 * 1e6
        return mm2 >= 0.1 ? String(format: "%.3g mm²", mm2) : String(format: "%.3g µm²", m2 * 1e12)
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

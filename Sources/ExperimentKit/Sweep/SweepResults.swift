import Foundation
import Networks
import NumericKernels

/// The combined results of a sweep, in point order, and the files made from them.
public struct SweepResults: Sendable {
    public let spec: SweepSpec
    public let points: [SweepPoint]
    /// One record per point, in point order.
    public let records: [PointRecord]
    public let experiment: String

    /// The tidy CSV: one row per point × repeat × evaluation time × compensation, every
    /// axis a column (pandas reads it as is).
    public func csv() -> String {
        let axes = spec.keys
        var out = (["point"] + axes + ["repeat", "seed", "t_inference_s", "compensation", "accuracy", "digital_accuracy",
                                       "analog_joules_per_inference", "analog_latency_s"])
            .map(csvField).joined(separator: ",") + "\n"
        for (p, r) in zip(points, records) {
            let axisValues = axes.map { k in p.assignments.first { $0.key == k }?.value ?? "" }
            let e = r.summary.energy?.analog
            let energy = [e.map { String(format: "%.6g", $0.joulesPerInference) } ?? "", e.map { String(format: "%.6g", $0.latencyS) } ?? ""]
            for a in r.summary.analog {
                for (rep, acc) in a.accuracies.enumerated() {
                    let row = ["\(p.index)"] + axisValues + [
                        "\(rep)", "\(r.summary.repeatSeeds[rep])", fmtNumber(a.tInference), a.compensation,
                        String(format: "%.4f", acc), String(format: "%.4f", r.summary.digital.accuracy),
                    ] + energy
                    out += row.map(csvField).joined(separator: ",") + "\n"
                }
            }
        }
        return out
    }

    func csvField(_ s: String) -> String {
        s.contains(where: { ",\"\n".contains($0) }) ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
    }

    /// The JSON summary: axes, and per point its assignments, hash, digital accuracy and the
    /// analogue statistics per evaluation time and compensation.
    public func json() throws -> Data {
        struct Point: Codable {
            var index: Int
            var hash: String
            var axes: [String: String]
            var seed: UInt64
            var repeatSeeds: [UInt64]
            var digitalAccuracy: Double
            var analog: [RunSummary.AnalogPoint]
            var analogJoulesPerInference: Double?
            var analogLatencyS: Double?
        }
        struct Doc: Codable {
            var experiment: String
            var axes: [String]
            var points: [Point]
        }
        let doc = Doc(experiment: experiment, axes: spec.keys, points: zip(points, records).map { p, r in
            Point(index: p.index, hash: p.hash, axes: r.axes, seed: r.summary.seed, repeatSeeds: r.summary.repeatSeeds,
                  digitalAccuracy: r.summary.digital.accuracy, analog: r.summary.analog,
                  analogJoulesPerInference: r.summary.energy?.analog?.joulesPerInference, analogLatencyS: r.summary.energy?.analog?.latencyS)
        })
        let e = JSONEncoder()
        e.keyEncodingStrategy = .convertToSnakeCase
        e.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try e.encode(doc)
    }

    /// A text table: one row per point × evaluation time, a column per compensation.
    public func table() -> String {
        let comps = records.first?.summary.analog.map(\.compensation).reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } } ?? []
        var rows: [[String]] = []
        for (p, r) in zip(points, records) {
            let times = r.summary.analog.map(\.tInference).reduce(into: [Double]()) { if !$0.contains($1) { $0.append($1) } }
            for t in times {
                var row = spec.keys.map { k in p.assignments.first { $0.key == k }?.value ?? "" }
                row.append(formatDuration(t))
                for c in comps {
                    if let a = r.summary.analog.first(where: { $0.tInference == t && $0.compensation == c }) {
                        row.append(String(format: "%.2f ± %.2f", a.accuracyMean * 100, a.accuracyCi95 * 100))
                    } else {
                        row.append("")
                    }
                }
                rows.append(row)
            }
        }
        let header = spec.keys + ["t_inference"] + comps.map { "\($0) (% ± CI95)" }
        return ReportTable.table(header, rows)
    }

    /// The compensation shown in plots: `global` when evaluated, else the first one.
    var plotCompensation: String {
        let comps = records.first?.summary.analog.map(\.compensation) ?? []
        return comps.contains("global") ? "global" : (comps.first ?? "none")
    }

    func label(_ p: SweepPoint, excluding: String? = nil) -> String {
        let parts = p.assignments.filter { $0.key != excluding }.map { "\($0.key.split(separator: ".").suffix(2).joined(separator: "."))=\($0.value)" }
        return parts.isEmpty ? "baseline" : parts.joined(separator: " ")
    }

    /// Accuracy against evaluation time, one line per point, with 95 % CI bands.
    public func timePlot() -> LinePlot {
        let comp = plotCompensation
        let times = Set(records.flatMap { $0.summary.analog.map(\.tInference) }).sorted()
        let minPositive = times.first { $0 > 0 } ?? 1
        let zeroAt = minPositive / 10
        func xpos(_ t: Double) -> Double { t > 0 ? t : zeroAt }
        var plot = LinePlot(
            title: "\(experiment): accuracy over drift time (compensation \(comp))", xLabel: "time after programming (log scale)",
            yLabel: "test accuracy (%)",
            series: zip(points, records).map { p, r in
                LinePlot.Series(name: label(p), points: r.summary.analog.filter { $0.compensation == comp }.map {
                    LinePlot.Point(x: xpos($0.tInference), y: $0.accuracyMean * 100,
                                   low: ($0.accuracyMean - $0.accuracyCi95) * 100, high: ($0.accuracyMean + $0.accuracyCi95) * 100)
                })
            })
        plot.logX = true
        plot.xTicks = times.map { (xpos($0), formatDuration($0)) }
        return plot
    }

    /// Accuracy against one swept axis, one line per evaluation time (and per combination
    /// of the other axes), with 95 % CI bands. Numeric axes are placed by value, others
    /// evenly in sweep order.
    public func axisPlot(_ key: String) -> LinePlot {
        let comp = plotCompensation
        let values = points.compactMap { p in p.assignments.first { $0.key == key }?.value }.reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
        let numeric = values.allSatisfy { Double($0) != nil }
        func xpos(_ v: String) -> Double { numeric ? Double(v)! : Double(values.firstIndex(of: v) ?? 0) }
        var groups: [(String, [LinePlot.Point])] = []
        for (p, r) in zip(points, records) {
            guard let v = p.assignments.first(where: { $0.key == key })?.value else { continue }
            for a in r.summary.analog where a.compensation == comp {
                let other = label(p, excluding: key)
                let name = (other == "baseline" ? "" : other + ", ") + "t = " + formatDuration(a.tInference)
                let pt = LinePlot.Point(x: xpos(v), y: a.accuracyMean * 100,
                                        low: (a.accuracyMean - a.accuracyCi95) * 100, high: (a.accuracyMean + a.accuracyCi95) * 100)
                if let i = groups.firstIndex(where: { $0.0 == name }) { groups[i].1.append(pt) } else { groups.append((name, [pt])) }
            }
        }
        var plot = LinePlot(title: "\(experiment): accuracy against \(key) (compensation \(comp))", xLabel: key, yLabel: "test accuracy (%)",
                            series: groups.map { LinePlot.Series(name: $0.0, points: $0.1) })
        plot.xTicks = values.map { (xpos($0), $0) }
        return plot
    }

    /// Accuracy against analogue energy per inference (log scale), one scatter series per
    /// evaluation time with 95 % CI bars, and the Pareto front (most accurate for least
    /// energy) at the last evaluation time. Nil when the points carry no energy estimate.
    public func energyPlot() -> LinePlot? {
        let comp = plotCompensation
        let energies = records.map { $0.summary.energy?.analog?.joulesPerInference }
        guard energies.allSatisfy({ ($0 ?? 0) > 0 }) else { return nil }
        let times = Set(records.flatMap { $0.summary.analog.map(\.tInference) }).sorted()
        var series: [LinePlot.Series] = times.map { t in
            LinePlot.Series(name: "t = \(formatDuration(t))", points: zip(records, energies).compactMap { r, e in
                r.summary.analog.first { $0.tInference == t && $0.compensation == comp }.map {
                    LinePlot.Point(x: e!, y: $0.accuracyMean * 100, low: ($0.accuracyMean - $0.accuracyCi95) * 100,
                                   high: ($0.accuracyMean + $0.accuracyCi95) * 100)
                }
            }, markersOnly: true)
        }
        if let last = times.last {
            let pts = zip(records, energies).compactMap { r, e -> (Double, Double)? in
                r.summary.analog.first { $0.tInference == last && $0.compensation == comp }.map { (e!, $0.accuracyMean * 100) }
            }.sorted { $0.0 < $1.0 || ($0.0 == $1.0 && $0.1 > $1.1) }
            var front: [LinePlot.Point] = []
            var best = -Double.infinity
            for (e, a) in pts where a > best {
                front.append(LinePlot.Point(x: e, y: a))
                best = a
            }
            series.append(LinePlot.Series(name: "Pareto front at t = \(formatDuration(last))", points: front))
        }
        var plot = LinePlot(title: "\(experiment): accuracy against energy (compensation \(comp))",
                            xLabel: "analogue energy per inference (J, log scale)", yLabel: "test accuracy (%)", series: series)
        plot.logX = true
        let lo = floor(log10(energies.map { $0! }.min()!)), hi = ceil(log10(energies.map { $0! }.max()!))
        let mantissas: [Double] = hi - lo <= 2 ? [1, 2, 5] : [1]
        plot.xTicks = stride(from: lo, through: hi, by: 1).flatMap { d in mantissas.map { m in (m * pow(10, d), String(format: "%.0e", m * pow(10, d))) } }
        return plot
    }

    /// File name of an axis plot.
    public static func axisPlotName(_ key: String) -> String {
        "accuracy_vs_" + key.map { $0.isLetter || $0.isNumber ? $0 : "_" }.map(String.init).joined() + ".svg"
    }

    /// Writes `sweep.csv`, `summary.json`, `table.txt` and the plots, each atomically.
    public func write(to dir: URL) throws {
        try AtomicFile.write(Data(csv().utf8), to: dir.appendingPathComponent("sweep.csv"))
        try AtomicFile.write(try json(), to: dir.appendingPathComponent("summary.json"))
        try AtomicFile.write(Data(table().utf8), to: dir.appendingPathComponent("table.txt"))
        try AtomicFile.write(Data(timePlot().svg().utf8), to: dir.appendingPathComponent("accuracy_vs_time.svg"))
        for k in spec.keys {
            try AtomicFile.write(Data(axisPlot(k).svg().utf8), to: dir.appendingPathComponent(SweepResults.axisPlotName(k)))
        }
        if let e = energyPlot() {
            try AtomicFile.write(Data(e.svg().utf8), to: dir.appendingPathComponent("accuracy_vs_energy.svg"))
        }
    }
}

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

    /// Writes `sweep.csv`, `summary.json` and `table.txt` as one set with `manifest.json`
    /// last (`ResultSet`), so that a reader can tell a complete set from one cut short.
    /// Figures are drawn from `sweep.csv` by the Python package (`aimc plot`).
    public func write(to dir: URL) throws {
        try ResultSet.write([("sweep.csv", Data(csv().utf8)), ("summary.json", try json()), ("table.txt", Data(table().utf8))], to: dir)
    }
}

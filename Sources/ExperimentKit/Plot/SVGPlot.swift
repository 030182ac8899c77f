import Foundation

/// A line plot with optional confidence bands, rendered as a standalone SVG file.
///
/// Written directly (no plotting dependency): axes with ticks and grid, one coloured line
/// with markers per series, a translucent band between `low` and `high`, and a legend.
public struct LinePlot: Sendable {
    /// One point of a series: position, value and band.
    public struct Point: Sendable {
        public var x: Double
        public var y: Double
        public var low: Double
        public var high: Double
        public init(x: Double, y: Double, low: Double? = nil, high: Double? = nil) {
            self.x = x
            self.y = y
            self.low = low ?? y
            self.high = high ?? y
        }
    }
    public struct Series: Sendable {
        public var name: String
        public var points: [Point]
        /// Draw markers only (a scatter series), no connecting line.
        public var markersOnly: Bool
        public init(name: String, points: [Point], markersOnly: Bool = false) {
            self.name = name
            self.points = points
            self.markersOnly = markersOnly
        }
    }

    public var title: String
    public var xLabel: String
    public var yLabel: String
    /// Tick positions and labels of the x axis; automatic when empty.
    public var xTicks: [(Double, String)] = []
    public var series: [Series]
    /// Plot x as log10(x) (positions must be > 0).
    public var logX = false

    public init(title: String, xLabel: String, yLabel: String, series: [Series]) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.series = series
    }

    static let palette = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#7f7f7f", "#bcbd22"]

    /// The SVG document.
    public func svg(width: Double = 860, height: Double = 480) -> String {
        let left = 70.0, right = 300.0, top = 40.0, bottom = 60.0
        let pw = width - left - right, ph = height - top - bottom
        func tx(_ x: Double) -> Double { logX ? log10(max(x, 1e-300)) : x }
        let all = series.flatMap(\.points)
        var x0 = all.map { tx($0.x) }.min() ?? 0, x1 = all.map { tx($0.x) }.max() ?? 1
        var y0 = all.map(\.low).min() ?? 0, y1 = all.map(\.high).max() ?? 1
        if x1 - x0 < 1e-12 { x0 -= 0.5; x1 += 0.5 }
        if y1 - y0 < 1e-12 { y0 -= 0.01; y1 += 0.01 }
        let xpad = (x1 - x0) * 0.05, ypad = (y1 - y0) * 0.08
        x0 -= xpad; x1 += xpad; y0 -= ypad; y1 += ypad
        func px(_ x: Double) -> Double { left + (tx(x) - x0) / (x1 - x0) * pw }
        func pxRaw(_ t: Double) -> Double { left + (t - x0) / (x1 - x0) * pw }
        func py(_ y: Double) -> Double { top + (1 - (y - y0) / (y1 - y0)) * ph }
        func esc(_ s: String) -> String {
            s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
        }
        func f(_ v: Double) -> String { String(format: "%.2f", v) }
        var s = """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" viewBox="0 0 \(Int(width)) \(Int(height))" font-family="DejaVu Sans, Arial, sans-serif" font-size="12">
            <rect width="100%" height="100%" fill="white"/>
            <text x="\(f(left + pw / 2))" y="22" text-anchor="middle" font-size="15">\(esc(title))</text>

            """
        // Grid and ticks.
        let yt = niceTicks(y0, y1, 6)
        for v in yt {
            s += "<line x1=\"\(f(left))\" y1=\"\(f(py(v)))\" x2=\"\(f(left + pw))\" y2=\"\(f(py(v)))\" stroke=\"#e0e0e0\"/>\n"
            s += "<text x=\"\(f(left - 6))\" y=\"\(f(py(v) + 4))\" text-anchor=\"end\">\(esc(tickLabel(v)))</text>\n"
        }
        let xt: [(Double, String)] = xTicks.isEmpty ? niceTicks(x0, x1, 7).map { ($0, tickLabel($0)) } : xTicks.map { (tx($0.0), $0.1) }
        for (v, label) in xt where v >= x0 - 1e-9 && v <= x1 + 1e-9 {
            s += "<line x1=\"\(f(pxRaw(v)))\" y1=\"\(f(top))\" x2=\"\(f(pxRaw(v)))\" y2=\"\(f(top + ph))\" stroke=\"#f0f0f0\"/>\n"
            s += "<text x=\"\(f(pxRaw(v)))\" y=\"\(f(top + ph + 18))\" text-anchor=\"middle\">\(esc(label))</text>\n"
        }
        s += "<rect x=\"\(f(left))\" y=\"\(f(top))\" width=\"\(f(pw))\" height=\"\(f(ph))\" fill=\"none\" stroke=\"#333\"/>\n"
        s += "<text x=\"\(f(left + pw / 2))\" y=\"\(f(height - 16))\" text-anchor=\"middle\">\(esc(xLabel))</text>\n"
        s += "<text transform=\"translate(18,\(f(top + ph / 2))) rotate(-90)\" text-anchor=\"middle\">\(esc(yLabel))</text>\n"
        // Series.
        for (i, ser) in series.enumerated() {
            let c = LinePlot.palette[i % LinePlot.palette.count]
            let pts = ser.points.sorted { $0.x < $1.x }
            if pts.contains(where: { $0.high > $0.low }) && !ser.markersOnly {
                let upper = pts.map { "\(f(px($0.x))),\(f(py($0.high)))" }
                let lower = pts.reversed().map { "\(f(px($0.x))),\(f(py($0.low)))" }
                s += "<polygon points=\"\((upper + lower).joined(separator: " "))\" fill=\"\(c)\" fill-opacity=\"0.18\" stroke=\"none\"/>\n"
            }
            if !ser.markersOnly && pts.count > 1 {
                s += "<polyline points=\"\(pts.map { "\(f(px($0.x))),\(f(py($0.y)))" }.joined(separator: " "))\" fill=\"none\" stroke=\"\(c)\" stroke-width=\"2\"/>\n"
            }
            for p in pts {
                if ser.markersOnly && p.high > p.low {
                    s += "<line x1=\"\(f(px(p.x)))\" y1=\"\(f(py(p.low)))\" x2=\"\(f(px(p.x)))\" y2=\"\(f(py(p.high)))\" stroke=\"\(c)\"/>\n"
                }
                s += "<circle cx=\"\(f(px(p.x)))\" cy=\"\(f(py(p.y)))\" r=\"3.5\" fill=\"\(c)\"/>\n"
            }
            let ly = top + 10 + Double(i) * 18
            s += "<line x1=\"\(f(left + pw + 14))\" y1=\"\(f(ly))\" x2=\"\(f(left + pw + 34))\" y2=\"\(f(ly))\" stroke=\"\(c)\" stroke-width=\"3\"/>\n"
            s += "<text x=\"\(f(left + pw + 40))\" y=\"\(f(ly + 4))\">\(esc(ser.name))</text>\n"
        }
        s += "</svg>\n"
        return s
    }
}

/// About `n` round tick values covering [a, b].
func niceTicks(_ a: Double, _ b: Double, _ n: Int) -> [Double] {
    let span = b - a
    guard span > 0, span.isFinite else { return [a] }
    let raw = span / Double(max(n, 1))
    let mag = pow(10, floor(log10(raw)))
    let step = [1.0, 2, 2.5, 5, 10].map { $0 * mag }.first { $0 >= raw } ?? 10 * mag
    var v = (a / step).rounded(.up) * step
    var out: [Double] = []
    while v <= b + step * 1e-9 {
        out.append(abs(v) < step * 1e-9 ? 0 : v)
        v += step
    }
    return out
}

func tickLabel(_ v: Double) -> String {
    if v == v.rounded() && abs(v) < 1e6 { return String(Int(v)) }
    return String(format: "%.4g", v)
}

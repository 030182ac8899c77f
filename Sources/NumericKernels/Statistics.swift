/// Summary statistics over repeats.
public struct Summary: Equatable, Sendable, Codable {
    /// Number of samples.
    public let count: Int
    /// Arithmetic mean.
    public let mean: Double
    /// Sample standard deviation (n − 1 in the denominator; 0 for one sample).
    public let std: Double
    /// Half-width of the two-sided 95 % confidence interval of the mean,
    /// t(0.975, n − 1) · std / √n (Student's t; 0 for one sample).
    public let ci95: Double

    /// Summarises `samples`; an empty list gives NaN mean (never silently 0).
    public init(_ samples: [Double]) {
        count = samples.count
        guard !samples.isEmpty else {
            mean = .nan
            std = .nan
            ci95 = .nan
            return
        }
        let m = samples.reduce(0, +) / Double(samples.count)
        mean = m
        if samples.count > 1 {
            let v = samples.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(samples.count - 1)
            std = v.squareRoot()
            ci95 = Summary.studentT975(degreesOfFreedom: samples.count - 1) * std
                / Double(samples.count).squareRoot()
        } else {
            std = 0
            ci95 = 0
        }
    }

    /// The 0.975 quantile of Student's t distribution with `df` degrees of freedom.
    ///
    /// Exact table values (Abramowitz & Stegun, table 26.10) for df ≤ 30, and the
    /// Cornish–Fisher expansion in 1/df beyond, accurate to better than 1e-4.
    public static func studentT975(degreesOfFreedom df: Int) -> Double {
        precondition(df >= 1)
        let table: [Double] = [
            12.7062, 4.3027, 3.1824, 2.7764, 2.5706, 2.4469, 2.3646, 2.3060, 2.2622, 2.2281,
            2.2010, 2.1788, 2.1604, 2.1448, 2.1314, 2.1199, 2.1098, 2.1009, 2.0930, 2.0860,
            2.0796, 2.0739, 2.0687, 2.0639, 2.0595, 2.0555, 2.0518, 2.0484, 2.0452, 2.0423,
        ]
        if df <= table.count { return table[df - 1] }
        let z = 1.959963984540054
        let n = Double(df)
        let z3 = z * z * z, z5 = z3 * z * z, z7 = z5 * z * z
        return z + (z3 + z) / (4 * n) + (5 * z5 + 16 * z3 + 3 * z) / (96 * n * n)
            + (3 * z7 + 19 * z5 + 17 * z3 - 15 * z) / (384 * n * n * n)
    }
}

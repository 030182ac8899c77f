import NumericKernels
import TestSupport
import Testing

/// Tests of `Summary` (mean, sample standard deviation, Student-t 95 % interval) and
/// of the t quantile it uses.
@Suite("Summary statistics")
struct StatisticsTests {

    @Test("five known samples: mean 3, std √2.5 (n − 1), ci95 = t(0.975, 4)·s/√5")
    func knownSamples() {
        let s = Summary([1, 2, 3, 4, 5])
        let std = 2.5.squareRoot()
        #expect(s.count == 5)
        #expect(abs(s.mean - 3) <= 1e-12)
        #expect(abs(s.std - std) <= 1e-12)
        #expect(abs(s.ci95 - 2.7764 * std / 5.0.squareRoot()) <= 1e-9)
    }

    @Test("order and shift: the std does not depend on the order or a common offset")
    func shiftInvariance() {
        let a = Summary([9, 2, 5, 4, 12, 7])
        let b = Summary([1e6 + 7, 1e6 + 12, 1e6 + 4, 1e6 + 5, 1e6 + 2, 1e6 + 9])
        // Hand values: mean 39/6 = 6.5, Σ(x − m)² = 65.5, s² = 13.1.
        #expect(abs(a.mean - 6.5) <= 1e-12)
        #expect(abs(a.std - 13.1.squareRoot()) <= 1e-12)
        #expect(abs(b.mean - (1e6 + 6.5)) <= 1e-9)
        #expect(abs(b.std - a.std) <= 1e-6)
        #expect(abs(a.ci95 - 2.5706 * a.std / 6.0.squareRoot()) <= 1e-9)
    }

    @Test("one sample: mean is the sample, std 0, ci95 0")
    func oneSample() {
        let s = Summary([4.25])
        #expect(s.count == 1)
        #expect(s.mean == 4.25)
        #expect(s.std == 0)
        #expect(s.ci95 == 0)
    }

    @Test("identical samples: std 0 and ci95 0 exactly")
    func identicalSamples() {
        let s = Summary([0.5, 0.5, 0.5, 0.5])
        #expect(s.mean == 0.5)
        #expect(s.std == 0)
        #expect(s.ci95 == 0)
    }

    @Test("no samples: NaN, never a silent 0")
    func empty() {
        let s = Summary([])
        #expect(s.count == 0)
        #expect(s.mean.isNaN)
        #expect(s.std.isNaN)
        #expect(s.ci95.isNaN)
    }

    @Test(
        "studentT975 against tabulated quantiles to 1e-3",
        arguments: [
            (1, 12.7062),
            (2, 4.3027),
            (4, 2.7764),
            (10, 2.2281),
            (29, 2.0452),
            (30, 2.0423),
            (31, 2.0395),
            (40, 2.0211),
            (60, 2.0003),
            (100, 1.9840),
            (120, 1.9799),
            (1000, 1.9623),
        ])
    func tQuantile(df: Int, expected: Double) {
        #expect(abs(Summary.studentT975(degreesOfFreedom: df) - expected) <= 1e-3)
    }

    @Test("studentT975 decreases monotonically towards z = 1.95996")
    func tQuantileLimit() {
        var previous = Double.infinity
        for df in 1...2000 {
            let t = Summary.studentT975(degreesOfFreedom: df)
            #expect(t < previous, "t(0.975, \(df)) = \(t) is not below t(0.975, \(df - 1)) = \(previous)")
            previous = t
        }
        #expect(abs(Summary.studentT975(degreesOfFreedom: 1_000_000) - 1.959964) <= 1e-5)
        #expect(Summary.studentT975(degreesOfFreedom: 1_000_000) > 1.959963984540054)
    }

    @Test("Summary equality ignores the order of the samples")
    func equatable() {
        #expect(Summary([1, 2, 3]) == Summary([3, 2, 1]))
        #expect(Summary([1, 2, 3]) != Summary([1, 2, 4]))
    }
}

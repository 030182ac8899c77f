import Crossbar
import NumericKernels
import TestSupport
import Testing

/// Faults and variability (PHYSICS.md §6): stuck-at sets, gMax spread, finite conductance
/// states, dead rows and columns. Statistical checks use fixed seeds and k = 5:
/// a binomial count of N trials at rate p lies within 5·√(N·p·(1−p)) of N·p.
@Suite("Faults and variability")
struct FaultTests {
    static let gMin: Float = 1e-6, gMax: Float = 25e-6

    /// Ideal devices with gMin > 0, so that stuck-at-gMin differs from a zero weight's target.
    static func spec(_ configure: (inout HardwareSpec) -> Void) -> HardwareSpec {
        Stage.spec(rows: 256, columns: 256) {
            $0.conductanceRange = ConductanceRange(gMax: gMax, gMin: gMin)
            configure(&$0)
        }
    }

    /// Positive weights strictly inside (0, max): every G⁺ target lies strictly inside (gMin, gMax).
    static let weights: Matrix = {
        var w = Stage.uniform(256, 256, seed: 3, 0.05, 0.95)
        w[0, 0] = 1
        return w
    }()

    @Test("stuck-at counts are rate × devices within 5σ, and the two sets are disjoint", arguments: [(0.01, 0.03), (0.1, 0.0), (0.0, 0.2), (0.25, 0.5)])
    func stuckAtCounts(pMax: Double, pMin: Double) throws {
        let s = Self.spec { $0.faults.stuckAtGMax = pMax; $0.faults.stuckAtGMin = pMin }
        let p = try AnalogMatrix(weights: Self.weights, spec: s).program(seed: 9)
        var n = 0, atMax = 0, atMin = 0
        for t in p.tiles {
            for (g, target) in zip(t.gPlus, t.mapping.targetPlus) where target > Self.gMin && target < Self.gMax {
                n += 1
                if g == Self.gMax { atMax += 1 }
                if g == Self.gMin { atMin += 1 }
            }
        }
        #expect(n > 60000)
        for (count, rate) in [(atMax, pMax), (atMin, pMin)] {
            let mean = Double(n) * rate, bound = 5 * (Double(n) * rate * (1 - rate)).squareRoot()
            #expect(abs(Double(count) - mean) <= max(bound, 0.5), "count \(count), expected \(mean) ± \(bound)")
        }
        // Disjoint: a device holds one value, so both counts together cannot exceed the
        // devices; with rates summing to 1 every interior device is stuck, exactly once.
        #expect(atMax + atMin <= n)
    }

    @Test("rates summing to 1 stick every device exactly once")
    func everyDeviceStuck() throws {
        let s = Self.spec { $0.faults.stuckAtGMax = 0.3; $0.faults.stuckAtGMin = 0.7 }
        let p = try AnalogMatrix(weights: Self.weights, spec: s).program(seed: 4)
        for t in p.tiles {
            for g in t.gPlus + t.gMinus { #expect(g == Self.gMax || g == Self.gMin) }
            #expect((t.nuPlus + t.nuMinus).allSatisfy { $0 == 0 })
        }
    }

    @Test("stuck devices do not drift: ν = 0 on PCM")
    func stuckDoNotDrift() throws {
        var s = Self.spec { $0.faults.stuckAtGMax = 0.5 }
        s.deviceKind = .pcm
        s.deviceModel.pcm?.programmingNoiseScale = 0
        let p = try AnalogMatrix(weights: Self.weights, spec: s).program(seed: 4)
        let t = p.tiles[0]
        for i in t.gPlus.indices where t.gPlus[i] == Self.gMax && t.mapping.targetPlus[i] < Self.gMax { #expect(t.nuPlus[i] == 0) }
    }

    @Test("gMax spread: (g − gMin)/(g_T − gMin) has mean 1 ± 5σ/√N and standard deviation σ ± 5σ/√(2N)")
    func gMaxSpreadMoments() throws {
        let sigma: Float = 0.1
        let s = Self.spec { $0.faults.gMaxSpread = sigma }
        let p = try AnalogMatrix(weights: Self.weights, spec: s).program(seed: 5)
        var ratios: [Double] = []
        for t in p.tiles {
            for (g, target) in zip(t.gPlus, t.mapping.targetPlus) where target > Self.gMin {
                ratios.append(Double((g - Self.gMin) / (target - Self.gMin)))
            }
        }
        let n = Double(ratios.count)
        let mean = ratios.reduce(0, +) / n
        let sd = (ratios.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / (n - 1)).squareRoot()
        #expect(abs(mean - 1) <= 5 * Double(sigma) / n.squareRoot())
        #expect(abs(sd - Double(sigma)) <= 5 * Double(sigma) / (2 * n).squareRoot() + 1e-6)
    }

    @Test("finite conductance states: every target is one of n levels, monotonic in w", arguments: [2, 3, 16, 255])
    func conductanceLevels(levels: Int) throws {
        let s = Self.spec { $0.faults.conductanceLevels = levels }
        var w = Matrix(rows: 1, columns: 201)
        for i in 0..<201 { w[0, i] = Float(i - 100) / 100 }
        let m = try AnalogMatrix(weights: w, spec: s)
        let t = m.tiles[0]
        let step = (Self.gMax - Self.gMin) / Float(levels - 1)
        for g in t.targetPlus + t.targetMinus {
            let k = (g - Self.gMin) / step
            #expect(abs(k - k.rounded()) <= 1e-3, "target \(g) is not on the level grid")
            #expect(g >= Self.gMin && g <= Self.gMax)
        }
        // Effective weight G⁺ − G⁻ is non-decreasing in w.
        let eff = zip(t.targetPlus, t.targetMinus).map { $0 - $1 }
        for i in 1..<eff.count { #expect(eff[i] >= eff[i - 1]) }
        // And the level count is what was asked: the distinct effective values of this
        // full sweep number 2·levels − 1 (levels ≤ 201/2) or fewer.
        #expect(Set(eff).count <= 2 * levels - 1)
        #expect(Set(eff).count == min(2 * levels - 1, 201))
    }

    @Test("dead rows and columns (explicit indices) read 0: their inputs and outputs vanish")
    func deadRowsAndColumns() throws {
        let w = Stage.uniform(8, 12, seed: 6)
        let x = Stage.uniform(5, 12, seed: 7)
        let s = Stage.spec(rows: 12, columns: 8) { $0.faults.deadRows = [3, 7]; $0.faults.deadColumns = [2] }
        let (y, _) = try Stage.run(w, x, s)
        var w2 = w
        for j in 0..<8 { w2[j, 3] = 0; w2[j, 7] = 0 }
        for i in 0..<12 { w2[2, i] = 0 }
        let e = Stage.exact(x, w2)
        #expect(Stage.worstRelative(y, e) <= 1e-5)
        for b in 0..<5 { #expect(y[b, 2] == 0) }
    }

    @Test("dead row / column rates: counts within 5σ of rate × lines")
    func deadRates() throws {
        let w = Stage.uniform(512, 512, seed: 6)
        let s = Stage.spec(rows: 64, columns: 64) { $0.faults.deadRowRate = 0.1; $0.faults.deadColumnRate = 0.2 }
        let p = try AnalogMatrix(weights: w, spec: s).program(seed: 8)
        var deadRows = 0, deadColumns = 0, lines = 0
        for t in p.tiles {
            let r = t.mapping.rows
            lines += r
            for i in 0..<r where (0..<t.mapping.channels).allSatisfy({ t.gPlus[$0 * r + i] == 0 && t.gMinus[$0 * r + i] == 0 }) { deadRows += 1 }
            for j in 0..<t.mapping.channels where (0..<r).allSatisfy({ t.gPlus[j * r + $0] == 0 }) { deadColumns += 1 }
        }
        // lines = 64 tiles × 64 rows = columns too.
        for (count, rate) in [(deadRows, 0.1), (deadColumns, 0.2)] {
            let n = Double(lines), bound = 5 * (n * rate * (1 - rate)).squareRoot()
            // A line counted dead by chance (all its live devices at 0 S) is impossible here:
            // uniform weights are never exactly 0 for both devices of a pair.
            #expect(abs(Double(count) - n * rate) <= bound, "count \(count) vs \(n * rate) ± \(bound)")
        }
    }

    @Test("fault draws depend only on the seed and leave the device streams alone")
    func faultsSeeded() throws {
        let s = Self.spec { $0.faults.stuckAtGMax = 0.05; $0.faults.deadRowRate = 0.05 }
        let a = try AnalogMatrix(weights: Self.weights, spec: s).program(seed: 11)
        let b = try AnalogMatrix(weights: Self.weights, spec: s).program(seed: 11)
        let c = try AnalogMatrix(weights: Self.weights, spec: s).program(seed: 12)
        #expect(a.tiles[0].gPlus == b.tiles[0].gPlus)
        #expect(a.tiles[0].gPlus != c.tiles[0].gPlus)
    }

    @Test("invalid fault options are errors naming the key", arguments: [
        ({ (s: inout HardwareSpec) in s.faults.stuckAtGMax = 0.7; s.faults.stuckAtGMin = 0.4 } as @Sendable (inout HardwareSpec) -> Void, "stuck_at_g_min"),
        ({ (s: inout HardwareSpec) in s.faults.stuckAtGMax = 1.5 } as @Sendable (inout HardwareSpec) -> Void, "stuck_at_g_max"),
        ({ (s: inout HardwareSpec) in s.faults.conductanceLevels = 1 } as @Sendable (inout HardwareSpec) -> Void, "conductance_levels"),
        ({ (s: inout HardwareSpec) in s.faults.gMaxSpread = -0.1 } as @Sendable (inout HardwareSpec) -> Void, "g_max_spread"),
    ])
    func invalidOptions(configure: @Sendable (inout HardwareSpec) -> Void, key: String) {
        var s = Self.spec { _ in }
        configure(&s)
        #expect(throws: CrossbarError.self) { try s.validate() }
        do { try s.validate() } catch let e as CrossbarError { #expect(e.message.contains(key)) } catch {}
    }
}

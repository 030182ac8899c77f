import Crossbar
import Foundation
import NumericKernels
import TestSupport
import Testing

/// Tests of `PCMDevice` against the closed forms of PHYSICS.md §3 (Nandakumar et al.,
/// ICECS 2019; Joshi et al., Nat. Commun. 2020) and of `IdealDevice`.
///
/// Statistical checks program or read N = 200 000 devices with a fixed seed and bound
/// the sample mean by k·σ/√N and the sample standard deviation by k·σ/√(2N), k = 5.
@Suite("PCM device model")
struct PCMDeviceTests {

    /// Multiplier k of the k·σ/√N bounds.
    static let k = 5.0
    /// Devices per statistical check.
    static let n = 200_000

    // MARK: - Helpers

    /// Programs `targets` (S); returns programmed conductances and drift exponents.
    static func program(_ device: some ConductanceDevice, _ targets: [Float], seed: UInt64) -> (g: [Float], nu: [Float]) {
        var g = [Float](repeating: .nan, count: targets.count), nu = g
        var rng = Xoshiro256(seed: seed)
        targets.withUnsafeBufferPointer { t in
            g.withUnsafeMutableBufferPointer { gp in
                nu.withUnsafeMutableBufferPointer { device.program(targets: t, programmed: gp, nu: $0, rng: &rng) }
            }
        }
        return (g, nu)
    }

    static func drift(_ device: some ConductanceDevice, _ g: [Float], _ nu: [Float], t: Double) -> [Float] {
        var d = [Float](repeating: .nan, count: g.count)
        g.withUnsafeBufferPointer { gp in
            nu.withUnsafeBufferPointer { np in
                d.withUnsafeMutableBufferPointer { device.drift(programmed: gp, nu: np, tInference: t, drifted: $0) }
            }
        }
        return d
    }

    static func read(_ device: some ConductanceDevice, targets: [Float], _ g: [Float], t: Double, seed: UInt64) -> [Float] {
        var out = g
        var rng = Xoshiro256(seed: seed)
        targets.withUnsafeBufferPointer { tp in
            out.withUnsafeMutableBufferPointer { device.read(targets: tp, conductances: $0, tInference: t, rng: &rng) }
        }
        return out
    }

    /// Sample mean and standard deviation (n − 1) in Double.
    static func moments(_ x: [Double]) -> (mean: Double, std: Double) {
        let m = x.reduce(0, +) / Double(x.count)
        let v = x.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(x.count - 1)
        return (m, v.squareRoot())
    }

    /// σ_prog (S) from the PHYSICS.md §3 polynomial, in Double.
    static func sigmaProg(r: Double, gMax: Double) -> Double {
        max(0.26348 + 1.9650 * r - 1.1731 * r * r, 0) * 1e-6 * gMax / 25e-6
    }

    /// (μ_ν, σ_ν) from the PHYSICS.md §3 formulas, in Double.
    static func driftMoments(r: Double) -> (mean: Double, std: Double) {
        let lr = log(max(r, 1e-7))
        return (min(max(-0.0155 * lr + 0.0244, 0.049), 0.1), min(max(-0.0125 * lr - 0.0059, 0.008), 0.045))
    }

    /// Mean and standard deviation of the folded normal |μ + σZ|.
    static func foldedNormal(mean mu: Double, std sigma: Double) -> (mean: Double, std: Double) {
        let a = mu / sigma
        let m = sigma * (2 / Double.pi).squareRoot() * exp(-a * a / 2) + mu * erf(a / 2.0.squareRoot())
        return (m, (mu * mu + sigma * sigma - m * m).squareRoot())
    }

    // MARK: - Programming noise

    @Test(
        "programmingSigma matches the PHYSICS.md check values at gMax = 25 µS",
        arguments: [(0, 0.2635e-6), (0.5, 0.9527e-6), (1, 1.0554e-6)] as [(Float, Double)])
    func programmingSigmaCheckValues(r: Float, sigma: Double) {
        let device = PCMDevice()
        // Check values are given to 4 digits: 1e-4 µS.
        #expect(abs(Double(device.programmingSigma(r: r)) - sigma) <= 1e-10)
    }

    @Test(
        "programmingSigma follows the polynomial and scales with gMax",
        arguments: [(25e-6, 0.0), (25e-6, 0.3), (25e-6, 0.77), (10e-6, 0.5), (50e-6, 0.5), (100e-6, 1.0), (1e-6, 0.1)]
            as [(Float, Float)])
    func programmingSigmaScaling(gMax: Float, r: Float) {
        let device = PCMDevice(gMax: gMax)
        let expected = Self.sigmaProg(r: Double(r), gMax: Double(gMax))
        #expect(abs(Double(device.programmingSigma(r: r)) - expected) <= 1e-5 * expected)
        // Doubling gMax doubles σ at the same r.
        let doubled = PCMDevice(gMax: 2 * gMax)
        #expect(abs(doubled.programmingSigma(r: r) - 2 * device.programmingSigma(r: r)) <= 1e-6 * device.programmingSigma(r: r))
    }

    @Test("programmingSigma is floored at 0 where the polynomial goes negative")
    func programmingSigmaFloor() {
        // c₀ + c₁r + c₂r² < 0 for r > (1.965 + √(1.965² + 4·1.1731·0.26348))/(2·1.1731) ≈ 1.80.
        let device = PCMDevice()
        #expect(device.programmingSigma(r: 2) == 0)
        #expect(device.programmingSigma(r: 1.7) > 0)
    }

    @Test("programmed conductances at r = 0.5 have σ = 0.9527 µS and mean error 0 (N = 200 000, k = 5)")
    func programmingNoiseSampled() {
        let device = PCMDevice()
        let target = 0.5 * device.gMax
        let (g, _) = Self.program(device, [Float](repeating: target, count: Self.n), seed: 31)
        let sigma = Self.sigmaProg(r: 0.5, gMax: 25e-6)
        // g_P = max(0, g_T + σ·Z) clips only below Z = −12.5/0.95 ≈ −13: negligible.
        let (mean, std) = Self.moments(g.map { Double($0) - Double(target) })
        let rootN = Double(Self.n).squareRoot()
        #expect(abs(mean) <= Self.k * sigma / rootN, "mean error \(mean) S")
        #expect(abs(std - sigma) <= Self.k * sigma / (2 * Double(Self.n)).squareRoot(), "σ = \(std) S, expected \(sigma) S")
    }

    @Test("programmed conductances are never negative (clipped at 0)")
    func programmedNonNegative() {
        // At r = 0 σ = 0.2635 µS: half the devices would go negative without the clip.
        let (g, _) = Self.program(PCMDevice(), [Float](repeating: 0, count: 20_000), seed: 5)
        #expect(g.allSatisfy { $0 >= 0 })
        let zeros = g.filter { $0 == 0 }.count
        // P(Z < 0) = 1/2: 10 000 ± 5·√(N/4) = ±354.
        #expect(abs(zeros - 10_000) <= 354)
    }

    // MARK: - Drift exponent

    @Test(
        "driftExponentMoments follows the clipped formulas",
        arguments: [0, 1e-9, 1e-4, 0.01, 0.05, 0.2, 0.5, 1] as [Float])
    func driftExponentMoments(r: Float) {
        let (mu, sd) = PCMDevice().driftExponentMoments(r: r)
        let expected = Self.driftMoments(r: Double(r))
        #expect(abs(Double(mu) - expected.mean) <= 1e-6)
        #expect(abs(Double(sd) - expected.std) <= 1e-6)
    }

    @Test("driftExponentMoments at the clip ends: r = 0 (floored at 1e-7) and r = 1")
    func driftExponentClips() {
        let device = PCMDevice()
        // ln 1e-7 = −16.1: μ = 0.274 → 0.1, σ = 0.195 → 0.045.
        let zero = device.driftExponentMoments(r: 0)
        #expect(zero.mean == 0.1)
        #expect(zero.std == 0.045)
        // ln 1 = 0: μ = 0.0244 → 0.049, σ = −0.0059 → 0.008.
        let one = device.driftExponentMoments(r: 1)
        #expect(one.mean == 0.049)
        #expect(one.std == 0.008)
        // r = 0.05 lies inside both clip intervals: μ = 0.07083, σ = 0.03155.
        let mid = device.driftExponentMoments(r: 0.05)
        #expect(abs(mid.mean - 0.070834) <= 1e-5)
        #expect(abs(mid.std - 0.031547) <= 1e-5)
    }

    @Test("sampled ν at r = 0.5 and r = 0.05 matches the folded normal |μ + σZ| (N = 200 000, k = 5)", arguments: [0.5, 0.05] as [Float])
    func driftExponentSampled(r: Float) {
        let device = PCMDevice()
        let (_, nu) = Self.program(device, [Float](repeating: r * device.gMax, count: Self.n), seed: 47)
        let (mu, sd) = Self.driftMoments(r: Double(r))
        let folded = Self.foldedNormal(mean: mu, std: sd)
        let (mean, std) = Self.moments(nu.map { Double($0) })
        let rootN = Double(Self.n).squareRoot()
        #expect(nu.allSatisfy { $0 >= 0 })
        #expect(abs(mean - folded.mean) <= Self.k * folded.std / rootN, "mean ν = \(mean), expected \(folded.mean)")
        #expect(abs(std - folded.std) <= Self.k * folded.std / (2 * Double(Self.n)).squareRoot(), "σ_ν = \(std), expected \(folded.std)")
    }

    // MARK: - Drift

    @Test("drift at t_inference = 0 returns the programmed conductances bit-identically")
    func driftAtZero() {
        let device = PCMDevice()
        var rng = Xoshiro256(seed: 3)
        let targets = (0..<1000).map { _ in rng.nextUniform() * device.gMax }
        let (g, nu) = Self.program(device, targets, seed: 4)
        #expect(Self.drift(device, g, nu, t: 0) == g)
    }

    @Test("drift at t = 3600 s is g_P·((t + t0)/t0)^(−ν) per device (relative 1e-6)")
    func driftPowerLaw() {
        let device = PCMDevice()
        var rng = Xoshiro256(seed: 8)
        let targets = (0..<5000).map { _ in rng.nextUniform() * device.gMax }
        let (g, nu) = Self.program(device, targets, seed: 9)
        let t = 3600.0
        let d = Self.drift(device, g, nu, t: t)
        var worst = 0.0
        for i in g.indices where g[i] > 0 {
            let expected = Double(g[i]) * pow((t + 20) / 20, -Double(nu[i]))
            worst = max(worst, abs(Double(d[i]) - expected) / expected)
        }
        #expect(worst <= 1e-6)
        // Drift only lowers conductances.
        #expect(zip(d, g).allSatisfy { $0 <= $1 })
    }

    @Test("drift is monotonic in time and a common ν gives a common factor")
    func driftCommonFactor() {
        let device = PCMDevice()
        let g: [Float] = [1e-6, 5e-6, 25e-6, 0]
        let nu = [Float](repeating: 0.06, count: 4)
        let day = Self.drift(device, g, nu, t: 86_400)
        let year = Self.drift(device, g, nu, t: 365.25 * 86_400)
        let factor = pow((86_400 + 20) / 20.0, -0.06)
        for i in 0..<3 {
            #expect(abs(Double(day[i]) / Double(g[i]) - factor) <= 1e-6)
            #expect(year[i] < day[i])
        }
        #expect(day[3] == 0)
    }

    // MARK: - Read noise

    @Test(
        "readSigma follows Q_s·√ln((t + t_read)/(2·t_read)), t = t_inference + t0",
        arguments: [(0, 0), (0.5, 0), (1, 0), (0.5, 1), (0.1, 3600), (0.001, 86_400), (1e-5, 1e6), (0.8, 3.15576e7)]
            as [(Float, Double)])
    func readSigmaFormula(r: Float, tInference: Double) {
        let device = PCMDevice()
        let t = tInference + 20
        let qs = min(0.0088 / max(pow(Double(r), 0.65), 1e-3), 0.2)
        let expected = qs * log((t + 250e-9) / (2 * 250e-9)).squareRoot()
        let got = Double(device.readSigma(r: r, tInference: tInference))
        #expect(abs(got - expected) <= 1e-5 * expected, "σ_read = \(got), expected \(expected)")
        #expect(got > 0)
    }

    @Test("read noise is non-zero at t_inference = 0 (r = 0.5: σ_read = 0.057773)")
    func readSigmaAtZero() {
        // Q_s = 0.0088/0.5^0.65 = 0.013808; √ln(20 s/500 ns) = √17.504 = 4.1838.
        #expect(abs(PCMDevice().readSigma(r: 0.5, tInference: 0) - 0.057773) <= 1e-5)
    }

    @Test("sampled relative read noise at fixed g matches readSigma (N = 200 000, k = 5)", arguments: [0.0, 86_400.0])
    func readNoiseSampled(tInference: Double) {
        let device = PCMDevice()
        let r: Float = 0.5
        let g = r * device.gMax
        let targets = [Float](repeating: g, count: Self.n)
        let out = Self.read(device, targets: targets, targets, t: tInference, seed: 61)
        let sigma = Double(device.readSigma(r: r, tInference: tInference))
        let (mean, std) = Self.moments(out.map { (Double($0) - Double(g)) / Double(g) })
        let rootN = Double(Self.n).squareRoot()
        #expect(abs(mean) <= Self.k * sigma / rootN)
        #expect(abs(std - sigma) <= Self.k * sigma / (2 * Double(Self.n)).squareRoot(), "σ = \(std), expected \(sigma)")
    }

    @Test("read noise scales with the drifted conductance, not the target")
    func readNoiseRelativeToDrifted() {
        let device = PCMDevice()
        let target: Float = 12.5e-6
        let drifted: Float = 6.25e-6
        let out = Self.read(device, targets: [Float](repeating: target, count: Self.n), [Float](repeating: drifted, count: Self.n), t: 3600, seed: 62)
        let sigma = Double(device.readSigma(r: 0.5, tInference: 3600))
        let (_, std) = Self.moments(out.map { (Double($0) - Double(drifted)) / Double(drifted) })
        #expect(abs(std - sigma) <= Self.k * sigma / (2 * Double(Self.n)).squareRoot())
    }

    // MARK: - Switches

    @Test("programmingNoiseScale = 0 programs targets exactly; ν is still drawn")
    func programmingNoiseOff() {
        var device = PCMDevice()
        device.programmingNoiseScale = 0
        var rng = Xoshiro256(seed: 1)
        let targets = (0..<2000).map { _ in rng.nextUniform() * device.gMax }
        let (g, nu) = Self.program(device, targets, seed: 2)
        #expect(g == targets)
        #expect(device.programmingSigma(r: 0.5) == 0)
        #expect(nu.allSatisfy { $0 > 0 })
    }

    @Test("driftScale = 0 gives ν = 0 and no drift at any time")
    func driftOff() {
        var device = PCMDevice()
        device.driftScale = 0
        var rng = Xoshiro256(seed: 1)
        let targets = (0..<2000).map { _ in rng.nextUniform() * device.gMax }
        let (g, nu) = Self.program(device, targets, seed: 2)
        #expect(nu.allSatisfy { $0 == 0 })
        #expect(Self.drift(device, g, nu, t: 3.15576e7) == g)
    }

    @Test("readNoiseScale = 0 leaves conductances untouched and consumes no random numbers")
    func readNoiseOff() {
        var device = PCMDevice()
        device.readNoiseScale = 0
        let g: [Float] = [0, 1e-6, 12.5e-6, 25e-6]
        #expect(Self.read(device, targets: g, g, t: 0, seed: 1) == g)
        #expect(Self.read(device, targets: g, g, t: 1e6, seed: 1) == g)
        #expect(device.readSigma(r: 0.5, tInference: 100) == 0)
    }

    @Test("the same seed programs identically; the programmed state then drifts deterministically")
    func deterministic() {
        let device = PCMDevice()
        let targets = (0..<500).map { Float($0) / 500 * 25e-6 }
        let a = Self.program(device, targets, seed: 11)
        let b = Self.program(device, targets, seed: 11)
        #expect(a.g == b.g)
        #expect(a.nu == b.nu)
        #expect(Self.read(device, targets: targets, a.g, t: 60, seed: 3) == Self.read(device, targets: targets, b.g, t: 60, seed: 3))
    }

    // MARK: - Ideal device

    @Test("IdealDevice: programmed = target, ν = 0, no drift, no read noise")
    func idealDevice() {
        let device = IdealDevice()
        let targets: [Float] = [0, 1e-6, 12.5e-6, 25e-6]
        let (g, nu) = Self.program(device, targets, seed: 1)
        #expect(g == targets)
        #expect(nu == [0, 0, 0, 0])
        #expect(Self.drift(device, g, nu, t: 1e7) == targets)
        #expect(Self.read(device, targets: targets, g, t: 1e7, seed: 2) == targets)
    }
}

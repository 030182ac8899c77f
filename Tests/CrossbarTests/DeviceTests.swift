import Foundation
import Crossbar
import NumericKernels
import TestSupport
import Testing

/// The RRAM (NeuRRAM) and HERMES PCM device models: closed-form values of the fits at
/// check points (tolerance 1e-4 relative, float32 polynomial), and programming / relaxation /
/// drift statistics with a fixed seed (k = 5: a sample standard deviation of N draws lies
/// within 5·σ/√(2N) of σ; a mean within 5·σ/√N).
@Suite("Devices")
struct DeviceTests {
    static let devices: [String: any ConductanceDevice] = [
        "ideal": IdealDevice(gMax: 25e-6), "pcm": PCMDevice(), "rram": RRAMDevice(), "pcm_hermes": HermesPCMDevice(),
    ]

    @Test("RRAM programming σ at r = 0, 0.5, 1 (µS at gMax = 40 µS): Σ cₙ rⁿ of the 1 s fit")
    func rramSigma() {
        let d = RRAMDevice()
        // 0.348; 0.348 + 16.030/2 − 43.853/4 + 45.393/8 − 16.815/16; Σ c.
        for (r, uS) in [(Float(0), 0.348), (0.5, 2.0230), (1, 1.103)] {
            #expect(abs(Double(d.programmingSigma(r: r)) * 1e6 - uS) <= 1e-4 * max(uS, 1), "r = \(r)")
        }
        // σ scales with gMax / reference gMax.
        var h = d
        h.gMax = 20e-6
        #expect(abs(h.programmingSigma(r: 1) / d.programmingSigma(r: 1) - 0.5) <= 1e-6)
    }

    @Test("RRAM relaxation σ_t: the 1 s fit at t_inference = 0, the 1-day and 2-day fits at those times, held after")
    func rramRelaxationSigma() {
        let d = RRAMDevice()
        let oneDay = 0.701 + 22.086 / 2 - 50.773 / 4 + 47.095 / 8 - 16.458 / 16
        let twoDays = 0.782 + 20.274 / 2 - 43.507 / 4 + 37.062 / 8 - 11.934 / 16
        #expect(abs(Double(d.relaxationSigma(r: 0.5, tInference: 0)) * 1e6 - 2.0230) <= 1e-3)
        #expect(abs(Double(d.relaxationSigma(r: 0.5, tInference: 86_400 - 1)) * 1e6 - oneDay) <= 1e-3)
        #expect(abs(Double(d.relaxationSigma(r: 0.5, tInference: 172_800 - 1)) * 1e6 - twoDays) <= 1e-3)
        #expect(d.relaxationSigma(r: 0.5, tInference: 1e8) == d.relaxationSigma(r: 0.5, tInference: 172_799))
        // Between fits σ² is linear in ln t: at the geometric mean of 1 s and 1 day.
        let mid = (1.0 * 86_400).squareRoot()
        let s0 = 2.0230, s1 = oneDay
        let expected = ((s0 * s0 + s1 * s1) / 2).squareRoot()
        #expect(abs(Double(d.relaxationSigma(r: 0.5, tInference: mid - 1)) * 1e6 - expected) <= 1e-3)
    }

    @Test("RRAM: programmed spread σ_P and relaxed spread σ_t about the target, 5σ/√(2N)")
    func rramStatistics() {
        let d = RRAMDevice()
        let n = 40_000
        let target: Float = 20e-6
        let targets = [Float](repeating: target, count: n)
        var g = [Float](repeating: 0, count: n), nu = g
        var rng = Xoshiro256(seed: 41)
        targets.withUnsafeBufferPointer { t in
            g.withUnsafeMutableBufferPointer { gp in nu.withUnsafeMutableBufferPointer { d.program(targets: t, programmed: gp, nu: $0, rng: &rng) } }
        }
        #expect(nu.allSatisfy { $0 == 0 })
        func sd(_ v: [Float]) -> Double {
            let m = v.reduce(0.0) { $0 + Double($1) } / Double(v.count)
            return (v.reduce(0.0) { $0 + (Double($1) - m) * (Double($1) - m) } / Double(v.count - 1)).squareRoot()
        }
        let sp = Double(d.programmingSigma(r: 0.5))
        #expect(abs(sd(g) - sp) <= 5 * sp / (2 * Double(n)).squareRoot())
        var drifted = g
        targets.withUnsafeBufferPointer { t in drifted.withUnsafeMutableBufferPointer { d.read(targets: t, conductances: $0, tInference: 86_399, rng: &rng) } }
        let st = Double(d.relaxationSigma(r: 0.5, tInference: 86_399))
        #expect(abs(sd(drifted) - st) <= 5 * st / (2 * Double(n)).squareRoot())
    }

    @Test("HERMES fits at check points: branch and polynomial pieces")
    func hermesFits() {
        let d = HermesPCMDevice()
        // σ_P(1) = Σ c = 1.09269857 µS; σ_P(0) = 0.16603222 µS.
        #expect(abs(Double(d.programmingSigma(r: 1)) * 1e6 - 1.09269857) <= 1e-5)
        #expect(abs(Double(d.programmingSigma(r: 0)) * 1e6 - 0.16603222) <= 1e-6)
        // μ_ν: log branch below 0.0945, polynomial above; clip at the bounds.
        let lnBranch = Double(-0.0387) * log(0.05) - 0.0182
        #expect(abs(Double(d.driftMean.value(0.05)) - lnBranch) <= 1e-6)
        #expect(abs(Double(d.driftMean.value(0.5)) - (0.0736 - 0.0126 * 0.5 - 0.0436 * 0.25)) <= 1e-6)
        #expect(d.driftMean.value(1e-6) == 0.13)
        #expect(abs(Double(d.driftStd.value(0.5)) - (0.0073 + 0.0093 * 0.5 - 0.0118 * 0.25)) <= 1e-6)
        #expect(abs(Double(d.readNoise.value(1)) - (0.0123 + 0.0211 - 0.0280 + 0.0069)) <= 1e-6)
        #expect(d.readNoise.value(0.01) == 0.04)  // −0.0117·ln 0.01 − 0.0069 = 0.0470 → clipped at 0.04
    }

    @Test("HERMES drift exponent: mean μ_ν(0.5) ± 5σ_ν/√N; drift (t/t0)^−ν with t0 = 300 s")
    func hermesDrift() {
        let d = HermesPCMDevice()
        let n = 20_000
        let targets = [Float](repeating: 0.5 * d.gMax, count: n)
        var g = [Float](repeating: 0, count: n), nu = g
        var rng = Xoshiro256(seed: 42)
        targets.withUnsafeBufferPointer { t in
            g.withUnsafeMutableBufferPointer { gp in nu.withUnsafeMutableBufferPointer { d.program(targets: t, programmed: gp, nu: $0, rng: &rng) } }
        }
        let mu = Double(d.driftMean.value(0.5)), sigma = Double(d.driftStd.value(0.5))
        let mean = nu.reduce(0.0) { $0 + Double($1) } / Double(n)
        #expect(abs(mean - mu) <= 5 * sigma / Double(n).squareRoot())
        var out = [Float](repeating: 0, count: n)
        g.withUnsafeBufferPointer { gp in nu.withUnsafeBufferPointer { v in out.withUnsafeMutableBufferPointer { d.drift(programmed: gp, nu: v, tInference: 2700, drifted: $0) } } }
        for i in 0..<100 { #expect(abs(out[i] - g[i] * Float(pow(10.0, -Double(nu[i])))) <= 1e-5 * g[i]) }
    }

    @Test("every device: at t_inference = 0 drift copies the programmed state; conductances stay ≥ 0", arguments: ["ideal", "pcm", "rram", "pcm_hermes"])
    func driftIdentityAtZero(name: String) {
        let d = Self.devices[name]!
        let n = 1000
        var tg = Xoshiro256(seed: 43)
        let targets = (0..<n).map { _ in tg.nextUniform() * d.gMax }
        var g = [Float](repeating: 0, count: n), nu = g, out = g
        var rng = Xoshiro256(seed: 44)
        targets.withUnsafeBufferPointer { t in
            g.withUnsafeMutableBufferPointer { gp in nu.withUnsafeMutableBufferPointer { d.program(targets: t, programmed: gp, nu: $0, rng: &rng) } }
        }
        g.withUnsafeBufferPointer { gp in nu.withUnsafeBufferPointer { v in out.withUnsafeMutableBufferPointer { d.drift(programmed: gp, nu: v, tInference: 0, drifted: $0) } } }
        #expect(out == g)
        targets.withUnsafeBufferPointer { t in out.withUnsafeMutableBufferPointer { d.read(targets: t, conductances: $0, tInference: 1e6, rng: &rng) } }
        #expect(out.allSatisfy { $0 >= 0 && $0.isFinite })
        #expect(nu.allSatisfy { $0 >= 0 })
    }

    @Test("HardwareSpec.device selects each model with the spec's gMax and gMin", arguments: DeviceKind.allCases)
    func specSelectsDevice(kind: DeviceKind) {
        var s = HardwareSpec()
        s.deviceKind = kind
        s.gMax = 33e-6
        s.gMin = 1e-6
        #expect(s.device.gMax == 33e-6 && s.device.gMin == 1e-6)
        switch kind {
        case .pcm: #expect(s.device is PCMDevice)
        case .ideal: #expect(s.device is IdealDevice)
        case .rram: #expect(s.device is RRAMDevice)
        case .pcmHermes: #expect(s.device is HermesPCMDevice)
        }
    }
}

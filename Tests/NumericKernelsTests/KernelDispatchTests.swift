import NumericKernels
import SIMDKernels
import TestSupport
import Testing

/// Every compiled variant of the vectorised loops gives bit-identical results; the CPU
/// check picks the widest variant whose instructions are all present.
@Suite("SIMD kernel dispatch")
struct KernelDispatchTests {
    /// The variants this CPU can run (the portable one always).
    static let variants = Kernels.InstructionSet.allCases.filter { $0 <= Kernels.supported }

    static func data(_ n: Int, seed: UInt64, scale: Float) -> [Float] {
        var g = Xoshiro256(seed: seed)
        return (0..<n).map { _ in (g.nextUniform() * 2 - 1) * scale }
    }

    @Test("Gaussian fills: the same samples and the same generator state on every variant", arguments: [1, 2, 7, 255, 256, 257, 4099])
    func gaussianIdentical(count: Int) {
        var reference = [Float](repeating: 0, count: count)
        var base = Xoshiro256(seed: 77, stream: [UInt64(count)])
        reference.withUnsafeMutableBufferPointer { base.fillGaussianFast($0, instructionSet: .portable) }
        for isa in Self.variants {
            var g = Xoshiro256(seed: 77, stream: [UInt64(count)])
            var z = [Float](repeating: 0, count: count)
            z.withUnsafeMutableBufferPointer { g.fillGaussianFast($0, instructionSet: isa) }
            #expect(z.map(\.bitPattern) == reference.map(\.bitPattern), "\(isa)")
            var copy = base
            #expect(g.next() == copy.next(), "\(isa)")
        }
    }

    @Test("converter, accumulation and scan loops: identical outputs and counts on every variant")
    func convertersIdentical() throws {
        let n = 1031
        let x = Self.data(n, seed: 1, scale: 1.3)
        let noise = Self.data(n, seed: 2, scale: 3)
        let factors = Self.data(n, seed: 3, scale: 2)
        let dac = ConverterLevels(step: 2 / 126, inverseStep: 126 / 2, lowest: -63, highest: 63, lower: -1, upper: 1)
        let adc = ConverterLevels(step: 0.05, inverseStep: 20, lowest: -40, highest: 40, lower: -2, upper: 2)
        func run(_ isa: Kernels.InstructionSet) -> [[UInt32]] {
            var encoded = [Float](repeating: 0, count: n), digitised = encoded, plain = encoded, noisy = encoded
            var accumulated = x, scaled = encoded
            var counts: [Int] = []
            x.withUnsafeBufferPointer { xp in
                noise.withUnsafeBufferPointer { np in
                    factors.withUnsafeBufferPointer { fp in
                        counts.append(Kernels.encode(xp.baseAddress!, &encoded, count: n, inverseScale: 1.1, dac, isa: isa))
                        let d = Kernels.digitise(xp.baseAddress!, noise: np.baseAddress!, sigma: 0.7, &digitised, count: n, adc, isa: isa)
                        let p = Kernels.digitise(xp.baseAddress!, noise: nil, sigma: 0, &plain, count: n, adc, isa: isa)
                        counts += [d.clipped, d.zeroed, p.clipped, p.zeroed]
                        Kernels.addNoise(xp.baseAddress!, noise: np.baseAddress!, sigma: 0.3, &noisy, count: n, isa: isa)
                        Kernels.accumulate(np.baseAddress!, factor: 0.9, columnFactor: fp.baseAddress!, &accumulated, count: n, isa: isa)
                        Kernels.scale(xp.baseAddress!, &scaled, count: n, factor: 1 / 3, isa: isa)
                        counts.append(Int(Kernels.absMax(np.baseAddress!, count: n, isa: isa)!.bitPattern))
                        counts.append(Kernels.containsNonFinite(np.baseAddress!, count: n, isa: isa) ? 1 : 0)
                    }
                }
            }
            return [encoded, digitised, plain, noisy, accumulated, scaled].map { $0.map(\.bitPattern) } + [counts.map { UInt32($0) }]
        }
        let reference = run(.portable)
        // The data exercise clipping and the zero level on both converters.
        #expect(reference[6][0] > 0 && reference[6][1] > 0 && reference[6][2] > 0)
        for isa in Self.variants { #expect(run(isa) == reference, "\(isa)") }
    }

    @Test("read-energy counts match a Double reference (relative 1e-6) and agree across variants",
          arguments: [1, 7, 8, 63, 64, 65, 300, 512])
    func readEnergy(count n: Int) {
        // DAC levels k·Δ of a 7-bit signed DAC (|k| ≤ 63), a quarter of them zero.
        let step: Float = 2.0 / 126
        var g = Xoshiro256(seed: UInt64(n))
        let levels = (0..<n).map { _ in Int(g.next() % 127) - 63 }.enumerated().map { $0.offset % 4 == 0 ? 0 : $0.element }
        let x = levels.map { Float($0) * step }
        let conductance = (0..<n).map { _ in 1e-6 + 24e-6 * g.nextUniform() }
        var active = 0
        var squared = 0.0, absolute = 0.0, bitwise = 0.0
        for i in 0..<n where levels[i] != 0 {
            active += 1
            let a = Double(abs(x[i])), c = Double(conductance[i])
            squared += a * a * c
            absolute += a * c
            bitwise += Double(abs(levels[i]).nonzeroBitCount) * c
        }
        let reference = Kernels.readEnergy(x, conductance: conductance, count: n, inverseStep: 1 / step, isa: .portable)
        #expect(reference.active == active)
        #expect(abs(reference.squared - squared) <= 1e-6 * squared)
        #expect(abs(reference.absolute - absolute) <= 1e-6 * absolute)
        #expect(abs(reference.bitwise - bitwise) <= 1e-6 * bitwise)
        for isa in Self.variants {
            let r = Kernels.readEnergy(x, conductance: conductance, count: n, inverseStep: 1 / step, isa: isa)
            #expect(r.active == reference.active && r.squared == reference.squared
                    && r.absolute == reference.absolute && r.bitwise == reference.bitwise, "\(isa)")
        }
        // An ideal DAC (inverse step 0) counts no bits.
        #expect(Kernels.readEnergy(x, conductance: conductance, count: n, inverseStep: 0).bitwise == 0)
    }

    @Test("the abs-max scan equals BLAS isamax and flags NaN and ±Inf anywhere", arguments: Kernels.InstructionSet.allCases)
    func absMaxScan(isa: Kernels.InstructionSet) {
        guard isa <= Kernels.supported else { return }
        var x = Self.data(300, seed: 4, scale: 5)
        x[17] = -0.0
        let expected = x.withUnsafeBufferPointer { BLAS.absMax($0.baseAddress!, count: 300) }
        #expect(x.withUnsafeBufferPointer { Kernels.absMax($0.baseAddress!, count: 300, isa: isa) } == expected)
        for bad in [Float.nan, .infinity, -.infinity] {
            for position in [0, 150, 299] {
                var y = x
                y[position] = bad
                #expect(y.withUnsafeBufferPointer { Kernels.absMax($0.baseAddress!, count: 300, isa: isa) } == nil)
                #expect(y.withUnsafeBufferPointer { Kernels.containsNonFinite($0.baseAddress!, count: 300, isa: isa) })
                #expect(y.withUnsafeBufferPointer { FiniteCheck.firstNonFinite($0) } == position)
            }
        }
        #expect(Kernels.absMax([Float](), count: 0, isa: isa) == 0)
        #expect([Float](repeating: 0, count: 5000).withUnsafeBufferPointer { FiniteCheck.firstNonFinite($0) } == nil)
    }

    @Test("CPU detection: AVX2 needs the whole Haswell set; AVX-512 needs F, CD, BW, DQ and VL on top")
    func detection() {
        let haswell: Set<Substring> = ["sse2", "avx", "avx2", "fma", "bmi1", "bmi2", "f16c", "movbe", "popcnt", "abm"]
        let avx512: Set<Substring> = ["avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl"]
        #expect(Kernels.detect(cpuFlags: []) == .portable)
        #expect(Kernels.detect(cpuFlags: haswell) == .avx2)
        #expect(Kernels.detect(cpuFlags: haswell.subtracting(["fma"])) == .portable)
        #expect(Kernels.detect(cpuFlags: haswell.union(avx512)) == .avx512)
        #expect(Kernels.detect(cpuFlags: haswell.union(avx512).subtracting(["avx512vl"])) == .avx2)
        #expect(Kernels.detect(cpuFlags: avx512) == .portable)
        #expect(Kernels.active <= Kernels.supported)
    }

    @Test("AIMC_SIMD lowers the variant; an unknown name or one the CPU lacks is reported and ignored")
    func environmentChoice() {
        #expect(Kernels.choose(requested: nil, supported: .avx512) == (.avx512, nil))
        #expect(Kernels.choose(requested: "", supported: .avx2) == (.avx2, nil))
        #expect(Kernels.choose(requested: "portable", supported: .avx512) == (.portable, nil))
        #expect(Kernels.choose(requested: "AVX2", supported: .avx512) == (.avx2, nil))
        let lacking = Kernels.choose(requested: "avx512", supported: .avx2)
        #expect(lacking.0 == .avx2)
        #expect(lacking.warning?.contains("supports up to avx2") == true)
        let unknown = Kernels.choose(requested: "sse9", supported: .portable)
        #expect(unknown.0 == .portable)
        #expect(unknown.warning?.contains("AIMC_SIMD=sse9 is not one of portable, avx2, avx512") == true)
    }
}

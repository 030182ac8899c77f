import NumericKernels
import SIMDKernels
import Testing

/// `GaussianStream`: the counter-based generator of the output noise. Its words are
/// SplitMix64's outputs (checked against the published reference sequence), each sample is
/// the Box–Muller transform of its word (an exact identity on every instruction set), any
/// stretch equals the same positions of one long fill, and the samples have the moments of
/// N(0, 1) within 5 standard errors (fixed keys, so never a false failure).
@Suite("counter-based Gaussian stream")
struct GaussianStreamTests {
    static let variants = Kernels.InstructionSet.allCases.filter { $0 <= Kernels.supported }

    @Test("SplitMix64 gives the reference outputs of seed 1234567 (Vigna's splitmix64.c, Rosetta Code)")
    func splitMixKnownAnswers() {
        var g = SplitMix64(state: 1_234_567)
        let expected: [UInt64] = [
            6_457_827_717_110_365_317, 3_203_168_211_198_807_973, 9_817_491_932_198_370_423,
            4_593_380_528_125_082_431, 16_408_922_859_458_223_821,
        ]
        #expect((0..<5).map { _ in g.next() } == expected)
    }

    /// Box–Muller of one 64-bit word, written out in scalar code.
    static func pair(_ w: UInt64) -> (Float, Float) {
        let u1 = (Float(Int32(truncatingIfNeeded: w >> 40)) + 1) * (1.0 / 16_777_216.0)
        let k = Int32(truncatingIfNeeded: (w >> 8) & 0xFF_FFFF)
        let r = GaussianSIMD.squareRoot(-2 * GaussianSIMD.log(u1))
        let (s, c) = GaussianSIMD.sincos2pi(k: k)
        return (r * c, r * s)
    }

    @Test("samples 2P and 2P + 1 are Box–Muller of SplitMix64's output P, bit for bit, on every variant",
          arguments: [0, 1_234_567, UInt64.max])
    func samplesAreBoxMullerOfSplitMix(key: UInt64) {
        var words = SplitMix64(state: key)
        var expected: [Float] = []
        for _ in 0..<600 {
            let (c, s) = Self.pair(words.next())
            expected += [c, s]
        }
        for isa in Self.variants {
            var z = [Float](repeating: .nan, count: 1200)
            z.withUnsafeMutableBufferPointer { GaussianStream(key: key).fill($0.baseAddress!, count: 1200, from: 0, instructionSet: isa) }
            #expect(z.map(\.bitPattern) == expected.map(\.bitPattern), "\(isa)")
        }
    }

    @Test("any stretch, odd start or odd length, equals the same positions of one long fill")
    func stretchesAgree() {
        let stream = GaussianStream(key: 99)
        let long = stream.samples(5000)
        for (start, count) in [(0, 1), (1, 1), (1, 2), (3, 7), (255, 258), (256, 257), (1001, 3000), (4999, 1), (17, 0)] {
            for isa in Self.variants {
                var z = [Float](repeating: .nan, count: count + 1)
                z.withUnsafeMutableBufferPointer { stream.fill($0.baseAddress!, count: count, from: UInt64(start), instructionSet: isa) }
                #expect(z[0..<count].map(\.bitPattern) == long[start..<(start + count)].map(\.bitPattern), "\(start) +\(count) \(isa)")
                #expect(z[count].isNaN, "wrote past the stretch")
            }
        }
    }

    /// N = 2·10⁶ samples from position 0 and from position 2⁴⁰: mean 0 (σ/√N), variance 1
    /// (√2/√N), skewness 0 (√6/√N), fourth moment 3 (√96/√N), P(|z| > 3) = 0.0026998
    /// within 5·√(p(1−p)/N); and no value shared with a stream of another key.
    @Test("moments and tail of N(0, 1) within 5 standard errors", arguments: [0, 1 << 40] as [UInt64])
    func moments(from position: UInt64) {
        let n = 2_000_000
        var z = [Float](repeating: 0, count: n)
        z.withUnsafeMutableBufferPointer { GaussianStream(key: 2024).fill($0.baseAddress!, count: n, from: position) }
        expectStandardNormalMoments(z)
        let N = Double(n), se = 1 / N.squareRoot()
        // Adjacent samples are independent: lag-1 correlation within 5/√N.
        var c = 0.0
        for i in 1..<n { c += Double(z[i - 1]) * Double(z[i]) }
        #expect(abs(c / N) < 5 * se)
        let other = GaussianStream(key: 2025).samples(1000, from: position)
        #expect(Set(other.map(\.bitPattern)).isDisjoint(with: Set(z.prefix(1000).map(\.bitPattern))))
    }
}

import CTileKernels
import NumericKernels
import Testing

/// `GaussianStream`: the counter-based generator of the output noise. Its words are ARS-7
/// blocks (the ARS construction checked against Random123's known answers, on the CPU's AES
/// instructions and on the software round), each sample is the Box–Muller transform of its
/// word (an exact identity on every instruction set), any stretch equals the same positions
/// of one long fill, and the samples have the moments of N(0, 1) within 5 standard errors
/// (fixed keys, so never a false failure).
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

    /// Random123's kat_vectors for ARS-10 (4×32 words: counter, key, result; as quoted in
    /// Boost.Random's test_ars.cpp), on AES-NI and on the software AES round.
    @Test("ARS gives Random123's known answers, in hardware and in software", arguments: [true, false])
    func arsKnownAnswers(hardware: Bool) {
        let vectors: [[UInt32]] = [
            [0, 0, 0, 0, 0, 0, 0, 0, 0x8d73_ee19, 0x5064_01ef, 0x13c2_dbe4, 0x0cbe_9c0d],
            [0x243f_6a88, 0x85a3_08d3, 0x1319_8a2e, 0x0370_7344, 0xa409_3822, 0x299f_31d0, 0x082e_fa98, 0xec4e_6c89,
             0xa516_e7d6, 0x8357_ad74, 0x5b59_b3ec, 0x8763_fff3],
            [.max, .max, .max, .max, .max, .max, 0, 0, 0xbb37_43b1, 0x9f63_5551, 0xecbc_87fc, 0xa194_78a9],
        ]
        func lane(_ v: [UInt32], _ i: Int) -> UInt64 { UInt64(v[i]) | UInt64(v[i + 1]) << 32 }
        for v in vectors {
            var out: (UInt64, UInt64) = (0, 0)
            withUnsafeMutableBytes(of: &out) {
                aimc_ars_block(lane(v, 0), lane(v, 2), lane(v, 4), lane(v, 6), 10, hardware ? 1 : 0, $0.baseAddress!.assumingMemoryBound(to: UInt64.self))
            }
            #expect(out.0 == lane(v, 8) && out.1 == lane(v, 10), "\(v[0...7])")
        }
    }

    @Test("the stream's ARS-7 words: every AES implementation the same")
    func arsWordsAgree() {
        var software = [UInt64](repeating: 0, count: 2 * 301)
        aimc_ars_words(0, 0, 0xDEAD_BEEF, 1 << 33, 301, &software)
        for isa in Self.variants {
            var words = [UInt64](repeating: 0, count: 2 * 301)
            aimc_ars_words(isa.cVariant, 1, 0xDEAD_BEEF, 1 << 33, 301, &words)
            #expect(words == software, "\(isa)")
        }
    }

    @Test("samples 2P and 2P + 1 are Box–Muller of lane P mod 2 of ARS-7 block ⌊P/2⌋, bit for bit, on every variant",
          arguments: [0, 1_234_567, UInt64.max])
    func samplesAreBoxMullerOfARS(key: UInt64) {
        var words = [UInt64](repeating: 0, count: 600)
        aimc_ars_words(0, 0, key, 0, 300, &words)
        var expected = [Float](repeating: 0, count: 1200)
        aimc_box_muller(0, words, 600, 1200, &expected)
        for isa in Self.variants {
            var z = [Float](repeating: .nan, count: 1200)
            z.withUnsafeMutableBufferPointer { GaussianStream(key: key).fill($0.baseAddress!, count: 1200, from: 0, instructionSet: isa) }
            #expect(z.map(\.bitPattern) == expected.map(\.bitPattern), "\(isa)")
            var y = [Float](repeating: .nan, count: 1200)
            aimc_box_muller(isa.cVariant, words, 600, 1200, &y)
            #expect(y.map(\.bitPattern) == expected.map(\.bitPattern), "\(isa): the transform")
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

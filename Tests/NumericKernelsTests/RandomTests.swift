import NumericKernels
import TestSupport
import Testing

/// Tests of `Xoshiro256`: determinism, independence of streams, and the first two
/// moments of its uniform and Gaussian samplers.
///
/// Statistical checks use a fixed seed and a k·σ/√N bound with k = 5 (a false failure
/// about once in 1.7 million runs for a correct sampler; with a fixed seed, never).
@Suite("Seeded random numbers")
struct RandomTests {

    /// Multiplier k of the k·σ/√N bounds.
    static let k = 5.0

    // MARK: - Determinism

    @Test("the same seed gives the identical sequence", arguments: [0, 1, 42, UInt64.max])
    func sameSeed(seed: UInt64) {
        var a = Xoshiro256(seed: seed)
        var b = Xoshiro256(seed: seed)
        for _ in 0..<1000 { #expect(a.next() == b.next()) }
        var c = Xoshiro256(seed: seed, stream: [3, 1, 4])
        var d = Xoshiro256(seed: seed, stream: [3, 1, 4])
        #expect(c.gaussians(1001) == d.gaussians(1001))
    }

    @Test("seed 0 does not give the all-zero (stuck) state")
    func seedZeroIsNotStuck() {
        var g = Xoshiro256(seed: 0)
        let draws = (0..<16).map { _ in g.next() }
        #expect(Set(draws).count == 16)
    }

    @Test("different seeds or stream keys give different sequences")
    func differentStreams() {
        // Each pair differs in one thing only: the seed, a key, the order of the keys,
        // the length of the path, or an appended zero key.
        let pairs: [(Xoshiro256, Xoshiro256)] = [
            (Xoshiro256(seed: 1), Xoshiro256(seed: 2)),
            (Xoshiro256(seed: 7, stream: [1, 0]), Xoshiro256(seed: 7, stream: [1, 1])),
            (Xoshiro256(seed: 7, stream: [1, 2]), Xoshiro256(seed: 7, stream: [2, 1])),
            (Xoshiro256(seed: 7, stream: [1]), Xoshiro256(seed: 7, stream: [1, 0])),
            (Xoshiro256(seed: 7, stream: []), Xoshiro256(seed: 7, stream: [0])),
            (Xoshiro256(seed: 7, stream: [3]), Xoshiro256(seed: 8, stream: [3])),
        ]
        for (first, second) in pairs {
            var a = first, b = second
            // Two independent 64-bit streams agree at one position with probability 2⁻⁶⁴,
            // so in 1000 draws there must be no coincidence at all.
            var equal = 0
            for _ in 0..<1000 where a.next() == b.next() { equal += 1 }
            #expect(equal == 0)
        }
    }

    @Test("stream derivation is a pure function of seed and keys")
    func mixIsPure() {
        #expect(Xoshiro256.mix(5, [1, 2, 3]) == Xoshiro256.mix(5, [1, 2, 3]))
        var a = Xoshiro256(seed: 5, stream: [1, 2, 3])
        var b = Xoshiro256(seed: Xoshiro256.mix(5, [1, 2, 3]))
        for _ in 0..<100 { #expect(a.next() == b.next()) }
    }

    // MARK: - Uniform

    @Test("nextUniform lies in [0, 1) with mean 1/2 and variance 1/12")
    func uniformRange() {
        var g = Xoshiro256(seed: 2024)
        let n = 1_000_000
        var lo: Float = 1, hi: Float = 0
        var sum = 0.0, sumSq = 0.0
        for _ in 0..<n {
            let u = g.nextUniform()
            lo = min(lo, u)
            hi = max(hi, u)
            sum += Double(u)
            sumSq += Double(u) * Double(u)
        }
        #expect(lo >= 0)
        #expect(hi < 1)
        let mean = sum / Double(n)
        let variance = sumSq / Double(n) - mean * mean
        // σ of U(0,1) is 1/√12; σ of (U − ½)² is √(1/80 − 1/144) = 1/√180 ≈ 0.0745.
        #expect(abs(mean - 0.5) <= Self.k * (1 / 12.0).squareRoot() / Double(n).squareRoot())
        #expect(abs(variance - 1 / 12.0) <= Self.k * (1 / 180.0).squareRoot() / Double(n).squareRoot())
    }

    // MARK: - Gaussian

    @Test("fillGaussian has mean 0 and variance 1 (N = 10⁶, k = 5)")
    func gaussianMoments() {
        var g = Xoshiro256(seed: 123_456_789)
        let n = 1_000_000
        let z = g.gaussians(n)
        var sum = 0.0, sumSq = 0.0, sum4 = 0.0
        for v in z {
            let d = Double(v)
            sum += d
            sumSq += d * d
            sum4 += d * d * d * d
        }
        let mean = sum / Double(n)
        let variance = sumSq / Double(n - 1) - mean * mean * Double(n) / Double(n - 1)
        let rootN = Double(n).squareRoot()
        // σ of the mean is 1/√N; σ of the variance estimator is √2/√N for a normal.
        #expect(abs(mean) <= Self.k / rootN)
        #expect(abs(variance - 1) <= Self.k * 2.0.squareRoot() / rootN)
        // Fourth moment 3 (a Box–Muller bug such as reusing a uniform shows here first);
        // σ of the sample E[Z⁴] is √(E Z⁸ − 9) = √96.
        #expect(abs(sum4 / Double(n) - 3) <= Self.k * 96.0.squareRoot() / rootN)
        #expect(z.allSatisfy { $0.isFinite })
    }

    @Test("odd-length buffers are filled completely and agree with an even fill", arguments: [1, 3, 7, 101])
    func oddLength(count: Int) {
        var odd = [Float](repeating: .nan, count: count)
        var g = Xoshiro256(seed: 99)
        odd.withUnsafeMutableBufferPointer { g.fillGaussian($0) }
        #expect(odd.allSatisfy { $0.isFinite })

        // Box–Muller yields pairs: an odd fill is the prefix of the next even fill.
        var h = Xoshiro256(seed: 99)
        let even = h.gaussians(count + 1)
        #expect(odd == Array(even[0..<count]))

        // The odd fill consumed ⌈count/2⌉ 64-bit draws, like the even one.
        #expect(g.next() == h.next())
    }

    @Test("an empty buffer consumes nothing")
    func emptyBuffer() {
        var g = Xoshiro256(seed: 5), h = Xoshiro256(seed: 5)
        #expect(g.gaussians(0).isEmpty)
        #expect(g.next() == h.next())
    }

    @Test("gaussian() equals the first element of a fill")
    func singleGaussian() {
        var g = Xoshiro256(seed: 77), h = Xoshiro256(seed: 77)
        #expect(g.gaussian() == h.gaussians(2)[0])
    }
}

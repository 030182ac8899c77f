/// The simulator's vectorised inner loops, written once as always-inlined bodies over raw
/// pointers with every constant passed in (loops in this form vectorise; a loop in a
/// closure that captures its constants by reference does not).
///
/// Each body is compiled three times: inside `NumericKernels` for the portable x86-64
/// baseline (SSE2), in `SIMDKernelsAVX2` (`-target-cpu haswell`) and in
/// `SIMDKernelsAVX512` (`-target-cpu skylake-avx512`); `NumericKernels.Kernels` picks one
/// at run time from the CPU's features, as OpenBLAS does for its own kernels. The bodies
/// use only IEEE operations that every instruction set computes identically (no fused
/// multiply-add: Swift does not contract `a * b + c`), so all three give bit-identical
/// results (tested).
public enum KernelBodies {
    /// 1.5·2²³: adding and subtracting it rounds a float of magnitude < 2²² to the nearest
    /// integer, ties to even.
    public static let roundingMagic: Float = 12_582_912

    // MARK: Gaussian samples

    /// Fills `count` values at `out` with N(0, 1) samples by Box–Muller (see `GaussianSIMD`),
    /// advancing the xoshiro256** state (s0, s1, s2, s3) by ⌈count/2⌉ draws: draw j gives
    /// the pair (r·cos θ, r·sin θ) at positions 2j and 2j + 1, with u₁ from its top 24 bits
    /// and θ = 2π·k/2²⁴ from bits 8…31.
    @inlinable @inline(__always)
    public static func gaussianFill(
        _ s0: inout UInt64, _ s1: inout UInt64, _ s2: inout UInt64, _ s3: inout UInt64,
        _ out: UnsafeMutablePointer<Float>, count n: Int
    ) {
        if n <= 0 { return }
        let block = 256
        let half = block / 2
        // Scratch per call: u1 | radius | cos | sin, then k, then the raw draws.
        let scratch = UnsafeMutablePointer<Float>.allocate(capacity: 4 * half)
        let ks = UnsafeMutablePointer<Int32>.allocate(capacity: half)
        let draws = UnsafeMutablePointer<UInt64>.allocate(capacity: half)
        defer {
            scratch.deallocate()
            ks.deallocate()
            draws.deallocate()
        }
        let u1 = scratch, radius = scratch + half, cosv = scratch + 2 * half, sinv = scratch + 3 * half
        var a = s0, b = s1, c = s2, d = s3
        var start = 0
        while start < n {
            let m = min(block, n - start)
            let pairs = (m + 1) / 2
            for j in 0..<pairs {
                // xoshiro256** (Blackman & Vigna 2021), as Xoshiro256.next().
                let r = ((b &* 5) << 7 | (b &* 5) >> 57) &* 9
                let t = b << 17
                c ^= a
                d ^= b
                b ^= c
                a ^= d
                c ^= t
                d = (d << 45) | (d >> 19)
                draws[j] = r
            }
            // The serial generator loop above only stores; the bit extraction vectorises.
            for j in 0..<pairs { (u1[j], ks[j]) = boxMullerInputs(draws[j]) }
            boxMuller(u1: u1, k: ks, pairs: pairs, count: m, radius: radius, cosv: cosv, sinv: sinv, into: out + start)
            start += m
        }
        s0 = a
        s1 = b
        s2 = c
        s3 = d
    }

    /// u₁ ∈ (0, 1] from the top 24 bits of a 64-bit word (so that log is finite) and the
    /// angle index k ∈ [0, 2²⁴) from bits 8…31.
    @inlinable @inline(__always)
    public static func boxMullerInputs(_ r: UInt64) -> (Float, Int32) {
        ((Float(Int32(truncatingIfNeeded: r >> 40)) + 1) * (1.0 / 16_777_216.0), Int32(truncatingIfNeeded: (r >> 8) & 0xFF_FFFF))
    }

    /// Box–Muller of `pairs` words given as u₁ and k (`boxMullerInputs`): the pair
    /// (r·cos θ, r·sin θ), r = √(−2 ln u₁), θ = 2π·k/2²⁴, of word j at dst[2j] and dst[2j + 1],
    /// for the first `count` ≤ 2·pairs values (an odd count ends on a cos value).
    /// `radius`, `cosv`, `sinv`: scratch of `pairs` floats each.
    @inlinable @inline(__always)
    public static func boxMuller(
        u1: UnsafePointer<Float>, k: UnsafePointer<Int32>, pairs: Int, count: Int, radius: UnsafeMutablePointer<Float>,
        cosv: UnsafeMutablePointer<Float>, sinv: UnsafeMutablePointer<Float>, into dst: UnsafeMutablePointer<Float>
    ) {
        for j in 0..<pairs { radius[j] = GaussianSIMD.squareRoot(-2 * GaussianSIMD.log(u1[j])) }
        for j in 0..<pairs {
            let (sv, cv) = GaussianSIMD.sincos2pi(k: k[j])
            sinv[j] = sv
            cosv[j] = cv
        }
        for j in 0..<(count / 2) {
            dst[2 * j] = radius[j] * cosv[j]
            dst[2 * j + 1] = radius[j] * sinv[j]
        }
        if count % 2 == 1 { dst[count - 1] = radius[pairs - 1] * cosv[pairs - 1] }
    }

    /// Fills `2 · pairs` values at `out` with N(0, 1) samples of the counter-based stream
    /// `key` (see `NumericKernels.GaussianStream`), starting at pair `firstPair`: pair P is
    /// Box–Muller (see `GaussianSIMD`) of the 64-bit word w_P = SplitMix64's output P for the
    /// seed `key`, i.e. the finaliser of key + (P + 1)·0x9E3779B97F4A7C15 (Steele, Lea &
    /// Flood, OOPSLA 2014), with u₁ from its top 24 bits and θ = 2π·k/2²⁴ from bits 8…31,
    /// written as (r·cos θ, r·sin θ) at positions 2j and 2j + 1. Every word depends on its
    /// counter only, so the loop has no serial state and vectorises whole.
    @inlinable @inline(__always)
    public static func counterGaussianPairs(key: UInt64, firstPair: UInt64, pairs n: Int, _ out: UnsafeMutablePointer<Float>) {
        if n <= 0 { return }
        let block = 128
        withUnsafeTemporaryAllocation(of: Float.self, capacity: 4 * block) { scratch in
            withUnsafeTemporaryAllocation(of: Int32.self, capacity: block) { kBuffer in
                let u1 = scratch.baseAddress!
                let ks = kBuffer.baseAddress!
                var start = 0
                while start < n {
                    let m = min(block, n - start)
                    let counter = key &+ (firstPair &+ UInt64(start) &+ 1) &* 0x9E37_79B9_7F4A_7C15
                    for j in 0..<m {
                        // SplitMix64's finaliser of key + (P + 1)·γ.
                        var z = counter &+ UInt64(j) &* 0x9E37_79B9_7F4A_7C15
                        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
                        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
                        (u1[j], ks[j]) = boxMullerInputs(z ^ (z >> 31))
                    }
                    boxMuller(
                        u1: u1, k: ks, pairs: m, count: 2 * m, radius: u1 + block, cosv: u1 + 2 * block, sinv: u1 + 3 * block,
                        into: out + 2 * start)
                    start += m
                }
            }
        }
    }

    // MARK: Converters


    /// `dst[i] = src[i] · factor`.
    @inlinable @inline(__always)
    public static func scale(_ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>, count: Int, factor: Float) {
        for i in 0..<count { dst[i] = src[i] * factor }
    }


    /// `dst[j] = src[j] + sigma · noise[j]`.
    @inlinable @inline(__always)
    public static func addNoise(
        _ src: UnsafePointer<Float>, noise: UnsafePointer<Float>, sigma: Float, _ dst: UnsafeMutablePointer<Float>, count: Int
    ) {
        for j in 0..<count { dst[j] = src[j] + sigma * noise[j] }
    }


    // MARK: Energy counts

    /// Energy counts of one tile read of the DAC outputs `x` (levels k·Δ, |k| < 2²²) over
    /// rows with conductance sums `g`: the number of non-zero inputs, Σ x²·g, Σ |x|·g and
    /// Σ popcount(|k|)·g. Products and sums of 64 rows are formed in `Float` lanes (relative
    /// error about 1e-7), the block sums are added in `Double`; the level k is read from the
    /// mantissa of |x|/Δ + 1.5·2²³.
    @inlinable @inline(__always)
    public static func readEnergy(
        _ x: UnsafePointer<Float>, conductance g: UnsafePointer<Float>, count n: Int, inverseStep: Float
    ) -> (active: Int, squared: Double, absolute: Double, bitwise: Double) {
        typealias F8 = SIMD8<Float>
        typealias U8 = SIMD8<UInt32>
        let magic = roundingMagic
        let magicBits = U8(repeating: magic.bitPattern)
        let m1 = U8(repeating: 0x5555_5555), m2 = U8(repeating: 0x3333_3333), m4 = U8(repeating: 0x0F0F_0F0F)
        let floatBias = U8(repeating: 0x4B00_0000)  // 2²³ as a float's bits: small integers convert exactly
        var active = 0
        var squared = 0.0, absolute = 0.0, bitwise = 0.0
        var i = 0
        while i + 8 <= n {
            let end = i + min(64, (n - i) & ~7)
            var sq = F8(), ab = F8(), bw = F8()
            var on = SIMD8<Int32>()
            while i < end {
                let xv = UnsafeRawPointer(x + i).loadUnaligned(as: F8.self)
                let gv = UnsafeRawPointer(g + i).loadUnaligned(as: F8.self)
                let a = unsafeBitCast(unsafeBitCast(xv, to: U8.self) & 0x7FFF_FFFF, to: F8.self)
                on &+= SIMD8<Int32>(repeating: 0).replacing(with: 1, where: a .!= 0)
                sq += a * a * gv
                ab += a * gv
                var k = unsafeBitCast(a * inverseStep + magic, to: U8.self) &- magicBits
                k = k &- ((k &>> 1) & m1)
                k = (k & m2) &+ ((k &>> 2) & m2)
                k = (k &+ (k &>> 4)) & m4
                k = (k &+ (k &>> 8) &+ (k &>> 16) &+ (k &>> 24)) & 0x3F
                bw += (unsafeBitCast(k | floatBias, to: F8.self) - 8_388_608) * gv
                i += 8
            }
            active += Int(on.wrappedSum())
            squared += Double(sq.sum())
            absolute += Double(ab.sum())
            bitwise += Double(bw.sum())
        }
        while i < n {
            let a = abs(x[i]), gi = g[i]
            active += a != 0 ? 1 : 0
            squared += Double(a * a * gi)
            absolute += Double(a * gi)
            let k = (a * inverseStep + magic).bitPattern &- magic.bitPattern
            bitwise += Double(Float(k.nonzeroBitCount) * gi)
            i += 1
        }
        return (active, squared, absolute, bitwise)
    }

    // MARK: Scans


    /// Whether any of `count` values is NaN or ±Inf (exponent field all ones).
    @inlinable @inline(__always)
    public static func containsNonFinite(_ x: UnsafePointer<Float>, count: Int) -> Bool {
        var flag: UInt32 = 0
        for i in 0..<max(count, 0) { flag |= (x[i].bitPattern & 0x7F80_0000) == 0x7F80_0000 ? 1 : 0 }
        return flag != 0
    }
}

/// The constants of one uniform converter for `KernelBodies` (see `Quantizer`).
public struct ConverterLevels: Sendable {
    /// Step Δ and 1/Δ (converter input units per level).
    public var step: Float, inverseStep: Float
    /// Lowest and highest level index.
    public var lowest: Float, highest: Float
    /// Input range [lower, upper]; beyond it the conversion clips.
    public var lower: Float, upper: Float

    public init(step: Float, inverseStep: Float, lowest: Float, highest: Float, lower: Float, upper: Float) {
        self.step = step
        self.inverseStep = inverseStep
        self.lowest = lowest
        self.highest = highest
        self.lower = lower
        self.upper = upper
    }
}

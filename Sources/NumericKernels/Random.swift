import CTileKernels
/// Seeded random numbers: xoshiro256** (Blackman & Vigna, "Scrambled linear
/// pseudorandom number generators", ACM TOMS 2021) seeded through SplitMix64.
///
/// Nothing in aimc reads the clock or a global generator: every stochastic API takes
/// one of these, derived from the experiment seed with `derive(_:)`, so a result
/// depends only on the seed and the config, never on the thread count.
public struct Xoshiro256: RandomNumberGenerator, Sendable {
    @usableFromInline var s0: UInt64
    @usableFromInline var s1: UInt64
    @usableFromInline var s2: UInt64
    @usableFromInline var s3: UInt64

    /// A generator whose whole state is expanded from `seed` by SplitMix64.
    public init(seed: UInt64) {
        var sm = SplitMix64(state: seed)
        s0 = sm.next()
        s1 = sm.next()
        s2 = sm.next()
        s3 = sm.next()
        if s0 | s1 | s2 | s3 == 0 { s0 = 0x9E37_79B9_7F4A_7C15 }
    }

    /// A generator for the stream named by `seed` and the path `keys`
    /// (for example `[repeat, layer, tile]`): independent of the order in which
    /// streams are created.
    public init(seed: UInt64, stream keys: [UInt64]) {
        self.init(seed: Xoshiro256.mix(seed, keys))
    }

    /// Hashes a seed and a path of keys into one 64-bit seed (SplitMix64 finaliser chain).
    public static func mix(_ seed: UInt64, _ keys: [UInt64]) -> UInt64 {
        var h = SplitMix64.finalize(seed &+ 0x632B_E59B_D9B4_E019)
        for k in keys { h = SplitMix64.finalize(h ^ SplitMix64.finalize(k &+ 0x9E37_79B9_7F4A_7C15)) }
        return h
    }

    @inlinable
    public mutating func next() -> UInt64 {
        let result = ((s1 &* 5) << 7 | (s1 &* 5) >> 57) &* 9
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = (s3 << 45) | (s3 >> 19)
        return result
    }

    /// A uniform `Float` in [0, 1) with 24 random bits.
    @inlinable
    public mutating func nextUniform() -> Float {
        Float(next() >> 40) * (1.0 / 16_777_216.0)
    }

    /// Fills `buffer` with independent standard normal samples N(0, 1): Box–Muller in
    /// `Float` with polynomial log and sincos (`CTileKernels`' `aimc_box_muller`, several
    /// times faster than libm's), vectorised for the CPU's widest instruction set (`Kernels`;
    /// the same values on every one). Draw j of the generator gives the pair (r·cos θ, r·sin θ) at positions
    /// 2j and 2j + 1, so a fill of n samples consumes ⌈n/2⌉ draws, and consecutive fills of
    /// even sizes give the same samples as one fill of their total.
    public mutating func fillGaussian(_ buffer: UnsafeMutableBufferPointer<Float>) {
        fillGaussianFast(buffer)
    }

    /// `fillGaussian` on a chosen instruction set (tests compare the variants).
    public mutating func fillGaussianFast(
        _ buffer: UnsafeMutableBufferPointer<Float>, instructionSet: Kernels.InstructionSet = Kernels.active
    ) {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return }
        let block = 256
        withUnsafeTemporaryAllocation(of: UInt64.self, capacity: block) { draws in
            var start = 0
            while start < buffer.count {
                let m = min(2 * block, buffer.count - start)
                let pairs = (m + 1) / 2
                for j in 0..<pairs { draws[j] = next() }
                aimc_box_muller(instructionSet.cVariant, draws.baseAddress!, pairs, m, base + start)
                start += m
            }
        }
    }

    /// Fills `buffer` with N(0, 1) samples by Box–Muller in `Double` with libm's log, cos
    /// and sin: the slower reference the fast path is checked against.
    public mutating func fillGaussianReference(_ buffer: UnsafeMutableBufferPointer<Float>) {
        let n = buffer.count
        var i = 0
        while i < n {
            let bits = next()
            // Two 32-bit uniforms; u1 in (0, 1] so log is finite.
            let u1 = (Double(bits >> 32) + 1.0) * (1.0 / 4_294_967_296.0)
            let u2 = Double(bits & 0xFFFF_FFFF) * (1.0 / 4_294_967_296.0)
            let r = (-2.0 * _log(u1)).squareRoot()
            let theta = 2.0 * Double.pi * u2
            buffer[i] = Float(r * _cos(theta))
            if i + 1 < n { buffer[i + 1] = Float(r * _sin(theta)) }
            i += 2
        }
    }

    /// `count` standard normal samples.
    public mutating func gaussians(_ count: Int) -> [Float] {
        var out = [Float](repeating: 0, count: count)
        out.withUnsafeMutableBufferPointer { fillGaussian($0) }
        return out
    }

    /// One standard normal sample.
    public mutating func gaussian() -> Float {
        var x: Float = 0
        withUnsafeMutablePointer(to: &x) { fillGaussian(UnsafeMutableBufferPointer(start: $0, count: 1)) }
        return x
    }
}

/// SplitMix64 (Steele, Lea & Flood, OOPSLA 2014): expands seeds for xoshiro.
public struct SplitMix64: Sendable {
    public var state: UInt64
    public init(state: UInt64) { self.state = state }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        return SplitMix64.finalize(state)
    }
    @inlinable
    public static func finalize(_ x: UInt64) -> UInt64 {
        var z = x
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// A counter-based stream of standard normal samples N(0, 1): sample i of the stream is a
/// pure function of the key and i, so any stretch of it can be drawn in any order, by any
/// thread, in one vectorised pass with no serial generator state.
///
/// Sample 2P and 2P + 1 are the Box–Muller pair (r·cos θ, r·sin θ) (`GaussianSIMD`: `Float`
/// with polynomial log, √ and sincos) of the 64-bit word w_P, the P-th output of SplitMix64
/// seeded with `key` (Steele, Lea & Flood, "Fast splittable pseudorandom number generators",
/// OOPSLA 2014; it passes TestU01's BigCrush): w_P = finalise(key + (P + 1)·γ),
/// γ = 0x9E3779B97F4A7C15; u₁ = (top 24 bits + 1)/2²⁴ ∈ (0, 1], θ = 2π·(bits 8…31)/2²⁴.
/// Two keys drawn independently give streams that overlap with probability about
/// length/2⁶⁴.
///
/// This is the generator of the per-read output noise (`TileRead`): the schedule addresses
/// the noise of (read attempt, bit plane, sample, channel) by its position, so results do not
/// depend on how the samples are grouped or ordered. Per sample it costs what the serial
/// xoshiro256** fill does (`Xoshiro256.fillGaussian`, kept for everything drawn once per
/// programming or training step): 1.50 against 1.69 ns on AVX-512, 1.80 against 1.82 on
/// AVX2, 3.33 against 2.88 on the portable variant, whose SSE2 has no 64-bit lane product
/// (BENCHMARKS.md).
public struct GaussianStream: Sendable, Equatable {
    /// The seed of the underlying SplitMix64 sequence.
    public let key: UInt64

    public init(key: UInt64) { self.key = key }

    /// Writes samples `position ..< position + count` of the stream to `out[0..<count]`
    /// (nothing for `count` ≤ 0), on the CPU's widest instruction set (the same values on
    /// every one; tested).
    public func fill(
        _ out: UnsafeMutablePointer<Float>, count: Int, from position: UInt64,
        instructionSet: Kernels.InstructionSet = Kernels.active
    ) {
        guard count > 0 else { return }
        var dst = out
        var remaining = count
        var pair = position / 2
        if position % 2 == 1 {
            // The sin half of a pair that starts before `position`.
            dst.pointee = value(1, ofPair: pair, instructionSet)
            dst += 1
            remaining -= 1
            pair &+= 1
        }
        let whole = remaining / 2
        Kernels.counterGaussianPairs(key: key, firstPair: pair, pairs: whole, dst, isa: instructionSet)
        // The cos half of a pair that ends after the stretch.
        if remaining % 2 == 1 { dst[2 * whole] = value(0, ofPair: pair &+ UInt64(whole), instructionSet) }
    }

    /// The cos (0) or sin (1) value of pair `pair`.
    private func value(_ index: Int, ofPair pair: UInt64, _ isa: Kernels.InstructionSet) -> Float {
        var two: (Float, Float) = (0, 0)
        return withUnsafeMutableBytes(of: &two) {
            let p = $0.baseAddress!.assumingMemoryBound(to: Float.self)
            Kernels.counterGaussianPairs(key: key, firstPair: pair, pairs: 1, p, isa: isa)
            return p[index]
        }
    }

    /// Samples `position ..< position + count` as an array.
    public func samples(_ count: Int, from position: UInt64 = 0) -> [Float] {
        [Float](unsafeUninitializedCapacity: max(count, 0)) { b, n in
            if let base = b.baseAddress { fill(base, count: count, from: position) }
            n = max(count, 0)
        }
    }
}

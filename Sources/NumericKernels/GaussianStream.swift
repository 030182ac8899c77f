/// A counter-based stream of standard normal samples N(0, 1): sample i of the stream is a
/// pure function of the key and i, so any stretch of it can be drawn in any order, by any
/// thread, in one vectorised pass with no serial generator state.
///
/// Samples 2P and 2P + 1 are the Box–Muller pair (r·cos θ, r·sin θ) (`CTileKernels`'
/// `aimc_box_muller`: `Float` with polynomial log and sincos, IEEE square root) of the 64-bit
/// word w_P, lane P mod 2 of block ⌊P/2⌋ of ARS-7 with key (key, 0) and counter (⌊P/2⌋, 0)
/// (Salmon, Moraes, Dror & Shaw, "Parallel random numbers: as easy as 1, 2, 3", SC 2011: AES
/// rounds with Weyl-stepped round keys; ARS-5 already passes TestU01's BigCrush, 7 rounds is
/// Random123's default); u₁ = (top 24 bits + 1)/2²⁴ ∈ (0, 1], θ = 2π·(bits 8…31)/2²⁴. The
/// AES rounds run on VAES (4 or 2 blocks per instruction), AES-NI, or a software round on
/// CPUs without them, all giving the same words (tested, with Random123's known answers).
/// Two keys drawn independently give streams that overlap with probability about
/// length/2⁶⁴.
///
/// This is the generator of the per-read output noise (`TileRead`): the schedule addresses
/// the noise of (read attempt, bit plane, sample, channel) by its position, so results do not
/// depend on how the samples are grouped or ordered. Per sample: 0.94–1.0 ns on AVX-512 with
/// VAES, 1.7–2.1 on AVX2, 3.1 on the portable variant (BENCHMARKS.md), against 1.5, 1.8 and
/// 3.3 for the SplitMix64 words and the earlier transform it replaced.
public struct GaussianStream: Sendable, Equatable {
    /// The stream's key: the low 64-bit lane of the ARS-7 key (the high lane is 0).
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

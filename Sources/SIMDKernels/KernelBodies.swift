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

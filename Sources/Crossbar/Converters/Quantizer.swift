/// A uniform converter (DAC or ADC) with `bits` of resolution over a range.
///
/// - signed, b bits over [−range, range]: 2^b − 1 levels symmetric about 0,
///   step Δ = 2·range / (2^b − 2);
/// - unsigned, b bits over [0, range]: 2^b levels, step Δ = range / (2^b − 1);
/// - `bits == 0`: an ideal converter (no quantisation, no clipping).
///
/// Values beyond the range clip to the extreme level; rounding is round-half-to-even.
/// Source: PHYSICS.md §2; aihwkit's `inp_res`/`out_res` with `inp_bound`/`out_bound`.
public struct Quantizer: Equatable, Sendable, Codable {
    /// Resolution in bits, 0 (ideal) or 2…24 (signed) / 1…24 (unsigned).
    public var bits: Int
    /// Full-scale range (normalised units), > 0.
    public var range: Float
    /// Signed (symmetric) or unsigned.
    public var signed: Bool

    /// - Throws: `CrossbarError` when `bits` or `range` is out of range.
    public init(bits: Int, range: Float, signed: Bool = true) throws {
        guard bits == 0 || (bits >= (signed ? 2 : 1) && bits <= 24) else {
            throw CrossbarError(
                "converter bits = \(bits) is out of range: 0 (ideal) or \(signed ? 2 : 1)…24")
        }
        guard range > 0, range.isFinite else {
            throw CrossbarError("converter range = \(range) must be a finite number > 0")
        }
        self.bits = bits
        self.range = range
        self.signed = signed
    }

    /// An ideal converter: no quantisation, no clipping.
    public static let ideal = try! Quantizer(bits: 0, range: 1)

    /// True for 0 bits.
    public var isIdeal: Bool { bits == 0 }

    /// Number of distinct output levels (0 for an ideal converter).
    public var levels: Int {
        if bits == 0 { return 0 }
        return signed ? (1 << bits) - 1 : (1 << bits)
    }

    /// Step Δ between adjacent levels (0 for an ideal converter).
    public var step: Float {
        if bits == 0 { return 0 }
        return signed ? 2 * range / Float((1 << bits) - 2) : range / Float((1 << bits) - 1)
    }

    /// 1/Δ in `Float` (0 for an ideal converter): levels are found by multiplying by it,
    /// which is several times cheaper than dividing by Δ in the vectorised loops and differs
    /// from the division by at most one ulp before rounding to a level.
    public var inverseStep: Float {
        if bits == 0 { return 0 }
        return 1 / step
    }

    /// Largest level index k, so that levels are k·Δ for k in `lowestIndex...highestIndex`.
    public var highestIndex: Float { signed ? Float((1 << (bits - 1)) - 1) : Float((1 << bits) - 1) }
    /// Smallest level index.
    public var lowestIndex: Float { signed ? -highestIndex : 0 }

    /// The lower and upper clipping bounds.
    public var bounds: (lower: Float, upper: Float) { (signed ? -range : 0, range) }

    /// Quantises one value.
    @inlinable
    public func quantize(_ v: Float) -> Float {
        if bits == 0 { return v }
        // Clamping before rounding is the same as after (the bounds are integers), and lets
        // the rounding use the branch-free form below.
        let k = Quantizer.roundHalfEven(min(max(v * inverseStep, lowestIndex), highestIndex))
        return k * step
    }

    /// Round-half-to-even of |x| ≤ 2²³ without a library call: adding and subtracting
    /// 1.5·2²³ rounds in the FPU's default mode (to nearest, ties to even) and is exact for
    /// such x; larger magnitudes (only for converters above 22 bits) use `rounded`.
    @inlinable @inline(__always)
    public static func roundHalfEven(_ x: Float) -> Float {
        let magic: Float = 12_582_912
        if abs(x) < 4_194_304 { return (x + magic) - magic }
        return x.rounded(.toNearestOrEven)
    }

    /// Whether `v` lies beyond the converter's range (it would be clipped).
    @inlinable
    public func clips(_ v: Float) -> Bool {
        if bits == 0 { return false }
        return v > range || v < (signed ? -range : 0)
    }
}

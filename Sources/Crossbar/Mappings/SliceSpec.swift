/// How the offset of the unipolar (`offset`) mapping is removed (PHYSICS.md §1).
public enum OffsetReference: String, CaseIterable, Sendable, Codable {
    /// One reference column per tile (and per slice) whose devices hold the conductance
    /// of a zero weight, G₀ = gMin + (0 − wMin)/(wMax − wMin)·(gMax − gMin); its current
    /// is subtracted from every column in the analogue domain, before the ADC. The
    /// reference devices get every non-ideality, and all columns share them.
    case column
    /// No reference devices: the ADC converts the raw column current and the offset
    /// G₀·Σᵢ xᵢ is subtracted digitally (noise-free, from the applied DAC levels). The ADC
    /// then has to cover the offset current too.
    case digital
}

/// Bit slicing, or several device pairs per weight (PHYSICS.md §1).
///
/// A weight's normalised magnitude a ∈ [0, 1] (|w|/max|W| for the differential pair,
/// (w − wMin)/(wMax − wMin) for the offset mapping) is held by `slices` = k device pairs
/// (or devices) m = 0…k−1 with significance F_m = base^m; slice outputs are digitised
/// separately and combined digitally by shift-and-add, y = Σ_m c_m·y_m with
/// c_m = F_m / Σ_m' F_m'.
/// - `bits` = b > 0: bit slicing, base 2^b. a is rounded to an integer
///   A = round(a·(2^(k·b) − 1)) whose base-2^b digits D_m give the slice targets
///   d_m = D_m / (2^b − 1); then Σ_m c_m·d_m = A / (2^(k·b) − 1) exactly.
/// - `bits` = 0: k redundant pairs of equal significance (base 1, c_m = 1/k), each holding
///   a; their digitised outputs are averaged.
public struct SliceSpec: Equatable, Sendable, Codable {
    /// Number of slices k (1…8); 1 is the plain mapping.
    public var slices: Int = 1
    /// Bits per slice b (0…16; 0: redundant pairs of equal significance); k·b ≤ 24.
    public var bits: Int = 0

    public init(slices: Int = 1, bits: Int = 0) {
        self.slices = slices
        self.bits = bits
    }

    /// True for one slice of the full (unquantised) weight.
    public var isPlain: Bool { slices == 1 && bits == 0 }

    /// Combination coefficients c_m = F_m / Σ F, least significant first.
    public var coefficients: [Float] {
        if bits == 0 { return [Float](repeating: 1 / Float(slices), count: slices) }
        let f = (0..<slices).map { Double(1 << (bits * $0)) }
        let total = f.reduce(0, +)
        return f.map { Float($0 / total) }
    }

    /// The slice targets d_m ∈ [0, 1] of a normalised magnitude a ∈ [0, 1].
    public func digits(_ a: Float) -> [Float] {
        let a = min(max(a, 0), 1)
        if bits == 0 { return [Float](repeating: a, count: slices) }
        let full = (UInt64(1) << UInt64(slices * bits)) - 1
        let per = (UInt64(1) << UInt64(bits)) - 1
        let whole = UInt64((Double(a) * Double(full)).rounded(.toNearestOrEven))
        return (0..<slices).map { m in Float(Double((whole >> UInt64(bits * m)) & per) / Double(per)) }
    }
}

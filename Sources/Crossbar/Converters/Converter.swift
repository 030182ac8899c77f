import NumericKernels
import SIMDKernels

/// An input converter (DAC): turns the scaled inputs of one tile read into the levels that
/// drive the tile's word lines (rows). Implementations: `UniformConverter` (the uniform
/// quantiser of `Quantizer`, or an ideal pass-through).
public protocol InputConverter: Sendable {
    /// No quantisation and no clipping.
    var isIdeal: Bool { get }
    /// Step Δ between adjacent levels (0 when ideal); bit-serial planes weigh bit p by
    /// 2^p·Δ.
    var step: Float { get }
    /// The largest |k| of the level indices k (levels k·Δ) when they fit 16-bit integers
    /// (|k| ≤ 32767), so that the array stage may run in integers; nil otherwise (ideal or
    /// wider converters).
    var levelIndexBound: Int? { get }
    /// Encodes one input vector: `dst[i] = level(src[i] · inverseScale)` for `i < count`,
    /// and the level indices into `indices` when given (only when `levelIndexBound` is set).
    /// - Returns: how many values lay beyond the range (clipped).
    func encode(
        _ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>, count: Int, inverseScale: Float, indices: UnsafeMutablePointer<Int16>?
    ) -> Int
}

/// The output converters (ADCs) of one tile: digitise its channels (columns × slices).
/// Implementations: `UniformConverter` (every channel alike), `ChannelConverters` (a
/// uniform quantiser per channel, from a calibrated range policy), `SARConverter` and
/// `RampConverter` (circuit models with capacitor mismatch and comparator offsets).
public protocol OutputConverter: Sendable {
    /// No quantisation, no clipping: the values pass (with output noise added).
    var isIdeal: Bool { get }
    /// Digitises channels `firstChannel..<firstChannel + count` of one read:
    /// `dst[j] = Q_{firstChannel + j}(src[j] + sigma · noise[j])` (no noise term when
    /// `noise` is nil).
    /// - Returns: the values beyond the range (clipped) and the non-zero values that gave
    ///   the zero level (zeroed).
    func digitise(
        _ src: UnsafePointer<Float>, noise: UnsafePointer<Float>?, sigma: Float, _ dst: UnsafeMutablePointer<Float>,
        count: Int, firstChannel: Int
    ) -> (clipped: Int, zeroed: Int)
}

/// The uniform quantiser of a `Quantizer` (PHYSICS.md §2) as a DAC and as an ADC: levels
/// k·Δ, clipping at the range, round half to even. Converters of up to 22 bits run the
/// vectorised loops (`Kernels.encode`, `Kernels.digitise`), which compute exactly what
/// `Quantizer.clips` and `Quantizer.quantize` do; wider ones the per-element calls.
public struct UniformConverter: InputConverter, OutputConverter {
    public let quantizer: Quantizer
    let levels: ConverterLevels?
    let vectorised: Bool

    public init(_ q: Quantizer) {
        quantizer = q
        vectorised = q.isIdeal || q.bits <= 22
        levels = q.isIdeal ? nil : ConverterLevels(q)
    }

    public var isIdeal: Bool { quantizer.isIdeal }
    public var step: Float { quantizer.step }

    public var levelIndexBound: Int? {
        guard !quantizer.isIdeal, quantizer.highestIndex <= 32767 else { return nil }
        return Int(quantizer.highestIndex)
    }

    public func encode(
        _ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>, count: Int, inverseScale: Float,
        indices: UnsafeMutablePointer<Int16>? = nil
    ) -> Int {
        precondition(indices == nil || levelIndexBound != nil, "UniformConverter.encode: level indices of a converter beyond 16 bits")
        guard let levels else {
            Kernels.scale(src, dst, count: count, factor: inverseScale)
            return 0
        }
        if vectorised { return Kernels.encode(src, dst, count: count, inverseScale: inverseScale, levels, indices: indices) }
        var clipped = 0
        for i in 0..<count {
            let v = src[i] * inverseScale
            if quantizer.clips(v) { clipped += 1 }
            dst[i] = quantizer.quantize(v)
        }
        return clipped
    }

    public func digitise(
        _ src: UnsafePointer<Float>, noise: UnsafePointer<Float>?, sigma: Float, _ dst: UnsafeMutablePointer<Float>,
        count: Int, firstChannel: Int
    ) -> (clipped: Int, zeroed: Int) {
        guard let levels else {
            if let noise { Kernels.addNoise(src, noise: noise, sigma: sigma, dst, count: count) } else { dst.update(from: src, count: count) }
            return (0, 0)
        }
        if vectorised { return Kernels.digitise(src, noise: noise, sigma: sigma, dst, count: count, levels) }
        return quantizer.digitise(src, noise: noise, sigma: sigma, dst, count: count)
    }
}

/// One uniform quantiser per ADC channel: the ranges of a calibrated range policy
/// (`ADCRangePolicy`).
public struct ChannelConverters: OutputConverter {
    public let channels: [Quantizer]

    public init(_ channels: [Quantizer]) { self.channels = channels }

    public var isIdeal: Bool { channels.allSatisfy(\.isIdeal) }

    public func digitise(
        _ src: UnsafePointer<Float>, noise: UnsafePointer<Float>?, sigma: Float, _ dst: UnsafeMutablePointer<Float>,
        count: Int, firstChannel: Int
    ) -> (clipped: Int, zeroed: Int) {
        var clipped = 0, zeroed = 0
        for j in 0..<count {
            let q = channels[firstChannel + j]
            let (c, z) = q.digitise(src + j, noise: noise.map { $0 + j }, sigma: sigma, dst + j, count: 1)
            clipped += c
            zeroed += z
        }
        return (clipped, zeroed)
    }
}

extension Quantizer {
    /// The scalar ADC loop: `dst[j] = quantize(src[j] + sigma · noise[j])`, counting clipped
    /// and zeroed values (an ideal converter passes the values).
    func digitise(
        _ src: UnsafePointer<Float>, noise: UnsafePointer<Float>?, sigma: Float, _ dst: UnsafeMutablePointer<Float>, count: Int
    ) -> (clipped: Int, zeroed: Int) {
        var clipped = 0, zeroed = 0
        for j in 0..<count {
            let v = noise.map { src[j] + sigma * $0[j] } ?? src[j]
            if isIdeal {
                dst[j] = v
                continue
            }
            if clips(v) { clipped += 1 }
            let q = quantize(v)
            if q == 0 && v != 0 { zeroed += 1 }
            dst[j] = q
        }
        return (clipped, zeroed)
    }
}

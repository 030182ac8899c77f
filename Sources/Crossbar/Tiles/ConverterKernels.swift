/// Converter loops of the tile read, written over raw pointers with every constant passed in
/// so that the compiler vectorises them (a loop inside a closure that captures its constants
/// by reference stays scalar). Each computes exactly what `Quantizer.clips` and
/// `Quantizer.quantize` do: clamp the level to the converter's index range, round half to
/// even by adding and subtracting 1.5·2²³ (valid for converters of up to 22 bits), times
/// the step. Results are bit-identical to the per-element `Quantizer` calls.
enum ConverterKernels {
    /// 1.5·2²³: adding and subtracting it rounds a float of magnitude < 2²² to the nearest
    /// integer, ties to even.
    static let roundingMagic: Float = 12_582_912

    /// The constants of one converter for the loops below.
    struct Levels {
        /// Step Δ (converter input units per level) and 1/Δ.
        var step: Float, inverseStep: Float
        /// Lowest and highest level index.
        var lowest: Float, highest: Float
        /// Input range [lower, upper]; beyond it the conversion clips.
        var lower: Float, upper: Float

        init(_ q: Quantizer) {
            step = q.step
            inverseStep = q.inverseStep
            lowest = q.lowestIndex
            highest = q.highestIndex
            upper = q.range
            lower = q.signed ? -q.range : 0
        }
    }

    /// DAC of one input vector: `dst[i] = Q(src[i] · inverseScale)`.
    /// - Returns: how many scaled inputs lay beyond the DAC range.
    @inline(never)
    static func encode(
        _ src: UnsafePointer<Float>, into dst: UnsafeMutablePointer<Float>, count: Int,
        inverseScale: Float, levels c: Levels
    ) -> Int {
        let step = c.step, inverseStep = c.inverseStep, lo = c.lowest, hi = c.highest, upper = c.upper, lower = c.lower
        let magic = roundingMagic
        var clipped: Int32 = 0
        for i in 0..<count {
            let v = src[i] * inverseScale
            clipped &+= (v > upper || v < lower) ? 1 : 0
            dst[i] = ((min(max(v * inverseStep, lo), hi) + magic) - magic) * step
        }
        return Int(clipped)
    }

    /// Ideal DAC: `dst[i] = src[i] · inverseScale`.
    @inline(never)
    static func scale(_ src: UnsafePointer<Float>, into dst: UnsafeMutablePointer<Float>, count: Int, by inverseScale: Float) {
        for i in 0..<count { dst[i] = src[i] * inverseScale }
    }

    /// Output noise and ADC of one read: `dst[j] = Q(src[j] + sigma · noise[j])`
    /// (`noise` nil: `Q(src[j])`).
    /// - Returns: conversions beyond the ADC range, and non-zero values that gave level 0.
    @inline(never)
    static func digitise(
        _ src: UnsafePointer<Float>, noise: UnsafePointer<Float>?, sigma: Float, into dst: UnsafeMutablePointer<Float>,
        count: Int, levels c: Levels
    ) -> (clipped: Int, zeroed: Int) {
        let step = c.step, inverseStep = c.inverseStep, lo = c.lowest, hi = c.highest, upper = c.upper, lower = c.lower
        let magic = roundingMagic
        var clipped: Int32 = 0, zeroed: Int32 = 0
        if let noise {
            for j in 0..<count {
                let v = src[j] + sigma * noise[j]
                clipped &+= (v > upper || v < lower) ? 1 : 0
                let q = ((min(max(v * inverseStep, lo), hi) + magic) - magic) * step
                zeroed &+= (q == 0 && v != 0) ? 1 : 0
                dst[j] = q
            }
        } else {
            for j in 0..<count {
                let v = src[j]
                clipped &+= (v > upper || v < lower) ? 1 : 0
                let q = ((min(max(v * inverseStep, lo), hi) + magic) - magic) * step
                zeroed &+= (q == 0 && v != 0) ? 1 : 0
                dst[j] = q
            }
        }
        return (Int(clipped), Int(zeroed))
    }

    /// Ideal ADC: `dst[j] = src[j] + sigma · noise[j]`.
    @inline(never)
    static func addNoise(
        _ src: UnsafePointer<Float>, noise: UnsafePointer<Float>, sigma: Float, into dst: UnsafeMutablePointer<Float>, count: Int
    ) {
        for j in 0..<count { dst[j] = src[j] + sigma * noise[j] }
    }

    /// Digital accumulation of a tile's outputs: `dst[j] += src[j] · factor · columnFactor[j]`.
    @inline(never)
    static func accumulate(
        _ src: UnsafePointer<Float>, factor: Float, columnFactor: UnsafePointer<Float>, into dst: UnsafeMutablePointer<Float>,
        count: Int
    ) {
        for j in 0..<count { dst[j] += src[j] * factor * columnFactor[j] }
    }
}

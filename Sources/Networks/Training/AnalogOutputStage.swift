import Crossbar
import NumericKernels

/// The analogue output stage of hardware-aware training: additive Gaussian output noise and
/// ADC quantisation of every analogue MVM of a weighted layer, with a straight-through
/// estimator in backward (Rasch et al., "Hardware-aware training for large-scale and diverse
/// deep learning inference workloads using in-memory computing-based accelerators", Nat.
/// Commun. 14, 5282 (2023); aihwkit's `InferenceRPUConfig` `forward.out_noise`,
/// `forward.out_res` and `forward.out_bound`).
///
/// For one MVM y = W·x (x `[inputs]`: a dense layer's sample or token, a convolution's
/// patch; y without bias), with α = max_i |x_i| (aihwkit's abs-max noise management, aimc's
/// `hardware.input_scaling: abs_max`) and β = max|W| of the layer's weights (the largest
/// weight counts 1: aimc's `hardware.output_units: normalized`, aihwkit's
/// `weight_scaling_omega = 1`), the output in normalised units z = y/(α·β) becomes
///
///     z̃ = clamp(Δ·round((z + σ·ξ)/Δ), −b, b),   ξ ~ N(0, 1),   Δ = 2b/(2^bits − 2),
///     ỹ = α·β·z̃
///
/// (aihwkit `AnalogMVM._finalize_output`: noise `out_noise·randn`, then `UniformQuantize`
/// with res = 1/(2^bits − 2) over `out_bound` = b, then `clamp(−b, b)`). So σ is relative to
/// α·β, the largest |y| an output of this input vector can reach, and is the same σ as the
/// inference simulator's `hardware.output_noise` in normalised units; the ADC is
/// `Crossbar.Quantizer(bits, range: b)`, round half to even. With `bits` = 0 the ADC is
/// ideal (no quantisation, no clipping). An input vector of zeros gives 0 (as in aimc's tiles:
/// nothing is driven, the output scale is 0).
///
/// Differences from the inference simulator, by design: one scaling group per layer (the
/// simulator scales per tile), no DAC, no read noise (weight noise is `WeightNoise`).
///
/// Backward (straight-through estimator, aihwkit's `UniformQuantize.backward` and
/// `torch.clamp`): ∂ỹ/∂y = 1 where the rounded level lies within ±b, 0 where the ADC clipped;
/// α and β are constants. Without clipping the gradient is the noiseless gradient.
public struct AnalogOutputStage: Sendable, Equatable {
    /// σ ≥ 0 of the output noise in normalised units (relative to α·β); 0 is off.
    public var sigma: Float
    /// The ADC over ±b normalised units (`Quantizer.ideal`: none).
    public var adc: Quantizer

    public init(sigma: Float = 0, adc: Quantizer = .ideal) {
        precondition(sigma >= 0 && sigma.isFinite, "output noise σ = \(sigma) must be finite and ≥ 0")
        precondition(adc.signed, "the output ADC is signed")
        self.sigma = sigma
        self.adc = adc
    }

    /// The stage that does nothing.
    public static let off = AnalogOutputStage()

    /// Whether noise or an ADC is on.
    public var isEnabled: Bool { sigma > 0 || !adc.isIdeal }

    /// Applies the stage in place to `y` `[rows × outputs]` (the MVM outputs of the input
    /// vectors `x` `[rows × inputs]`, without bias) of a layer whose largest weight is
    /// `weightMax`; noise ξ from `rng` (rows · outputs standard normals, row-major, drawn
    /// whether or not a row is zero).
    /// - Returns: the straight-through mask `[rows × outputs]` (1 pass, 0 clipped), nil when
    ///   nothing clipped.
    public func apply(_ y: inout Matrix, inputs x: Matrix, weightMax: Float, rng: inout Xoshiro256) -> [Float]? {
        precondition(x.rows == y.rows, "output stage: \(x.rows) input vectors for \(y.rows) outputs")
        guard isEnabled, y.values.count > 0 else { return nil }
        let rows = y.rows, outs = y.columns, ins = x.columns
        var xi: [Float] = []
        if sigma > 0 {
            xi = [Float](repeating: 0, count: rows * outs)
            xi.withUnsafeMutableBufferPointer { rng.fillGaussian($0) }
        }
        var mask: [Float] = []
        let quantise = !adc.isIdeal
        let step = adc.step, top = adc.highestIndex
        x.values.withUnsafeBufferPointer { xp in
            y.values.withUnsafeMutableBufferPointer { yp in
                for r in 0..<rows {
                    var alpha: Float = 0
                    for i in 0..<ins { alpha = max(alpha, abs(xp[r * ins + i])) }
                    let scale = alpha * weightMax
                    let base = r * outs
                    if !(scale > 0) {
                        for j in 0..<outs { yp[base + j] = 0 }
                        continue
                    }
                    for j in 0..<outs {
                        var z = yp[base + j] / scale
                        if sigma > 0 { z += sigma * xi[base + j] }
                        if quantise {
                            let k = Quantizer.roundHalfEven(z / step)
                            if abs(k) > top {
                                if mask.isEmpty { mask = [Float](repeating: 1, count: rows * outs) }
                                mask[base + j] = 0
                            }
                            z = min(max(k, -top), top) * step
                        }
                        yp[base + j] = z * scale
                    }
                }
            }
        }
        return mask.isEmpty ? nil : mask
    }
}

import NumericKernels

/// The ADC circuit model of a tile's output converters (`adc.model`): each case is one
/// `OutputConverter` implementation. To add one, write the converter (one file), add a
/// case and its line in `converters`.
public enum ADCCircuit: String, CaseIterable, Sendable, Codable {
    /// The uniform quantiser of `Quantizer` on every channel (`UniformConverter`).
    case uniform
    /// Successive approximation with capacitor mismatch and comparator offsets (`SARConverter`).
    case sar
    /// Single-slope ramp with capacitor mismatch and comparator offsets (`RampConverter`).
    case ramp

    /// The converters of one tile of `channels` ADC channels, their random parameters drawn
    /// from `rng`; nil for `uniform` (the shared `UniformConverter` of the spec).
    func converters(_ q: Quantizer, _ p: ADCCircuitParameters, channels: Int, rng: inout Xoshiro256) -> (any OutputConverter)? {
        switch self {
        case .uniform: return nil
        case .sar: return SARConverter(q, p, channels: channels, rng: &rng)
        case .ramp: return RampConverter(q, p, channels: channels, rng: &rng)
        }
    }
}

/// Counts of converter events, accumulated over MVMs (PHYSICS.md §2: a badly ranged ADC
/// must show in the statistics, not only as lost accuracy).
public struct ConversionStats: Equatable, Sendable, Codable {
    /// DAC conversions performed (one per input element per tile, final pass).
    public var dacConversions: Int = 0
    /// DAC conversions whose input lay beyond the DAC range.
    public var dacClipped: Int = 0
    /// ADC conversions kept in the result (after bound management).
    public var adcConversions: Int = 0
    /// Kept ADC conversions whose input lay beyond the ADC range.
    public var adcClipped: Int = 0
    /// Kept ADC conversions of a non-zero value that gave the zero level.
    public var adcZeroed: Int = 0
    /// Samples × tiles that bound management had to re-run at least once.
    public var boundManagementRetries: Int = 0

    public init() {}

    /// Fraction of ADC conversions that clipped (0 when none were made).
    public var adcClippedFraction: Double { adcConversions == 0 ? 0 : Double(adcClipped) / Double(adcConversions) }
    /// Fraction of ADC conversions of a non-zero value that read 0.
    public var adcZeroedFraction: Double { adcConversions == 0 ? 0 : Double(adcZeroed) / Double(adcConversions) }
    /// Fraction of DAC conversions that clipped.
    public var dacClippedFraction: Double { dacConversions == 0 ? 0 : Double(dacClipped) / Double(dacConversions) }

    /// Adds another set of counts.
    public mutating func add(_ o: ConversionStats) {
        dacConversions += o.dacConversions
        dacClipped += o.dacClipped
        adcConversions += o.adcConversions
        adcClipped += o.adcClipped
        adcZeroed += o.adcZeroed
        boundManagementRetries += o.boundManagementRetries
    }
}

/// Drift compensation applied to tile outputs (PHYSICS.md §4).
public enum DriftCompensation: String, CaseIterable, Sendable, Codable {
    /// No compensation.
    case none
    /// Global compensation per tile from a read-out of one-hot calibration inputs through
    /// the noisy, quantised path: α = ref / now with ref taken right after programming.
    case global
    /// Global compensation per tile from a noise-free reference: α = mean|G⁺_P − G⁻_P| /
    /// mean|G⁺_D(t) − G⁻_D(t)| (programmed versus drifted conductances).
    case globalExact = "global_exact"
}

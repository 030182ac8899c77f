import EnergyCounts

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
    /// Whether MVMs that add into these stats also count the data-dependent energy
    /// quantities (active inputs and cells, conductance-weighted input sums). Switching it
    /// off skips that work in the hot path; converter counts are always kept. Not added
    /// by `add(_:)`.
    public var countsEnergy: Bool = true

    /// What the energy model prices (tile reads, conversions, driven cells, digital
    /// operations): filled by the tile read's observer (`TileRead.countReadEnergy`) and the
    /// network. Encoded flat, beside the converter events.
    public var operations = OperationCounts()

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
        operations.add(o.operations)
    }
}

extension ConversionStats {
    enum CodingKeys: String, CodingKey {
        case dacConversions, dacClipped, adcConversions, adcClipped, adcZeroed, boundManagementRetries, countsEnergy
    }

    /// Reads the converter events and, from the same level, the operation counts.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        dacConversions = try c.decode(Int.self, forKey: .dacConversions)
        dacClipped = try c.decode(Int.self, forKey: .dacClipped)
        adcConversions = try c.decode(Int.self, forKey: .adcConversions)
        adcClipped = try c.decode(Int.self, forKey: .adcClipped)
        adcZeroed = try c.decode(Int.self, forKey: .adcZeroed)
        boundManagementRetries = try c.decode(Int.self, forKey: .boundManagementRetries)
        countsEnergy = try c.decode(Bool.self, forKey: .countsEnergy)
        operations = try OperationCounts(from: decoder)
    }

    /// Writes the converter events and the operation counts as one flat object (the form
    /// `aimc mvm`, the C API and `aimc.Tile.counts()` have always given).
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(dacConversions, forKey: .dacConversions)
        try c.encode(dacClipped, forKey: .dacClipped)
        try c.encode(adcConversions, forKey: .adcConversions)
        try c.encode(adcClipped, forKey: .adcClipped)
        try c.encode(adcZeroed, forKey: .adcZeroed)
        try c.encode(boundManagementRetries, forKey: .boundManagementRetries)
        try c.encode(countsEnergy, forKey: .countsEnergy)
        try operations.encode(to: encoder)
    }
}

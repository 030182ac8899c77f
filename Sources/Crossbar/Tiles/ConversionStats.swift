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

    // Operation counts for the energy model (module Energy). Counting draws no random
    // numbers and changes no output; every read of a tile counts, re-reads included.
    /// Input vectors presented to the layer (once per vector, not per tile).
    public var inputVectors: Int = 0
    /// Tile reads: input vectors × tiles, plus bound-management re-reads.
    public var tileReads: Int = 0
    /// DAC conversions of every read (rows per tile read), re-reads included.
    public var dacConversionsAll: Int = 0
    /// ADC conversions of every read (columns per tile read), re-reads included.
    public var adcConversionsAll: Int = 0
    /// DAC conversions that gave a non-zero level (a zero input drives no cell current).
    public var activeInputs: Int = 0
    /// Devices on driven rows: Σ over reads of (non-zero inputs × columns × 2), both
    /// devices of each differential pair.
    public var activeCells: Int = 0
    /// Σ over reads and rows of x_q² · Σ_j (G⁺_ij + G⁻_ij) (S, x_q in DAC units): the cell
    /// read energy of amplitude-encoded inputs is (V_read / r_DAC)² · t_int · this.
    public var squaredInputConductance: Double = 0
    /// Σ |x_q| · Σ_j (G⁺_ij + G⁻_ij) (S): pulse-width-encoded inputs dissipate
    /// V_read² · t_int / r_DAC · this.
    public var absInputConductance: Double = 0
    /// Σ popcount(|k|) · Σ_j (G⁺_ij + G⁻_ij) (S), k the DAC level index: bit-serial inputs
    /// dissipate V_read² · t_int · this.
    public var bitInputConductance: Double = 0
    /// Digital bias additions (one per output element per layer).
    public var biasAdds: Int = 0
    /// Activation-function evaluations (ReLU, one per hidden output element).
    public var activations: Int = 0

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
        inputVectors += o.inputVectors
        tileReads += o.tileReads
        dacConversionsAll += o.dacConversionsAll
        adcConversionsAll += o.adcConversionsAll
        activeInputs += o.activeInputs
        activeCells += o.activeCells
        squaredInputConductance += o.squaredInputConductance
        absInputConductance += o.absInputConductance
        bitInputConductance += o.bitInputConductance
        biasAdds += o.biasAdds
        activations += o.activations
    }
}

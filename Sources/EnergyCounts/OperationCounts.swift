/// The operations of analogue inference that the energy model (module `Energy`,
/// `AnalogEnergyEstimate`) prices: tile reads, conversions, driven cells and the
/// conductance-weighted input sums of the cell read energy, digital bias additions and
/// activations. Counting draws no random numbers and changes no output.
///
/// The type belongs to the energy model; it sits in a module of its own only because the
/// tile read (module `Crossbar`, below `Energy`) is the observer that fills it
/// (`TileRead.countReadEnergy`), and the network (module `Networks`) adds the digital
/// operations. A count the energy model needs is added here, filled by the observer and
/// priced in `AnalogEnergyEstimate`.
public struct OperationCounts: Equatable, Sendable, Codable {
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

    /// Adds another set of counts.
    public mutating func add(_ o: OperationCounts) {
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

/// The energy and latency constants of an analogue in-memory-compute tile and its
/// periphery. Every value comes from a file in `Circuits/energy/` that cites its source
/// and technology node; units are SI (volts, seconds, joules, watts).
///
/// What is counted (`AnalogEnergyEstimate`), each piece once:
/// - **array**: the cell read energy V²·G·t of the driven devices (data-dependent, see
///   `InputEncoding`); the ADC and DAC figures below exclude the array current;
/// - **ADC**: `adc.energy(bits)` per conversion, every column of every tile read (× the
///   number of read cycles for bit-serial inputs); columns that share an ADC through a
///   multiplexer convert as often, so sharing changes latency, not energy;
/// - **DAC**: `dacEnergy` per row drive (per cycle for bit-serial inputs);
/// - **digital**: input scaling per input element, scale multiply and partial-sum add
///   per kept ADC output, shift-add per conversion (bit-serial), bias + activation per
///   layer output;
/// - **memory**: activation buffer traffic, each tile reading its inputs and each layer
///   writing its outputs once, `bytesPerActivation` bytes each.
public struct AnalogEnergyModel: Sendable, Equatable {
    /// Short name, e.g. "isaac-32nm".
    public var name: String = ""
    /// Citation of the values.
    public var source: String = ""
    /// Technology node (nm), for the record.
    public var technologyNodeNanometres: Double = 0
    /// Read voltage V_read (V): the full-scale word-line voltage.
    public var readVoltage: Double = 0
    /// Integration time t_int (s): the read pulse at full scale (per cycle for bit-serial).
    public var integrationTime: Double = 0
    /// How inputs are encoded on the word lines.
    public var inputEncoding: InputEncoding = .amplitude
    /// DAC / word-line driver energy per drive (J).
    public var dacEnergy: Double = 0
    /// ADC energy by resolution.
    public var adc: ADCEnergyModel = .walden(fom: 1e-15)
    /// Time of one ADC conversion (s).
    public var adcConversionTime: Double = 0
    /// Columns multiplexed onto one ADC (≥ 1).
    public var columnsPerADC: Int = 1
    /// Digital add of a partial sum into the layer output (J, per kept ADC output).
    public var addEnergy: Double = 0
    /// Digital multiply by the output scale (J, per kept ADC output).
    public var multiplyEnergy: Double = 0
    /// Shift-and-add of a bit-serial partial result (J, per conversion and cycle).
    public var shiftAddEnergy: Double = 0
    /// Bias addition and activation function (J, per layer output element).
    public var activationEnergy: Double = 0
    /// Abs-max input scaling (J, per input element per tile read; used when the
    /// hardware scales inputs).
    public var inputScalingEnergy: Double = 0
    /// Latency of a layer's digital periphery (s, per layer and input vector).
    public var digitalTimePerLayer: Double = 0
    /// Activation buffer (SRAM) energy per byte read or written (J/B).
    public var bufferEnergyPerByte: Double = 0
    /// Bytes per buffered activation.
    public var bytesPerActivation: Int = 1
    /// Tiles that can read at the same time; 0 means every tile of a layer at once.
    public var parallelTiles: Int = 0

    public init() {}

    /// Checks ranges that one key alone cannot.
    /// - Throws: `EnergyError` naming the parameter and allowed range.
    public func validate() throws {
        func positive(_ v: Double, _ n: String) throws {
            guard v > 0, v.isFinite else { throw EnergyError("energy.\(n) = \(v) must be > 0") }
        }
        func nonNegative(_ v: Double, _ n: String) throws {
            guard v >= 0, v.isFinite else { throw EnergyError("energy.\(n) = \(v) must be ≥ 0") }
        }
        try positive(readVoltage, "read_voltage")
        try positive(integrationTime, "integration_time")
        try nonNegative(dacEnergy, "dac.energy")
        try nonNegative(adcConversionTime, "adc.conversion_time")
        guard columnsPerADC >= 1 else { throw EnergyError("energy.adc.columns_per_adc = \(columnsPerADC) must be ≥ 1") }
        for (v, n) in [(addEnergy, "digital.add_energy"), (multiplyEnergy, "digital.multiply_energy"),
                       (shiftAddEnergy, "digital.shift_add_energy"), (activationEnergy, "digital.activation_energy"),
                       (inputScalingEnergy, "digital.input_scaling_energy"), (digitalTimePerLayer, "digital.time_per_layer"),
                       (bufferEnergyPerByte, "memory.buffer_energy_per_byte")] {
            try nonNegative(v, n)
        }
        guard bytesPerActivation >= 1 else { throw EnergyError("energy.memory.bytes_per_activation = \(bytesPerActivation) must be ≥ 1") }
        guard parallelTiles >= 0 else { throw EnergyError("energy.parallel_tiles = \(parallelTiles) must be ≥ 0") }
        try adc.validate()
    }
}

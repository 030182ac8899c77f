/// The energy, latency and area constants of an analogue in-memory-compute tile and its
/// periphery. Every value comes from a file in `Circuits/energy/` that cites its source
/// and technology node; units are SI (volts, seconds, joules, watts, square metres).
///
/// What is counted (`AnalogEnergyEstimate`), each piece once, every per-read term × the
/// read cycles (bit-serial) × `readPhases`:
/// - **array**: the energy the bit lines draw from their supply, V_supply·I_cell·t: with
///   V_supply = V_read this is the cell dissipation V²·G·t; a chip that clamps its bit lines
///   from V_DD pays V_DD·V_read·G·t (data-dependent, see `InputEncoding`);
/// - **ADC**: `adc.energy(bits)` per conversion, every column of every tile read; columns
///   that share an ADC through a multiplexer convert as often, so sharing changes latency,
///   not energy;
/// - **DAC**: `dacEnergy` per row drive (per cycle for bit-serial inputs);
/// - **front-end**: the column integrator / current-to-frequency stage, biased for the
///   integration window: `frontendPowerPerColumn` × t_int per column read;
/// - **static**: references, bias, clocks and control of a reading tile,
///   `staticPowerPerColumn` × tile columns × the tile's read time; and the leakage of every
///   tile of the network, reading or idle, `idlePowerPerColumn` × tile columns × latency;
/// - **digital**: input scaling per input element, scale multiply and partial-sum add
///   per kept ADC output (one add per extra phase), shift-add per conversion (bit-serial),
///   bias + activation per layer output;
/// - **digital matrices** (`DigitalMatrixEnergy`, apart from the tiles' parts): a matrix
///   placed digitally costs, per input vector of an `outputs × inputs` matrix,
///   inputs·outputs × (`digitalMACEnergy` + 4 B × `bufferEnergyPerByte`: every FP32
///   weight read from SRAM once per MAC, no reuse across vectors: the batch-1 GEMV case),
///   outputs × `activationEnergy` (bias), and (inputs + outputs) × `bytesPerActivation` ×
///   `bufferEnergyPerByte` (its activations read and written); no tiles, converters or
///   interconnect;
/// - **memory**: activation buffer traffic (each tile reading its inputs and each layer
///   writing its outputs once, `bytesPerActivation` bytes each) and the interconnect that
///   carries them between tiles (inputs to every tile, ⌈ADC bits/8⌉ bytes per partial sum
///   out), `interconnectEnergyPerByte`.
public struct AnalogEnergyModel: Sendable, Equatable {
    /// Short name, e.g. "isaac-32nm".
    public var name: String = ""
    /// Citation of the values.
    public var source: String = ""
    /// Technology node (nm): the feature size F of `area.unitCellF2`.
    public var technologyNodeNanometres: Double = 0
    /// Read voltage V_read (V): the full-scale word-line voltage.
    public var readVoltage: Double = 0
    /// Voltage (V) of the supply the bit-line current is drawn from (≥ V_read).
    public var supplyVoltage: Double = 0
    /// Integration time t_int (s): the read pulse at full scale (per cycle for bit-serial).
    /// Pulse-width encodings with `pulseClockPeriod` > 0 derive it instead.
    public var integrationTime: Double = 0
    /// Pulse-width encoding: one clock period (s) per DAC level, so t_int = 2^m·period with
    /// m the DAC's magnitude bits (HERMES: 8-bit signed inputs, 1 GHz → 128 ns). 0: not used.
    public var pulseClockPeriod: Double = 0
    /// How inputs are encoded on the word lines.
    public var inputEncoding: InputEncoding = .amplitude
    /// Reads (phases) per MVM (≥ 1): HERMES's high-precision mode reads four times.
    public var readPhases: Int = 1
    /// DAC / word-line driver energy per drive (J).
    public var dacEnergy: Double = 0
    /// ADC energy by resolution and architecture.
    public var adc: ADCEnergyModel = .walden(fom: 1e-15)
    /// Time of one ADC conversion (s) for `walden` and `table` ADCs (the architecture
    /// models derive it from the bits).
    public var adcConversionTime: Double = 0
    /// Columns multiplexed onto one ADC (≥ 1).
    public var columnsPerADC: Int = 1
    /// Column front-end (integrator, TIA or CCO bias) power per column during integration (W).
    public var frontendPowerPerColumn: Double = 0
    /// Static power of a reading tile per column (W): references, bias, clocks, control.
    public var staticPowerPerColumn: Double = 0
    /// Leakage of every tile, reading or not, per column (W).
    public var idlePowerPerColumn: Double = 0
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
    /// One FP32 multiply-accumulate of a matrix placed digitally (`Placement.digital`:
    /// weights in SRAM, FP32 arithmetic in the digital periphery), J: Horowitz (ISSCC 2014,
    /// 45 nm, 0.9 V) FP32 multiply 3.7 pJ + add 0.9 pJ = 4.6 pJ, scaled to the model's
    /// node by `NodeScaling`. 0: not set (a network with a digital matrix then has no
    /// energy estimate, and says so).
    public var digitalMACEnergy: Double = 0
    /// Bytes of one weight of a digital matrix, read from the buffer (SRAM) once per MAC.
    public static let digitalWeightBytes = 4
    /// Activation buffer (SRAM) energy per byte read or written (J/B).
    public var bufferEnergyPerByte: Double = 0
    /// Bytes per buffered activation.
    public var bytesPerActivation: Int = 1
    /// Interconnect (tile-to-tile network or bus) energy per byte carried (J/B).
    public var interconnectEnergyPerByte: Double = 0
    /// Tiles that can read at the same time; 0 means every tile of a layer at once.
    public var parallelTiles: Int = 0
    /// Area of a tile by part.
    public var area = TileArea()
    /// Spread of each part where the literature spreads (multipliers of the central value).
    public var bands = ComponentBands()

    public init() {}

    /// t_int (s) for a DAC: `pulseClockPeriod`·2^m (m magnitude bits: bits − 1 signed) for
    /// pulse-width inputs with a pulse clock, else `integrationTime`.
    public func integrationTime(dacBits: Int, dacSigned: Bool) -> Double {
        guard inputEncoding == .pulseWidth, pulseClockPeriod > 0, dacBits > 0 else { return integrationTime }
        let m = dacSigned ? dacBits - 1 : dacBits
        return pulseClockPeriod * Double(1 << max(m, 0))
    }

    /// Conversion time (s) of the ADC at `bits`: derived by the architecture models, else
    /// `adcConversionTime`.
    public func conversionTime(bits: Int) -> Double { adc.conversionTime(bits: bits) ?? adcConversionTime }

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
        try positive(supplyVoltage, "array.supply_voltage")
        guard supplyVoltage >= readVoltage else {
            throw EnergyError("energy.array.supply_voltage = \(supplyVoltage) V must be ≥ energy.read_voltage = \(readVoltage) V (the bit-line current is drawn from it)")
        }
        if inputEncoding == .pulseWidth && pulseClockPeriod > 0 {
            try positive(pulseClockPeriod, "dac.pulse_clock_period")
        } else {
            try positive(integrationTime, "integration_time")
        }
        guard readPhases >= 1 else { throw EnergyError("energy.read_phases = \(readPhases) must be ≥ 1") }
        try nonNegative(dacEnergy, "dac.energy")
        try nonNegative(adcConversionTime, "adc.conversion_time")
        guard columnsPerADC >= 1 else { throw EnergyError("energy.adc.columns_per_adc = \(columnsPerADC) must be ≥ 1") }
        for (v, n) in [(addEnergy, "digital.add_energy"), (multiplyEnergy, "digital.multiply_energy"),
                       (shiftAddEnergy, "digital.shift_add_energy"), (activationEnergy, "digital.activation_energy"),
                       (inputScalingEnergy, "digital.input_scaling_energy"), (digitalTimePerLayer, "digital.time_per_layer"),
                       (digitalMACEnergy, "digital.mac_energy"),
                       (bufferEnergyPerByte, "memory.buffer_energy_per_byte"),
                       (interconnectEnergyPerByte, "memory.interconnect_energy_per_byte"),
                       (frontendPowerPerColumn, "column.frontend_power"), (staticPowerPerColumn, "static.power_per_column"),
                       (idlePowerPerColumn, "static.idle_power_per_column")] {
            try nonNegative(v, n)
        }
        guard bytesPerActivation >= 1 else { throw EnergyError("energy.memory.bytes_per_activation = \(bytesPerActivation) must be ≥ 1") }
        guard parallelTiles >= 0 else { throw EnergyError("energy.parallel_tiles = \(parallelTiles) must be ≥ 0") }
        try adc.validate()
        try area.validate()
        try bands.validate()
    }
}

/// Area of one tile by part (m²): A = rows·columns·c·F² + columns·A_col + rows·A_row +
/// A_tile, F the technology node, c the unit cell (one weight with all its devices and
/// access transistors) in F².
public struct TileArea: Sendable, Equatable, Codable {
    /// Unit cell of one weight, in F² (F = the technology node).
    public var unitCellF2: Double = 0
    /// Per column: ADC, front-end, column mux (m²).
    public var perColumn: Double = 0
    /// Per row: DAC / word-line driver (m²).
    public var perRow: Double = 0
    /// Per tile: local digital unit, buffers, control (m²).
    public var perTile: Double = 0

    public init() {}

    /// Area (m²) of a `rows × columns` tile at `nodeNanometres`, by part.
    public func tile(rows: Int, columns: Int, nodeNanometres: Double) -> AreaBreakdown {
        let f = nodeNanometres * 1e-9
        return AreaBreakdown(
            array: Double(rows * columns) * unitCellF2 * f * f, columns: Double(columns) * perColumn, rows: Double(rows) * perRow,
            tile: perTile)
    }

    /// - Throws: `EnergyError` for a negative or non-finite value.
    public func validate() throws {
        for (v, n) in [(unitCellF2, "unit_cell_f2"), (perColumn, "per_column_um2"), (perRow, "per_row_um2"), (perTile, "per_tile_um2")] {
            guard v >= 0, v.isFinite else { throw EnergyError("energy.area.\(n) = \(v) must be ≥ 0") }
        }
    }
}

/// Area by part (m²).
public struct AreaBreakdown: Sendable, Equatable, Codable {
    /// Crossbar array: unit cells.
    public var array: Double
    /// Column periphery (ADCs, front-ends).
    public var columns: Double
    /// Row periphery (drivers).
    public var rows: Double
    /// Per-tile digital, buffers and control.
    public var tile: Double
    /// array + columns + rows + tile.
    public var total: Double { array + columns + rows + tile }

    func scaled(_ f: Double) -> AreaBreakdown { AreaBreakdown(array: array * f, columns: columns * f, rows: rows * f, tile: tile * f) }
}

/// A multiplicative spread [optimistic, pessimistic] of a central value (both > 0,
/// optimistic ≤ 1 ≤ pessimistic): the published range of a constant.
public struct EnergyBand: Sendable, Equatable, Codable {
    public var optimistic: Double
    public var pessimistic: Double
    public init(_ optimistic: Double = 1, _ pessimistic: Double = 1) {
        self.optimistic = optimistic
        self.pessimistic = pessimistic
    }
    /// No spread.
    public static let none = EnergyBand(1, 1)
}

/// The spread of each part of the analogue energy (`energy.band.*`).
public struct ComponentBands: Sendable, Equatable, Codable {
    public var adc = EnergyBand.none
    public var dac = EnergyBand.none
    public var array = EnergyBand.none
    public var frontend = EnergyBand.none
    public var `static` = EnergyBand.none
    public var digital = EnergyBand.none
    public var memory = EnergyBand.none

    public init() {}

    var named: [(String, EnergyBand)] {
        [("adc", adc), ("dac", dac), ("array", array), ("frontend", frontend), ("static", `static`), ("digital", digital), ("memory", memory)]
    }

    /// - Throws: `EnergyError` unless 0 < optimistic ≤ 1 ≤ pessimistic for every part.
    public func validate() throws {
        for (n, b) in named {
            guard b.optimistic > 0, b.optimistic <= 1, b.pessimistic >= 1, b.pessimistic.isFinite else {
                throw EnergyError("energy.band.\(n) = [\(b.optimistic), \(b.pessimistic)] must be [optimistic, pessimistic] with 0 < optimistic ≤ 1 ≤ pessimistic")
            }
        }
    }
}

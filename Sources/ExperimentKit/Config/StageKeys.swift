import Crossbar

/// Hardware keys of the fault, mapping, converter and device stages (relative to
/// `hardware.`); part of `HardwareKeys.all`. Every default leaves the stage off.
public enum StageKeys {
    static let rate = 0.0...1.0
    public static let all: [KeySpec] = [
        // Devices
        KeySpec(key: "device.conductance_levels", kind: .integerOrZero(2...65536), defaultValue: "0",
                doc: "Finite conductance states: targets round to the nearest of n equally spaced levels between g_min and g_max (monotonic in w); 0 is continuous."),
        KeySpec(key: "device.iv_nonlinearity", kind: .number(0...10), defaultValue: "0.0",
                doc: "Cell I–V nonlinearity k = V_read/V0 of the sinh law I = G·V0·sinh(V/V0) (Guan, Yu, Wong, IEEE EDL 33, 1405 (2012)); the array sees G·(R/k)·sinh(k·x/R) for DAC level x in ±R; 0 is ohmic; not with ir_drop. Circuits/devices/iv-sinh-guan2012.yaml."),
        // Faults and variability
        KeySpec(key: "faults.stuck_at_g_max", kind: .number(rate), defaultValue: "0.0",
                doc: "Fraction of devices stuck at g_max (drawn per device at programming; disjoint from stuck_at_g_min; no drift)."),
        KeySpec(key: "faults.stuck_at_g_min", kind: .number(rate), defaultValue: "0.0",
                doc: "Fraction of devices stuck at g_min; stuck_at_g_max + stuck_at_g_min ≤ 1."),
        KeySpec(key: "faults.g_max_spread", kind: .number(0...10), defaultValue: "0.0",
                doc: "Device-to-device spread of g_max: relative σ of a per-device factor γ = max(0, 1 + σ·N); a target g_T is programmed as g_min + (g_T − g_min)·γ."),
        KeySpec(key: "faults.dead_row_rate", kind: .number(rate), defaultValue: "0.0", doc: "Probability that a tile row (word line) is open: its devices read 0 S."),
        KeySpec(key: "faults.dead_column_rate", kind: .number(rate), defaultValue: "0.0", doc: "Probability that a tile column (ADC channel's bit line) is open: its devices read 0 S."),
        KeySpec(key: "faults.dead_rows", kind: .integerList(0...65535, count: 0...65536), defaultValue: "[]", doc: "Tile-local indices of dead rows, on every tile."),
        KeySpec(key: "faults.dead_columns", kind: .integerList(0...65535, count: 0...65536), defaultValue: "[]",
                doc: "Tile-local indices of dead ADC channels (column j of slice m is channel m·outputs + j), on every tile."),
        // Mapping and tiling
        KeySpec(key: "mapping.offset_reference", kind: .choice(OffsetReference.allCases.map(\.rawValue)), defaultValue: "column",
                doc: "offset scheme: remove the zero-weight offset with a reference column per tile and slice (analogue subtraction before the ADC) or digitally after the ADC."),
        KeySpec(key: "mapping.slices", kind: .integer(1...8), defaultValue: "1",
                doc: "Device pairs (or devices) per weight, each on its own ADC channel, combined by shift-and-add with significance (2^slice_bits)^m."),
        KeySpec(key: "mapping.slice_bits", kind: .integer(0...16), defaultValue: "0",
                doc: "Bits per slice: > 0 quantises |w| to slices × slice_bits bits and stores its base-2^b digits; 0 stores the full weight in every slice (equal significance, averaged)."),
        KeySpec(key: "tile.split", kind: .boolean, defaultValue: "true",
                doc: "Whether a layer larger than one tile is split over several tiles; false makes such a layer an error when it is built."),
        // Converters
        KeySpec(key: "adc.range_policy", kind: .choice(ADCRangePolicy.allCases.map(\.rawValue)), defaultValue: "fixed",
                doc: "ADC range: fixed (adc.range), calibrated (per tile: a percentile of |pre-ADC outputs| on a calibration batch) or calibrated_per_column (per ADC channel)."),
        KeySpec(key: "adc.calibration_percentile", kind: .number(1e-6...100), defaultValue: "99.99",
                doc: "Percentile of |pre-ADC outputs| over the calibration batch that a calibrated ADC range covers."),
        KeySpec(key: "adc.model", kind: .choice(ADCCircuit.allCases.map(\.rawValue)), defaultValue: "uniform",
                doc: "ADC circuit: uniform (the quantiser of adc.bits/range/signed on every channel), sar (successive approximation) or ramp (single slope), the last two with the capacitor mismatch and comparator offsets below, drawn per tile when the chip is made (Spear et al., IEEE JXCDC 2023; Circuits/converters/sar-adc.yaml, ramp-adc.yaml); 1…16 bits, fixed range policy."),
        KeySpec(key: "adc.capacitor_mismatch", kind: .number(0...10), defaultValue: "0.0",
                doc: "sar, ramp: σ of the unit capacitor of the binary-weighted capacitive DAC, relative to its capacitance (capacitor i: 2^i + σ·2^(i/2)·N)."),
        KeySpec(key: "adc.comparator_offset", kind: .number(0...1e6), defaultValue: "0.0",
                doc: "sar, ramp: σ of each comparator's input offset, in LSBs of the ADC."),
        KeySpec(key: "adc.channels_per_converter", kind: .integer(1...65536), defaultValue: "1",
                doc: "sar: adjacent ADC channels that share one converter (its CDAC and comparator)."),
        KeySpec(key: "dac.bit_serial", kind: .boolean, defaultValue: "false",
                doc: "Bit-serial inputs: each magnitude bit of the DAC level drives the array alone (1-bit DAC with sign), is digitised, and the results are shifted and added."),
        KeySpec(key: "array_precision", kind: .choice(ArrayPrecision.allCases.map(\.rawValue)), defaultValue: "auto",
                doc: "How the simulator computes the array's (G⁺ − G⁻)·x: int16 (the tile's matrix as 16-bit integers per column, in steps of 1/32767 of the column's largest |G⁺ − G⁻|, times the DAC's integer level indices with exact sums: twice the float speed on CPUs with AVX-512 VNNI; needs a quantising DAC of ≤ 16 bits, ohmic cells, parallel inputs and tile.rows × largest level ≤ 65538), float32 (float weights, one fused multiply-add chain per output), or auto (int16 where it applies, else float32)."),
        KeySpec(key: "output_noise_streams", kind: .choice(OutputNoiseStreams.allCases.map(\.rawValue)), defaultValue: "shared",
                doc: "Output noise: shared (one counter-based stream per tile and MVM, each value at its own position: a row's noise depends on its index in the call, and on the batch size only for bit-serial planes and bound-management re-reads) or per_row (a stream per row: its noise depends only on its index in the call)."),
    ]
}

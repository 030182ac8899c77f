import Crossbar

/// Reads the keys of `StageKeys` into a `HardwareSpec` (part of `HardwareBuilder.build`).
enum StageBuilder {
    static func apply(_ t: ResolvedTree, prefix p: String, to h: inout HardwareSpec) throws {
        // Faults and variability.
        var f = FaultSpec()
        f.stuckAtGMax = try t.double(p + "faults.stuck_at_g_max")
        f.stuckAtGMin = try t.double(p + "faults.stuck_at_g_min")
        f.gMaxSpread = try t.float(p + "faults.g_max_spread")
        f.deadRowRate = try t.double(p + "faults.dead_row_rate")
        f.deadColumnRate = try t.double(p + "faults.dead_column_rate")
        f.deadRows = try t.ints(p + "faults.dead_rows")
        f.deadColumns = try t.ints(p + "faults.dead_columns")
        f.conductanceLevels = try t.int(p + "device.conductance_levels")
        h.faults = f
        // Mapping and tiling.
        h.offsetReference = try t.choice(p + "mapping.offset_reference")
        h.slicing = SliceSpec(slices: try t.int(p + "mapping.slices"), bits: try t.int(p + "mapping.slice_bits"))
        h.splitLayers = try t.bool(p + "tile.split")
        // Converters.
        h.adcRangePolicy = try t.choice(p + "adc.range_policy")
        h.adcCalibrationPercentile = try t.float(p + "adc.calibration_percentile")
        h.ivNonlinearity = try t.float(p + "device.iv_nonlinearity")
        h.adcCircuit = try t.choice(p + "adc.model")
        h.adcCircuitParameters = ADCCircuitParameters(
            capacitorMismatch: try t.float(p + "adc.capacitor_mismatch"), comparatorOffset: try t.float(p + "adc.comparator_offset"),
            channelsPerConverter: try t.int(p + "adc.channels_per_converter"))
        h.dacBitSerial = try t.bool(p + "dac.bit_serial")
        h.outputNoiseStreams = try t.choice(p + "output_noise_streams")
        h.arrayPrecision = try t.choice(p + "array_precision")
    }
}

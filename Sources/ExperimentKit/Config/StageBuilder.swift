import Crossbar

/// Reads the keys of `StageKeys` into a `HardwareSpec` (part of `HardwareBuilder.build`).
enum StageBuilder {
    static func apply(_ t: ResolvedTree, prefix p: String, to h: inout HardwareSpec) throws {
        let coefficients = try t.floats(p + "device.programming_noise.coefficients_uS")
        // RRAM (NeuRRAM fits); gMax and gMin come from device.g_max / g_min.
        var r = RRAMDevice(gMax: h.pcm.gMax, gMin: h.pcm.gMin)
        r.programmingNoiseCoefficients = coefficients
        r.programmingNoiseReferenceGMax = try t.float(p + "device.programming_noise.reference_g_max")
        r.programmingNoiseScale = try t.float(p + "device.programming_noise.scale")
        r.t0 = try t.double(p + "device.drift.t0")
        r.relaxationTimes = try t.doubles(p + "device.relaxation.times")
        r.relaxationCoefficients = try t.floats(p + "device.relaxation.coefficients_uS")
        r.relaxationScale = try t.float(p + "device.relaxation.scale")
        h.rram = r
        // HERMES PCM.
        var m = HermesPCMDevice(gMax: h.pcm.gMax, gMin: h.pcm.gMin)
        m.programmingNoiseCoefficients = coefficients
        m.programmingNoiseReferenceGMax = try t.float(p + "device.programming_noise.reference_g_max")
        m.programmingNoiseScale = try t.float(p + "device.programming_noise.scale")
        m.t0 = try t.double(p + "device.drift.t0")
        m.driftScale = try t.float(p + "device.drift.scale")
        m.tRead = try t.double(p + "device.read_noise.t_read")
        m.readNoiseScale = try t.float(p + "device.read_noise.scale")
        m.driftMean = BranchFit(logBranch: try t.floats(p + "device.hermes.drift_mean_branch"), polynomial: try t.floats(p + "device.hermes.drift_mean_polynomial"))
        m.driftStd = BranchFit(logBranch: try t.floats(p + "device.hermes.drift_std_branch"), polynomial: try t.floats(p + "device.hermes.drift_std_polynomial"))
        m.readNoise = BranchFit(logBranch: try t.floats(p + "device.hermes.read_noise_branch"), polynomial: try t.floats(p + "device.hermes.read_noise_polynomial"))
        h.hermes = m
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
    }
}

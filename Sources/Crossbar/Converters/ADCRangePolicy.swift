import NumericKernels

/// How the ADC full-scale range is chosen (PHYSICS.md §2).
public enum ADCRangePolicy: String, CaseIterable, Sendable, Codable {
    /// `adc.range` for every channel.
    case fixed
    /// One range per tile: the `adc.calibration_percentile` of |pre-ADC outputs| of all the
    /// tile's channels over a calibration batch.
    case calibrated
    /// One range per ADC channel (column): the percentile of that channel's |pre-ADC outputs|.
    case calibratedPerColumn = "calibrated_per_column"
}

/// How output noise is drawn for the rows of a batch.
public enum OutputNoiseStreams: String, CaseIterable, Sendable, Codable {
    /// One counter-based stream (`GaussianStream`) per tile and MVM, its key one draw of
    /// the caller's generator; the noise of sample b at read attempt a and bit plane p is the
    /// stretch at ((a·planes + p)·batch + b)·channels, so a row's noise depends on its index,
    /// on the batch size only for later planes and re-reads (a, p > 0), and never on the other
    /// rows' values.
    case shared
    /// Each row its own stream, keyed by the tile's key and [b, read attempt, bit plane]:
    /// a row's output depends only on its index in the call, never on the batch size or on
    /// the other rows.
    case perRow = "per_row"
}

/// Pre-ADC values collected during a calibration read, per ADC channel.
final class PreADCCapture {
    var values: [[Float]]
    init(channels: Int) { values = Array(repeating: [], count: channels) }
}

extension HardwareSpec {
    /// Checks the options of the faults, mapping, converter and device stages.
    /// - Throws: `CrossbarError` naming the key, value and allowed range.
    func validateStages() throws {
        try faults.validate()
        guard (1...8).contains(slicing.slices) else { throw CrossbarError("mapping.slices = \(slicing.slices) must be in 1…8") }
        guard (0...16).contains(slicing.bits), slicing.slices * slicing.bits <= 24 else {
            throw CrossbarError("mapping.slice_bits = \(slicing.bits) must be in 0…16 with slices × slice_bits ≤ 24 (slices = \(slicing.slices))")
        }
        if mapping == .offset && offsetReference == .column && weightScaling == .column {
            throw CrossbarError(
                "mapping.scheme = offset with mapping.offset_reference = column needs one zero level per tile, but mapping.weight_scaling = column gives each column its own: use weight_scaling tile or layer, or offset_reference digital")
        }
        guard adcCalibrationPercentile > 0, adcCalibrationPercentile <= 100 else {
            throw CrossbarError("adc.calibration_percentile = \(adcCalibrationPercentile) must be in (0, 100]")
        }
        if adcRangePolicy != .fixed && adc.isIdeal {
            throw CrossbarError("adc.range_policy = \(adcRangePolicy.rawValue) needs a quantising ADC, but adc.bits = 0 (ideal)")
        }
        if adcCircuit != .uniform {
            guard !adc.isIdeal else { throw CrossbarError("adc.model = \(adcCircuit.rawValue) needs a quantising ADC, but adc.bits = 0 (ideal)") }
            guard adcRangePolicy == .fixed else {
                throw CrossbarError("adc.model = \(adcCircuit.rawValue) has reference levels fixed by its capacitive DAC: use adc.range_policy = fixed (calibrated ranges apply to the uniform model)")
            }
            try adcCircuitParameters.validate(bits: adc.bits)
        }
        guard ivNonlinearity >= 0, ivNonlinearity <= 10, ivNonlinearity.isFinite else {
            throw CrossbarError("device.iv_nonlinearity = \(ivNonlinearity) must be in [0, 10] (k = V_read/V0)")
        }
        if ivNonlinearity > 0 && irDrop.mode != .none {
            throw CrossbarError("device.iv_nonlinearity > 0 with ir_drop.mode = \(irDrop.mode.rawValue): the IR-drop solver models ohmic cells; use one of the two")
        }
        if dacBitSerial && dac.isIdeal {
            throw CrossbarError("dac.bit_serial = true needs a quantising DAC whose levels are split into bits, but dac.bits = 0 (ideal)")
        }
        try validateArrayPrecision()
    }

    /// Number of input bit planes a read takes: the DAC's magnitude bits when bit-serial,
    /// else 1.
    var inputPlanes: Int {
        guard dacBitSerial, !dac.isIdeal else { return 1 }
        return dac.signed ? dac.bits - 1 : dac.bits
    }
}

extension AnalogReadout {
    /// Whether every tile has the ADC ranges its policy needs.
    public var isADCCalibrated: Bool {
        spec.adcRangePolicy == .fixed || tiles.allSatisfy { !$0.adcChannels.isEmpty }
    }

    /// This readout with ADC ranges calibrated on `x` `[batch × inputs]` (layer inputs):
    /// each tile runs the batch through its input scaling, DAC and array with an ideal ADC
    /// and output noise from `rng`, and sets the range of each channel (policy
    /// `calibrated_per_column`) or of all its channels (`calibrated`) to the
    /// `adc.calibration_percentile` of |pre-ADC output| (nearest rank). A channel whose
    /// calibration outputs are all 0 takes its tile's range.
    /// - Throws: `CrossbarError` for a fixed policy, an empty or non-finite batch, or a
    ///   tile whose calibration outputs are all 0 (no range can be derived).
    public func calibratingADC(_ x: Matrix, rng: inout Xoshiro256) throws -> AnalogReadout {
        guard spec.adcRangePolicy != .fixed else { throw CrossbarError("adc.range_policy = fixed: there is nothing to calibrate") }
        guard x.columns == inputs else {
            throw CrossbarError("ADC calibration batch has shape \(x.shape) but the weights are [\(outputs) × \(inputs)]")
        }
        guard x.rows > 0 else { throw CrossbarError("the ADC calibration batch is empty") }
        if let bad = x.values.withUnsafeBufferPointer({ FiniteCheck.firstNonFinite($0) }) {
            throw CrossbarError("ADC calibration input [\(bad / max(inputs, 1)), \(bad % max(inputs, 1))] is \(x.values[bad]); inputs must be finite")
        }
        var result = self
        let ideal = Quantizer.ideal
        let p = Double(spec.adcCalibrationPercentile) / 100
        func percentile(_ v: [Float]) -> Float {
            if v.isEmpty { return 0 }
            let s = v.map { abs($0) }.sorted()
            let rank = max(Int((p * Double(s.count)).rounded(.up)) - 1, 0)
            return s[min(rank, s.count - 1)]
        }
        var out = [Float](repeating: 0, count: x.rows * outputs)
        for k in tiles.indices {
            let channels = tiles[k].mapping.channels
            result.tiles[k].adcChannels = Array(repeating: ideal, count: channels)
            let capture = PreADCCapture(channels: channels)
            var stats = ConversionStats()
            x.values.withUnsafeBufferPointer { xp in
                out.withUnsafeMutableBufferPointer { op in
                    // The batch was checked finite above.
                    _ = result.forwardTile(
                        k, x: xp.baseAddress!, ldx: inputs, batch: x.rows, out: op.baseAddress!, ldo: outputs,
                        alpha: 1, rng: &rng, stats: &stats, capture: capture)
                }
            }
            let tileRange = percentile(capture.values.flatMap { $0 })
            guard tileRange > 0, tileRange.isFinite else {
                throw CrossbarError(
                    "ADC calibration: every pre-ADC output of tile \(k) (outputs \(tiles[k].mapping.columnRange), inputs \(tiles[k].mapping.rowRange)) is 0 on the calibration batch; no range can be derived")
            }
            result.tiles[k].adcChannels = try (0..<channels).map { ch in
                var r = tileRange
                if spec.adcRangePolicy == .calibratedPerColumn {
                    let c = percentile(capture.values[ch])
                    if c > 0 && c.isFinite { r = c }
                }
                return try Quantizer(bits: spec.adc.bits, range: r, signed: spec.adc.signed)
            }
        }
        return result
    }
}

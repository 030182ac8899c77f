import NumericKernels

/// How the array stage of a tile read computes (G⁺ − G⁻)·x (`HardwareSpec.arrayPrecision`,
/// config key `array_precision`).
public enum ArrayPrecision: String, CaseIterable, Sendable, Codable {
    /// int16 wherever it applies, float32 elsewhere.
    case auto
    /// The tile's matrix as 16-bit integers per channel (`FixedPointTileMatrix`: steps of
    /// 1/32767 of the channel's largest |G⁺ − G⁻|, each weight within half a step) times the DAC's integer level indices, the
    /// sums exact: twice the float product's speed on CPUs with AVX-512 VNNI. Applies to
    /// quantising DACs of at most 16 bits with ohmic cells and parallel (not bit-serial)
    /// inputs, on tiles whose rows × largest level index stay ≤ 65538 (512 rows of a 7- or
    /// 8-bit signed DAC).
    case int16
    /// The tile's matrix in float, each output one fused multiply-add chain over the rows
    /// (`PackedTileMatrix`).
    case float32
}

extension HardwareSpec {
    /// The largest DAC level index |k| when the array stage of a tile of `rows` inputs runs in
    /// integers (`ArrayPrecision.int16`), nil when it runs in float.
    public func integerArrayLevels(rows: Int) -> Int? {
        guard arrayPrecision != .float32 else { return nil }
        return integerArrayApplies(rows: rows)
    }

    /// The largest |k| if the integer array stage can serve tiles of `rows` inputs, else nil.
    func integerArrayApplies(rows: Int) -> Int? {
        guard !dacBitSerial, ivNonlinearity == 0, let bound = UniformConverter(dac).levelIndexBound, bound > 0,
              rows * bound <= FixedPointTileMatrix.maxLevelRows else { return nil }
        return bound
    }

    /// - Throws: `CrossbarError` naming what stands in the way when `array_precision = int16`
    ///   cannot apply.
    func validateArrayPrecision() throws {
        guard arrayPrecision == .int16, integerArrayApplies(rows: tileRows) == nil else { return }
        var reasons: [String] = []
        if dac.isIdeal {
            reasons.append("dac.bits = 0 (ideal): the inputs are not integer levels")
        } else if UniformConverter(dac).levelIndexBound == nil {
            reasons.append("dac.bits = \(dac.bits): level indices up to \(Int(dac.highestIndex)) do not fit 16 bits")
        } else if tileRows * Int(dac.highestIndex) > FixedPointTileMatrix.maxLevelRows {
            reasons.append(
                "tile.rows × largest level index = \(tileRows) × \(Int(dac.highestIndex)) = \(tileRows * Int(dac.highestIndex)) > \(FixedPointTileMatrix.maxLevelRows): the integer sums could overflow 32 bits")
        }
        if ivNonlinearity > 0 { reasons.append("device.iv_nonlinearity = \(ivNonlinearity) > 0: the cells' drive is not linear in the level") }
        if dacBitSerial { reasons.append("dac.bit_serial = true: bit planes are read in float") }
        throw CrossbarError("array_precision = int16 cannot apply: \(reasons.joined(separator: "; ")); use auto (int16 where it applies) or float32")
    }
}

import NumericKernels

/// How the array stage of a tile read computes (G⁺ − G⁻)·x (`HardwareSpec.arrayPrecision`,
/// config key `array_precision`).
public enum ArrayPrecision: String, CaseIterable, Sendable, Codable {
    /// int16 wherever it applies, float32 elsewhere.
    case auto
    /// The tile's matrix as 16-bit integers per channel (`FixedPointTileMatrix`: resolution
    /// 1/65534 of the channel's largest |G⁺ − G⁻|) times the DAC's integer level indices, the
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

    /// - Throws: `CrossbarError` when `array_precision = int16` cannot apply.
    func validateArrayPrecision() throws {
        guard arrayPrecision == .int16, integerArrayApplies(rows: tileRows) == nil else { return }
        throw CrossbarError(
            "array_precision = int16 needs integer DAC levels and sums that fit 32 bits: a quantising DAC of 1…16 bits (dac.bits = \(dac.bits)), ohmic cells (device.iv_nonlinearity = \(ivNonlinearity)), dac.bit_serial = false (\(dacBitSerial)) and tile.rows × largest level index ≤ \(FixedPointTileMatrix.maxLevelRows) (\(tileRows) × \(dac.isIdeal ? 0 : Int(dac.highestIndex))); use auto or float32")
    }
}

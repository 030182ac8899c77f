import EnergyCounts
import NumericKernels

extension AnalogReadout {
    /// Throws for a failed readout stage, a wrong input width, a non-finite input or an
    /// uncalibrated ADC range policy (the checks of every MVM).
    /// - Parameter scanValues: false when the tile reads themselves detect non-finite inputs
    ///   (`tileReadsScanInputs`); the caller then calls again with `true` if one did.
    func checkInput(_ x: Matrix, scanValues: Bool = true) throws {
        if let stageError { throw stageError }
        guard x.columns == inputs else {
            throw CrossbarError("MVM input has shape \(x.shape) but the weights are [\(outputs) × \(inputs)]: inputs must have \(inputs) columns")
        }
        if scanValues, let bad = x.values.withUnsafeBufferPointer({ FiniteCheck.firstNonFinite($0) }) {
            throw CrossbarError("MVM input [\(bad / max(inputs, 1)), \(bad % max(inputs, 1))] is \(x.values[bad]); inputs must be finite")
        }
        guard isADCCalibrated else {
            throw CrossbarError(
                "adc.range_policy = \(spec.adcRangePolicy.rawValue) needs a calibration batch, but this readout was not calibrated (AnalogReadout.calibratingADC; `aimc mvm --calibration`); refusing to fall back to the fixed range")
        }
    }

    /// Whether the tile reads scan the inputs themselves: abs-max input scaling finds NaN
    /// and ±Inf in the same pass (`TileRead.inputScale`), so the separate scan is skipped
    /// (the tiles' row ranges cover every input).
    func tileReadsScanInputs(_ compensation: DriftCompensation) -> Bool { spec.inputScaling == .absMax }

    /// The same MVM as `forward` under several drift-compensation methods at once: the
    /// tiles are read once (one DAC pass, one array product, one output-noise draw, one ADC pass
    /// per tile, as `forward` with this `rng` would), and each method's factors scale the
    /// digitised tile outputs. Result `i` equals `forward(x, compensation: methods[i])`
    /// with the same starting `rng`, up to the rounding order of the factor (exactly for
    /// `.none`).
    ///
    /// - Returns: one `[batch × outputs]` matrix per method, in order.
    /// - Throws: as `forward`.
    public func forward(
        _ x: Matrix, compensations methods: [DriftCompensation], rng: inout Xoshiro256, stats: inout ConversionStats
    ) throws -> [Matrix] {
        let deferredScan = tileReadsScanInputs(.none)
        try checkInput(x, scanValues: !deferredScan)
        // A non-finite input found by the tile reads throws as the scan would have, with the
        // statistics and the generator as they were.
        let statsBefore = stats, rngBefore = rng
        var sawNonFinite = false
        stats.operations.inputVectors += x.rows
        var outs = methods.map { _ in Matrix(rows: x.rows, columns: outputs) }
        if x.rows == 0 || outputs == 0 || methods.isEmpty { return outs }
        let batch = x.rows
        let keys = tiles.indices.map { _ in noiseKey(&rng) }
        let factors = tiles.indices.map { k in methods.map { tiles[k].compensation.columnFactors($0, columns: tiles[k].mapping.columns) } }
        for k in tiles.indices {
            let t = tiles[k].mapping
            let cols = t.columns
            var partial = [Float](repeating: 0, count: batch * cols)
            x.values.withUnsafeBufferPointer { xp in
                partial.withUnsafeMutableBufferPointer { pp in
                    if forwardTile(
                        k, x: xp.baseAddress!, ldx: inputs, inputOffset: t.rowRange.lowerBound, batch: batch,
                        out: pp.baseAddress!, ldo: cols, outputOffset: 0, alpha: 1, noise: (keys[k], 0, batch), stats: &stats)
                    {
                        sawNonFinite = true
                    }
                }
            }
            if sawNonFinite { break }
            let c0 = t.columnRange.lowerBound
            for (mi, method) in methods.enumerated() {
                let exact = method == .none
                outs[mi].values.withUnsafeMutableBufferPointer { op in
                    partial.withUnsafeBufferPointer { pp in
                        factors[k][mi].withUnsafeBufferPointer { fp in
                            for b in 0..<batch {
                                let dst = op.baseAddress! + b * outputs + c0
                                let src = pp.baseAddress! + b * cols
                                if exact {
                                    for j in 0..<cols { dst[j] += src[j] }
                                } else {
                                    for j in 0..<cols { dst[j] += src[j] * fp[j] }
                                }
                            }
                        }
                    }
                }
            }
        }
        if sawNonFinite {
            stats = statsBefore
            rng = rngBefore
            try checkInput(x)
        }
        return outs
    }
}

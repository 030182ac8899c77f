import NumericKernels

/// A layer's tiles at one evaluation time: runs analogue MVMs.
///
/// Per input vector and tile (PHYSICS.md §2): scale by abs-max → DAC → (G⁺ − G⁻)·x
/// (one `cblas_sgemm` per tile and batch) → + output noise → ADC → bound management →
/// rescale → × drift-compensation factor; tiles sharing outputs are summed digitally.
public struct AnalogReadout: Sendable {
    public let spec: HardwareSpec
    public let outputs: Int
    public let inputs: Int
    public internal(set) var tiles: [TileReadState]
    /// Time since programming (s) this state was derived for.
    public let tInference: Double

    /// The effective weights `[outputs × inputs]` (layer units) this state represents,
    /// before converters: for inspection and tests.
    public var effectiveWeights: Matrix {
        var w = Matrix(rows: outputs, columns: inputs)
        for t in tiles {
            let rows = t.mapping.rows
            for j in 0..<t.mapping.columns {
                let d = t.mapping.digitalFactor[j]
                for i in 0..<rows {
                    w[t.mapping.columnRange.lowerBound + j, t.mapping.rowRange.lowerBound + i] = t.matrix[j * rows + i] * d
                }
            }
        }
        return w
    }

    /// Analogue MVM of a batch: `x` `[batch × inputs]` → `[batch × outputs]` (layer units).
    ///
    /// - Parameters:
    ///   - compensation: drift compensation applied per tile.
    ///   - rng: source of output noise; consumed tile by tile in a fixed order.
    ///   - stats: converter counts are added to it.
    /// - Throws: `CrossbarError` when `x` holds NaN or ±Inf (reported with its position),
    ///   or when its width is not `inputs`.
    public func forward(
        _ x: Matrix, compensation: DriftCompensation = .none, rng: inout Xoshiro256,
        stats: inout ConversionStats
    ) throws -> Matrix {
        guard x.columns == inputs else {
            throw CrossbarError("MVM input has shape \(x.shape) but the weights are [\(outputs) × \(inputs)]: inputs must have \(inputs) columns")
        }
        if let bad = x.values.firstIndex(where: { !$0.isFinite }) {
            throw CrossbarError("MVM input [\(bad / max(inputs, 1)), \(bad % max(inputs, 1))] is \(x.values[bad]); inputs must be finite")
        }
        stats.inputVectors += x.rows
        var out = Matrix(rows: x.rows, columns: outputs)
        if x.rows == 0 || outputs == 0 { return out }
        x.values.withUnsafeBufferPointer { xp in
            out.values.withUnsafeMutableBufferPointer { op in
                for k in tiles.indices {
                    let alpha: Float
                    switch compensation {
                    case .none: alpha = 1
                    case .global: alpha = tiles[k].alphaReadout
                    case .globalExact: alpha = tiles[k].alphaExact
                    }
                    forwardTile(
                        k, x: xp.baseAddress!, ldx: inputs, batch: x.rows, out: op.baseAddress!, ldo: outputs,
                        alpha: alpha, rng: &rng, stats: &stats)
                }
            }
        }
        return out
    }

    /// Mean |output| (layer units, no compensation) of tile `k` read with one-hot inputs
    /// for each of its rows through the full converter path.
    func calibrationRead(tile k: Int, rng: inout Xoshiro256) -> Float {
        let t = tiles[k].mapping
        let rows = t.rows, cols = t.columns
        if rows == 0 || cols == 0 { return 0 }
        var eye = [Float](repeating: 0, count: rows * rows)
        for i in 0..<rows { eye[i * rows + i] = 1 }
        var y = [Float](repeating: 0, count: rows * cols)
        var stats = ConversionStats()
        eye.withUnsafeBufferPointer { e in
            y.withUnsafeMutableBufferPointer { yp in
                forwardTile(
                    k, x: e.baseAddress!, ldx: rows, inputOffset: 0, batch: rows, out: yp.baseAddress!, ldo: cols,
                    outputOffset: 0, alpha: 1, rng: &rng, stats: &stats)
            }
        }
        var s: Double = 0
        for v in y { s += Double(abs(v)) }
        return Float(s / Double(y.count))
    }

    /// Runs tile `k` on a batch and adds its outputs into `out`.
    func forwardTile(
        _ k: Int, x: UnsafePointer<Float>, ldx: Int, batch: Int, out: UnsafeMutablePointer<Float>, ldo: Int,
        alpha: Float, rng: inout Xoshiro256, stats: inout ConversionStats
    ) {
        let t = tiles[k].mapping
        forwardTile(
            k, x: x, ldx: ldx, inputOffset: t.rowRange.lowerBound, batch: batch, out: out, ldo: ldo,
            outputOffset: t.columnRange.lowerBound, alpha: alpha, rng: &rng, stats: &stats)
    }

    func forwardTile(
        _ k: Int, x: UnsafePointer<Float>, ldx: Int, inputOffset: Int, batch: Int,
        out: UnsafeMutablePointer<Float>, ldo: Int, outputOffset: Int,
        alpha: Float, rng: inout Xoshiro256, stats: inout ConversionStats
    ) {
        let state = tiles[k]
        let rows = state.mapping.rows, cols = state.mapping.columns
        let dac = spec.dac, adc = spec.adc
        let sigma = spec.outputNoise
        let useBM = spec.boundManagement && !adc.isIdeal
        var inputScale = [Float](repeating: 1, count: batch)
        var bmFactor = [Float](repeating: 1, count: batch)
        var xq = [Float](repeating: 0, count: batch * rows)
        var y = [Float](repeating: 0, count: batch * cols)
        var noise = [Float](repeating: 0, count: sigma > 0 ? batch * cols : 0)
        var saturated = [Bool](repeating: false, count: batch)
        var clipCount = [Int](repeating: 0, count: batch)
        var zeroCount = [Int](repeating: 0, count: batch)
        var local = ConversionStats()
        let rowG = state.rowConductance
        let countConductance = rowG.count == rows
        let inverseStep: Float = dac.isIdeal ? 0 : 1 / dac.step

        // Input scaling (abs-max per vector over this tile's inputs).
        for b in 0..<batch {
            let row = x + b * ldx + inputOffset
            if spec.inputScaling == .absMax {
                var m: Float = 0
                for i in 0..<rows { m = max(m, abs(row[i])) }
                inputScale[b] = m
            }
        }

        // Encodes, multiplies, adds noise and digitises the samples listed in `which`
        // (all samples when nil), writing rows of `y` in place.
        func pass(_ which: [Int]?) {
            let n = which?.count ?? batch
            if n == 0 { return }
            // Encode: scale → DAC, into compact rows 0..<n of xq.
            xq.withUnsafeMutableBufferPointer { q in
                for s in 0..<n {
                    let b = which?[s] ?? s
                    let row = x + b * ldx + inputOffset
                    let m = inputScale[b]
                    let dst = q.baseAddress! + s * rows
                    if m == 0 {
                        for i in 0..<rows { dst[i] = 0 }
                        continue
                    }
                    let inv = 1 / (m * bmFactor[b])
                    if dac.isIdeal {
                        for i in 0..<rows { dst[i] = row[i] * inv }
                    } else {
                        for i in 0..<rows {
                            let v = row[i] * inv
                            if dac.clips(v) { local.dacClipped += 1 }
                            dst[i] = dac.quantize(v)
                        }
                    }
                    // Energy counts of this read: driven rows and Σ x_q^p · ΣG (no random
                    // draws; the outputs do not depend on them).
                    var active = 0
                    var squared: Double = 0, absolute: Double = 0, bitwise: Double = 0
                    for i in 0..<rows where dst[i] != 0 {
                        active += 1
                        if countConductance {
                            let v = Double(abs(dst[i])), g = Double(rowG[i])
                            squared += v * v * g
                            absolute += v * g
                            if inverseStep > 0 { bitwise += Double(Int((abs(dst[i]) * inverseStep).rounded()).nonzeroBitCount) * g }
                        }
                    }
                    local.activeInputs += active
                    local.activeCells += active * cols * 2
                    local.squaredInputConductance += squared
                    local.absInputConductance += absolute
                    local.bitInputConductance += bitwise
                }
            }
            local.tileReads += n
            local.dacConversionsAll += n * rows
            local.adcConversionsAll += n * cols
            // Analogue MVM: y[0..<n] = xq[0..<n] · Mᵀ.
            var yc = [Float](repeating: 0, count: n * cols)
            xq.withUnsafeBufferPointer { q in
                state.matrix.withUnsafeBufferPointer { mp in
                    yc.withUnsafeMutableBufferPointer { yp in
                        BLAS.sgemm(
                            transA: false, transB: true, m: n, n: cols, k: rows, alpha: 1,
                            a: q.baseAddress!, lda: rows, b: mp.baseAddress!, ldb: rows,
                            beta: 0, c: yp.baseAddress!, ldc: cols)
                    }
                }
            }
            if sigma > 0 {
                noise.withUnsafeMutableBufferPointer { z in
                    let part = UnsafeMutableBufferPointer(rebasing: z[0..<(n * cols)])
                    rng.fillGaussian(part)
                    for i in 0..<(n * cols) { yc[i] += sigma * part[i] }
                }
            }
            // ADC, saturation check, copy to y.
            for s in 0..<n {
                let b = which?[s] ?? s
                var clipped = 0, zeroed = 0
                for j in 0..<cols {
                    let v = yc[s * cols + j]
                    var q = v
                    if !adc.isIdeal {
                        if adc.clips(v) { clipped += 1 }
                        q = adc.quantize(v)
                        if q == 0 && v != 0 { zeroed += 1 }
                    }
                    y[b * cols + j] = q
                }
                saturated[b] = clipped > 0
                clipCount[b] = clipped
                zeroCount[b] = zeroed
            }
        }

        pass(nil)
        if useBM {
            var retried = [Bool](repeating: false, count: batch)
            while true {
                var redo: [Int] = []
                for b in 0..<batch where saturated[b] && inputScale[b] > 0 && bmFactor[b] * 2 <= spec.boundManagementMaxFactor {
                    bmFactor[b] *= 2
                    redo.append(b)
                    retried[b] = true
                }
                if redo.isEmpty { break }
                pass(redo)
            }
            local.boundManagementRetries += retried.reduce(0) { $0 + ($1 ? 1 : 0) }
        }

        // Statistics of the kept conversions, rescale, accumulate.
        local.dacConversions += batch * rows
        local.adcConversions += batch * cols
        for b in 0..<batch {
            let m = inputScale[b]
            let dst = out + b * ldo + outputOffset
            local.adcClipped += clipCount[b]
            local.adcZeroed += zeroCount[b]
            if m == 0 { continue }
            let f = m * bmFactor[b] * alpha
            for j in 0..<cols {
                dst[j] += y[b * cols + j] * f * state.mapping.digitalFactor[j]
            }
        }
        stats.add(local)
    }
}

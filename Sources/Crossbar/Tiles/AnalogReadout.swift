import NumericKernels
import SIMDKernels

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
    /// A readout stage that failed (the IR-drop solver); `forward` throws it.
    public internal(set) var stageError: CrossbarError? = nil
    /// Whether reads take the fused per-sample path where it applies (`fusedPathApplies`);
    /// tests switch it off to compare with the general path.
    package var fusedPathEnabled = true

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
        let deferredScan = tileReadsScanInputs(compensation)
        try checkInput(x, scanValues: !deferredScan)
        let statsBefore = stats, rngBefore = rng
        stats.inputVectors += x.rows
        var out = Matrix(rows: x.rows, columns: outputs)
        if x.rows == 0 || outputs == 0 { return out }
        var sawNonFinite = false
        x.values.withUnsafeBufferPointer { xp in
            out.values.withUnsafeMutableBufferPointer { op in
                for k in tiles.indices {
                    var alpha: Float = 1
                    var columnAlpha: [Float] = []
                    switch compensation {
                    case .none: alpha = 1
                    case .global: alpha = tiles[k].alphaReadout
                    case .globalExact: alpha = tiles[k].alphaExact
                    case .column: columnAlpha = tiles[k].alphaReadoutColumns
                    case .columnExact: columnAlpha = tiles[k].alphaExactColumns
                    }
                    if forwardTile(
                        k, x: xp.baseAddress!, ldx: inputs, batch: x.rows, out: op.baseAddress!, ldo: outputs,
                        alpha: alpha, rng: &rng, stats: &stats, columnAlpha: columnAlpha)
                    {
                        sawNonFinite = true
                    }
                }
            }
        }
        if sawNonFinite {
            // Throw as the up-front scan would have, with the statistics and the generator
            // as they were.
            stats = statsBefore
            rng = rngBefore
            try checkInput(x)
        }
        return out
    }

    /// Mean |output| (layer units, no compensation) of tile `k` read with one-hot inputs
    /// for each of its rows through the full converter path.
    func calibrationRead(tile k: Int, rng: inout Xoshiro256) -> Float {
        calibrationReads(tile: k, rng: &rng).mean
    }

    /// Runs tile `k` on a batch and adds its outputs into `out`.
    /// - Returns: true when the fused path met a NaN or ±Inf input (its outputs are then
    ///   meaningless); the general path expects inputs checked beforehand and returns false.
    @discardableResult
    func forwardTile(
        _ k: Int, x: UnsafePointer<Float>, ldx: Int, batch: Int, out: UnsafeMutablePointer<Float>, ldo: Int,
        alpha: Float, rng: inout Xoshiro256, stats: inout ConversionStats, columnAlpha: [Float] = [],
        capture: PreADCCapture? = nil
    ) -> Bool {
        let t = tiles[k].mapping
        return forwardTile(
            k, x: x, ldx: ldx, inputOffset: t.rowRange.lowerBound, batch: batch, out: out, ldo: ldo,
            outputOffset: t.columnRange.lowerBound, alpha: alpha, rng: &rng, stats: &stats,
            columnAlpha: columnAlpha, capture: capture)
    }

    @discardableResult
    func forwardTile(
        _ k: Int, x: UnsafePointer<Float>, ldx: Int, inputOffset: Int, batch: Int,
        out: UnsafeMutablePointer<Float>, ldo: Int, outputOffset: Int,
        alpha: Float, rng: inout Xoshiro256, stats: inout ConversionStats, columnAlpha: [Float] = [],
        capture: PreADCCapture? = nil
    ) -> Bool {
        if fusedPathApplies(tile: k, columnAlpha: columnAlpha, capture: capture) {
            return forwardTileFused(
                k, x: x, ldx: ldx, inputOffset: inputOffset, batch: batch, out: out, ldo: ldo,
                outputOffset: outputOffset, alpha: alpha, rng: &rng, stats: &stats)
        }
        let state = tiles[k]
        // cols: ADC channels (slices × outputs); the logical outputs are combined at the end.
        let rows = state.mapping.rows, cols = state.mapping.channels
        let dac = spec.dac, adc = spec.adc
        let adcs = state.adcChannels
        let sigma = spec.outputNoise
        let useBM = spec.boundManagement && (adcs.isEmpty ? !adc.isIdeal : adcs.contains { !$0.isIdeal })
        let planes = spec.inputPlanes
        let bitSerial = planes > 1 || (spec.dacBitSerial && !dac.isIdeal)
        let perRowNoise = sigma > 0 && spec.outputNoiseStreams == .perRow
        let callSeed: UInt64 = perRowNoise ? rng.next() : 0
        let offsets = state.mapping.digitalOffset
        var inputSum = [Float](repeating: 0, count: offsets.isEmpty ? 0 : batch)
        let devicesPerRow = state.mapping.devicesPerRow
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
        let inverseStep = dac.inverseStep
        let countEnergy = stats.countsEnergy
        // Converters of up to 22 bits use the vectorised loops (`Kernels.encode`,
        // `Kernels.digitise`), which compute exactly what `Quantizer.clips` and
        // `Quantizer.quantize` do; wider ones the per-element calls.
        let dacLevels: ConverterLevels? = !dac.isIdeal && dac.bits <= 22 ? ConverterLevels(dac) : nil
        let adcFast = adcs.isEmpty && !bitSerial && (adc.isIdeal || adc.bits <= 22)
        let adcLevels: ConverterLevels? = adcFast && !adc.isIdeal ? ConverterLevels(adc) : nil

        // Input scaling (abs-max per vector over this tile's inputs; inputs were checked
        // finite by the caller).
        if spec.inputScaling == .absMax {
            for b in 0..<batch { inputScale[b] = Kernels.absMax(x + b * ldx + inputOffset, count: rows) ?? 0 }
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
                        if !offsets.isEmpty { inputSum[b] = 0 }
                        continue
                    }
                    let inv = 1 / (m * bmFactor[b])
                    if dac.isIdeal {
                        Kernels.scale(row, dst, count: rows, factor: inv)
                    } else if let dacLevels {
                        local.dacClipped += Kernels.encode(row, dst, count: rows, inverseScale: inv, dacLevels)
                    } else {
                        for i in 0..<rows {
                            let v = row[i] * inv
                            if dac.clips(v) { local.dacClipped += 1 }
                            dst[i] = dac.quantize(v)
                        }
                    }
                    if !offsets.isEmpty {
                        var sx: Float = 0
                        for i in 0..<rows { sx += dst[i] }
                        inputSum[b] = sx
                    }
                    if countEnergy {
                        countReadEnergy(
                            UnsafePointer(dst), rows: rows, rowConductance: rowG, inverseStep: inverseStep,
                            devicesPerRow: devicesPerRow, into: &local)
                    }
                }
            }
            local.tileReads += n
            local.dacConversionsAll += n * rows
            local.adcConversionsAll += n * cols * planes
            var clippedIn = [Int](repeating: 0, count: n), zeroedIn = clippedIn
            // Bit-serial inputs: plane p drives sign(k)·bit_p(|k|) of each DAC level k
            // (a 1-bit DAC), digitised alone and weighted by 2^p·Δ (shift-and-add).
            var planeInput = [Float](repeating: 0, count: bitSerial ? n * rows : 0)
            let inverseDACStep = dac.inverseStep
            for plane in 0..<planes {
                let weight: Float = bitSerial ? Float(1 << plane) * dac.step : 1
                if bitSerial {
                    xq.withUnsafeBufferPointer { q in
                        for i in 0..<(n * rows) {
                            let level = Int((q[i] * inverseDACStep).rounded())
                            let bit = (abs(level) >> plane) & 1
                            planeInput[i] = level < 0 ? -Float(bit) : Float(bit)
                        }
                    }
                }
                // Analogue MVM: y[0..<n] = xq[0..<n] · Mᵀ.
                var yc = [Float](repeating: 0, count: n * cols)
                (bitSerial ? planeInput : xq).withUnsafeBufferPointer { q in
                    state.matrix.withUnsafeBufferPointer { mp in
                        yc.withUnsafeMutableBufferPointer { yp in
                            BLAS.sgemm(
                                transA: false, transB: true, m: n, n: cols, k: rows, alpha: 1,
                                a: q.baseAddress!, lda: rows, b: mp.baseAddress!, ldb: rows,
                                beta: 0, c: yp.baseAddress!, ldc: cols)
                        }
                    }
                }
                if sigma > 0 && !perRowNoise {
                    noise.withUnsafeMutableBufferPointer { z in
                        let part = UnsafeMutableBufferPointer(rebasing: z[0..<(n * cols)])
                        rng.fillGaussian(part)
                        yc.withUnsafeMutableBufferPointer { yp in
                            for i in 0..<(n * cols) { yp[i] += sigma * part[i] }
                        }
                    }
                } else if perRowNoise {
                    // Row b's noise depends only on (call seed, b, read attempt, plane).
                    noise.withUnsafeMutableBufferPointer { z in
                        for s in 0..<n {
                            let b = which?[s] ?? s
                            var g = Xoshiro256(seed: callSeed, stream: [UInt64(b), UInt64(bmFactor[b].bitPattern), UInt64(plane)])
                            let part = UnsafeMutableBufferPointer(rebasing: z[(s * cols)..<((s + 1) * cols)])
                            g.fillGaussian(part)
                            for j in 0..<cols { yc[s * cols + j] += sigma * part[j] }
                        }
                    }
                }
                if let capture {
                    for s in 0..<n { for j in 0..<cols { capture.values[j].append(yc[s * cols + j]) } }
                }
                // ADC (per channel when calibrated), saturation check, into y.
                if adcFast {
                    yc.withUnsafeBufferPointer { ycp in
                        y.withUnsafeMutableBufferPointer { yp in
                            for s in 0..<n {
                                let b = which?[s] ?? s
                                let src = ycp.baseAddress! + s * cols, dst = yp.baseAddress! + b * cols
                                guard let adcLevels else {
                                    dst.update(from: src, count: cols)
                                    continue
                                }
                                let (clipped, zeroed) = Kernels.digitise(src, noise: nil, sigma: 0, dst, count: cols, adcLevels)
                                clippedIn[s] += clipped
                                zeroedIn[s] += zeroed
                            }
                        }
                    }
                } else {
                for s in 0..<n {
                    let b = which?[s] ?? s
                    var clipped = 0, zeroed = 0
                    for j in 0..<cols {
                        let v = yc[s * cols + j]
                        var q = v
                        let converter = adcs.isEmpty ? adc : adcs[j]
                        if !converter.isIdeal {
                            if converter.clips(v) { clipped += 1 }
                            q = converter.quantize(v)
                            if q == 0 && v != 0 { zeroed += 1 }
                        }
                        if bitSerial {
                            y[b * cols + j] = plane == 0 ? q * weight : y[b * cols + j] + q * weight
                        } else {
                            y[b * cols + j] = q
                        }
                    }
                    clippedIn[s] += clipped
                    zeroedIn[s] += zeroed
                }
                }
            }
            for s in 0..<n {
                let b = which?[s] ?? s
                saturated[b] = clippedIn[s] > 0
                clipCount[b] = clippedIn[s]
                zeroCount[b] = zeroedIn[s]
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
        local.adcConversions += batch * cols * planes
        // Combine channels into outputs: y_j = Σ_m c_m·(y_{m,j} − offset_{m,j}·Σx) (slices
        // shift-and-add, digital offset subtraction), × per-column compensation.
        let outputsHere = state.mapping.columns
        let plain = cols == outputsHere && offsets.isEmpty && columnAlpha.isEmpty
        let coefficients = state.mapping.sliceCoefficients
        for b in 0..<batch {
            let m = inputScale[b]
            let dst = out + b * ldo + outputOffset
            local.adcClipped += clipCount[b]
            local.adcZeroed += zeroCount[b]
            if m == 0 { continue }
            let f = m * bmFactor[b] * alpha
            if plain {
                y.withUnsafeBufferPointer { yp in
                    state.mapping.digitalFactor.withUnsafeBufferPointer { df in
                        let src = yp.baseAddress! + b * cols
                        for j in 0..<cols { dst[j] += src[j] * f * df[j] }
                    }
                }
                continue
            }
            for j in 0..<outputsHere {
                var v: Float = 0
                for (slice, c) in coefficients.enumerated() {
                    let ch = slice * outputsHere + j
                    var part = y[b * cols + ch]
                    if !offsets.isEmpty { part -= offsets[ch] * inputSum[b] }
                    v += c * part
                }
                let a = columnAlpha.isEmpty ? 1 : columnAlpha[j]
                dst[j] += v * f * a * state.mapping.digitalFactor[j]
            }
        }
        stats.add(local)
        return false
    }
}

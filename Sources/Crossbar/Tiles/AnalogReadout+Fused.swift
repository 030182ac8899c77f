import NumericKernels
import SIMDKernels

extension AnalogReadout {
    /// Whether tile `k` can be read by `forwardTileFused`: one ADC for all columns, no
    /// bit slicing, reference columns or digital offsets, amplitude-encoded inputs, shared
    /// output-noise streams, converters of up to 22 bits, no per-column compensation and no
    /// capture. The default hardware (and every preset but the bit-sliced ones) qualifies;
    /// the other cases take the general path, which the fused one reproduces bit for bit
    /// (tested).
    func fusedPathApplies(tile k: Int, columnAlpha: [Float], capture: PreADCCapture?) -> Bool {
        guard fusedPathEnabled, capture == nil, columnAlpha.isEmpty else { return false }
        let state = tiles[k]
        let dac = spec.dac, adc = spec.adc
        let bitSerial = spec.inputPlanes > 1 || (spec.dacBitSerial && !dac.isIdeal)
        return state.adcChannels.isEmpty && !bitSerial && state.mapping.digitalOffset.isEmpty
            && state.mapping.channels == state.mapping.columns
            && !(spec.outputNoise > 0 && spec.outputNoiseStreams == .perRow)
            && (dac.isIdeal || dac.bits <= 22) && (adc.isIdeal || adc.bits <= 22)
    }

    /// The tile read of `forwardTile` for the common case (see `fusedPathApplies`), as one
    /// pass per sample after the batch's sgemm: output noise, ADC and the digital
    /// accumulation run on one row while it is in cache, instead of separate passes over
    /// `[batch × columns]` arrays. Samples that bound management will re-read are not
    /// accumulated until their last read. Random numbers are drawn in the same order as by
    /// the general path (same values, same results).
    func forwardTileFused(
        _ k: Int, x: UnsafePointer<Float>, ldx: Int, inputOffset: Int, batch: Int,
        out: UnsafeMutablePointer<Float>, ldo: Int, outputOffset: Int,
        alpha: Float, rng: inout Xoshiro256, stats: inout ConversionStats
    ) -> Bool {
        let state = tiles[k]
        let rows = state.mapping.rows, cols = state.mapping.channels
        let dac = spec.dac, adc = spec.adc
        let sigma = spec.outputNoise
        let useBM = spec.boundManagement && !adc.isIdeal
        let maxFactor = spec.boundManagementMaxFactor
        let countEnergy = stats.countsEnergy
        let rowG = state.rowConductance
        let inverseStep = dac.inverseStep
        let devicesPerRow = state.mapping.devicesPerRow
        let dacLevels = dac.isIdeal ? nil : ConverterLevels(dac)
        let adcLevels = adc.isIdeal ? nil : ConverterLevels(adc)
        // Output noise is drawn for groups of rows: fillGaussian pairs samples (2i, 2i + 1),
        // so a group of an even number of samples continues the sequence exactly.
        let groupRows = max(2, (4096 / max(cols, 1)) & ~1)

        // Workspace: every element is written before it is read, so none is initialised.
        let xq = UnsafeMutablePointer<Float>.allocate(capacity: batch * rows)
        let yc = UnsafeMutablePointer<Float>.allocate(capacity: batch * cols)
        let noise = UnsafeMutablePointer<Float>.allocate(capacity: sigma > 0 ? min(groupRows, batch) * cols : 0)
        let digitised = UnsafeMutablePointer<Float>.allocate(capacity: cols)
        let perSample = UnsafeMutablePointer<Float>.allocate(capacity: 2 * batch)
        let counts = UnsafeMutablePointer<Int>.allocate(capacity: 2 * batch)
        let order = UnsafeMutablePointer<Int>.allocate(capacity: batch)
        defer {
            xq.deallocate(); yc.deallocate(); noise.deallocate(); digitised.deallocate()
            perSample.deallocate(); counts.deallocate(); order.deallocate()
        }
        let inputScale = perSample, bmFactor = perSample + batch
        let clipCount = counts, zeroCount = counts + batch
        var local = ConversionStats()
        let absMaxScaling = spec.inputScaling == .absMax
        var nonFinite = false
        for b in 0..<batch {
            inputScale[b] = 1
            bmFactor[b] = 1
        }

        state.mapping.digitalFactor.withUnsafeBufferPointer { df in
            // Reads the samples order[0..<n] (or 0..<n when `all`); returns how many of them
            // must be read again (listed in `order`, ascending).
            func read(_ n: Int, all: Bool) -> Int {
                // DAC of each sample into compact rows of xq.
                for s in 0..<n {
                    let b = all ? s : order[s]
                    let src = x + b * ldx + inputOffset
                    if all && absMaxScaling {
                        // Abs-max scaling over this tile's inputs; the same pass finds NaN
                        // and ±Inf (the row is then read as zeros and the caller throws).
                        if let m = Kernels.absMax(src, count: rows) {
                            inputScale[b] = m
                        } else {
                            inputScale[b] = 0
                            nonFinite = true
                        }
                    }
                    let m = inputScale[b]
                    let dst = xq + s * rows
                    if m == 0 {
                        dst.update(repeating: 0, count: rows)
                        continue
                    }
                    let inv = 1 / (m * bmFactor[b])
                    if let dacLevels {
                        local.dacClipped += Kernels.encode(src, dst, count: rows, inverseScale: inv, dacLevels)
                    } else {
                        Kernels.scale(src, dst, count: rows, factor: inv)
                    }
                    if countEnergy {
                        countReadEnergy(
                            UnsafePointer(dst), rows: rows, rowConductance: rowG, inverseStep: inverseStep,
                            devicesPerRow: devicesPerRow, into: &local)
                    }
                }
                local.tileReads += n
                local.dacConversionsAll += n * rows
                local.adcConversionsAll += n * cols
                // Analogue MVM of the whole batch: yc[0..<n] = xq[0..<n] · Mᵀ.
                state.matrix.withUnsafeBufferPointer { mp in
                    BLAS.sgemm(
                        transA: false, transB: true, m: n, n: cols, k: rows, alpha: 1,
                        a: xq, lda: rows, b: mp.baseAddress!, ldb: rows, beta: 0, c: yc, ldc: cols)
                }
                // Per sample: + output noise → ADC → accumulate (unless it is read again).
                var again = 0
                var group = 0
                while group < n {
                    let g = min(groupRows, n - group)
                    if sigma > 0 { rng.fillGaussian(UnsafeMutableBufferPointer(start: noise, count: g * cols)) }
                    for r in 0..<g {
                        let s = group + r
                        let b = all ? s : order[s]
                        let src = UnsafePointer(yc + s * cols)
                        let z: UnsafePointer<Float>? = sigma > 0 ? UnsafePointer(noise + r * cols) : nil
                        var clipped = 0, zeroed = 0
                        let result: UnsafePointer<Float>
                        if let adcLevels {
                            (clipped, zeroed) = Kernels.digitise(
                                src, noise: z, sigma: sigma, digitised, count: cols, adcLevels)
                            result = UnsafePointer(digitised)
                        } else if let z {
                            Kernels.addNoise(src, noise: z, sigma: sigma, digitised, count: cols)
                            result = UnsafePointer(digitised)
                        } else {
                            result = src
                        }
                        clipCount[b] = clipped
                        zeroCount[b] = zeroed
                        let m = inputScale[b]
                        if useBM && clipped > 0 && m > 0 && bmFactor[b] * 2 <= maxFactor {
                            // Read again at twice the input attenuation; `order` is only
                            // rewritten at positions already read.
                            order[again] = b
                            again += 1
                            continue
                        }
                        if m == 0 { continue }
                        Kernels.accumulate(
                            result, factor: m * bmFactor[b] * alpha, columnFactor: df.baseAddress!,
                            out + b * ldo + outputOffset, count: cols)
                    }
                    group += g
                }
                return again
            }

            var pending = read(batch, all: true)
            if pending > 0 {
                var retried = [Bool](repeating: false, count: batch)
                while pending > 0 {
                    for s in 0..<pending {
                        bmFactor[order[s]] *= 2
                        retried[order[s]] = true
                    }
                    pending = read(pending, all: false)
                }
                local.boundManagementRetries += retried.reduce(0) { $0 + ($1 ? 1 : 0) }
            }
        }

        local.dacConversions += batch * rows
        local.adcConversions += batch * cols
        for b in 0..<batch {
            local.adcClipped += clipCount[b]
            local.adcZeroed += zeroCount[b]
        }
        stats.add(local)
        return nonFinite
    }

    /// Energy counts of one tile read of the DAC levels `dst` `[rows]`: driven rows, and
    /// Σ |x_q|^p · ΣG over them (no random draws; the outputs do not depend on them).
    /// Vectorised (`Kernels.readEnergy`, sums in `Float` per 64 rows) for converters of up to
    /// 22 bits; wider DACs take the scalar loop.
    func countReadEnergy(
        _ dst: UnsafePointer<Float>, rows: Int, rowConductance rowG: [Float], inverseStep: Float,
        devicesPerRow: Int, into local: inout ConversionStats
    ) {
        var active = 0
        var squared: Double = 0, absolute: Double = 0, bitwise: Double = 0
        if rowG.count != rows {
            for i in 0..<rows where dst[i] != 0 { active += 1 }
        } else if spec.dac.isIdeal || spec.dac.bits <= 22 {
            (active, squared, absolute, bitwise) = rowG.withUnsafeBufferPointer {
                Kernels.readEnergy(dst, conductance: $0.baseAddress!, count: rows, inverseStep: inverseStep)
            }
        } else {
            for i in 0..<rows where dst[i] != 0 {
                active += 1
                let v = Double(abs(dst[i])), g = Double(rowG[i])
                squared += v * v * g
                absolute += v * g
                if inverseStep > 0 { bitwise += Double(Int((abs(dst[i]) * inverseStep).rounded()).nonzeroBitCount) * g }
            }
        }
        local.activeInputs += active
        local.activeCells += active * devicesPerRow
        local.squaredInputConductance += squared
        local.absInputConductance += absolute
        local.bitInputConductance += bitwise
    }
}

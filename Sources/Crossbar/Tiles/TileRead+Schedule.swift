import CTileKernels
import EnergyCounts
import NumericKernels

/// Where one read's inputs come from and its outputs go.
struct TileReadIO {
    /// Samples: row b of the tile's inputs starts at `x + b · ldx`.
    let x: UnsafePointer<Float>
    let ldx: Int
    let batch: Int
    /// Outputs: row b of the tile's outputs starts at `out + b · ldo` (added to).
    let out: UnsafeMutablePointer<Float>
    let ldo: Int
    /// Pre-ADC values per channel, for ADC calibration (nil: not captured).
    let capture: PreADCCapture?
    /// Output noise: the tile's stream for this MVM (`GaussianStream` key), the index of
    /// sample 0 of this read in the MVM's batch, and that batch's size (`TileRead.noisePosition`).
    let noiseKey: UInt64
    let firstSample: Int
    let totalSamples: Int
}

extension TileRead {
    /// Samples per group: a multiple of the array stage's 12-sample blocking whose DAC
    /// levels, array outputs and noise take about 256 KiB (to stay in L2), at least 12. Any
    /// size gives the same results: every stage is per sample, the noise addressed by
    /// position.
    static func defaultGroupRows(rows: Int, channels: Int) -> Int {
        let block = PackedTileMatrix.rowBlock
        let perSample = max(rows + 2 * channels, 1) * MemoryLayout<Float>.size
        return max(block, ((256 << 10) / perSample) / block * block)
    }

    /// Position in the tile's noise stream of channel 0 of sample `b` of the MVM's batch of
    /// `total` samples, at read attempt `attempt` (0, then one more per bound-management
    /// re-read) and bit plane `plane`: ((attempt · planes + plane) · total + b) · channels.
    /// Every value of output noise has its own position, so a sample's noise does not depend
    /// on how the batch is split into reads or groups, nor on the other samples.
    func noisePosition(sample b: Int, total: Int, attempt: Int, plane: Int) -> UInt64 {
        ((UInt64(attempt) &* UInt64(planes) &+ UInt64(plane)) &* UInt64(total) &+ UInt64(b)) &* UInt64(channels)
    }

    /// The schedule: reads every sample, re-reading saturated ones under bound management;
    /// adds the outputs into `io.out` and the counts into `stats`.
    /// - Parameter groupRows: samples per group (≥ 1).
    /// - Returns: false when a sample held NaN or ±Inf (abs-max scaling found it).
    func run(_ io: TileReadIO, groupRows: Int, stats: inout ConversionStats) -> Bool {
        let batch = io.batch
        var scale = [Float](repeating: 1, count: batch), bmFactor = scale
        var clipCount = [Int](repeating: 0, count: batch), zeroCount = clipCount
        var counts = ConversionStats()
        var finite = true
        var pending = Array(0..<batch)
        var retried = [Bool](repeating: false, count: batch)
        var attempt = 0
        while !pending.isEmpty {
            pending = read(
                pending, io, scale: &scale, attempt: attempt, finite: &finite, bmFactor: bmFactor,
                groupRows: max(1, groupRows), counts: &counts, clips: &clipCount, zeros: &zeroCount)
            attempt += 1
            for b in pending {
                bmFactor[b] *= 2
                retried[b] = true
            }
        }
        counts.boundManagementRetries += retried.reduce(0) { $0 + ($1 ? 1 : 0) }
        counts.dacConversions += batch * rows
        counts.adcConversions += batch * channels * planes
        counts.adcClipped += clipCount.reduce(0, +)
        counts.adcZeroed += zeroCount.reduce(0, +)
        stats.add(counts)
        return finite
    }

    /// One pass (read attempt `attempt`) of every stage over `samples` (ascending), group by
    /// group of `groupRows` samples; returns the samples that bound management must read
    /// again. In the first pass stage 1 runs per sample just before its stage 2, while the
    /// sample is in cache; a sample with NaN or ±Inf gets scale 0 and clears `finite`.
    func read(
        _ samples: [Int], _ io: TileReadIO, scale: inout [Float], attempt: Int, finite: inout Bool, bmFactor: [Float], groupRows: Int,
        counts: inout ConversionStats, clips: inout [Int], zeros: inout [Int]
    ) -> [Int] {
        let n = samples.count
        let measureScales = attempt == 0
        let stream = GaussianStream(key: io.noiseKey)
        func position(_ s: Int, _ plane: Int) -> UInt64 {
            noisePosition(sample: io.firstSample + samples[s], total: io.totalSamples, attempt: attempt, plane: plane)
        }
        counts.operations.tileReads += n
        counts.operations.dacConversionsAll += n * rows
        counts.operations.adcConversionsAll += n * channels * planes
        let block = max(1, min(groupRows, n))
        let ldy = state.packed.paddedChannels
        // Workspaces of one group: every element is written before it is read.
        var levels = uninitialised(block * rows)
        var y = uninitialised(block * ldy)  // array outputs of a plane
        var digitised = uninitialised((planes > 1 ? block : 1) * channels)
        var noise = uninitialised(sigma > 0 ? block * channels : 0)
        var planeInput = uninitialised(planes > 1 ? block * rows : 0)
        var driven = uninitialised(cellIV != nil ? block * rows : 0)
        var planeRow = uninitialised(planes > 1 ? channels : 0)  // one plane's ADC output of a sample
        var inputSum = [Float](repeating: 0, count: state.mapping.digitalOffset.isEmpty ? 0 : block)
        var clipped = [Int](repeating: 0, count: block), zeroed = clipped
        var work = uninitialised(fixed == nil ? max(state.packed.workspaceCount(samples: block), 1) : 0)  // the float product's
        // The integer array stage: level indices [block × levelStride] (a zero after an odd
        // row count) and its workspace.
        let stride16 = fixed?.levelStride ?? 0
        var indices = [Int16](unsafeUninitializedCapacity: block * stride16) { _, n in n = block * stride16 }
        var work16 = [Int32](unsafeUninitializedCapacity: fixed?.workspaceCount(samples: block) ?? 0) { _, n in n = fixed?.workspaceCount(samples: block) ?? 0 }
        var again: [Int] = []
        for group in stride(from: 0, to: n, by: block) {
            let g = min(block, n - group)
            // Stages 1–2 of the group's samples.
            levels.withUnsafeMutableBufferPointer { l in
              indices.withUnsafeMutableBufferPointer { ind in
                for s in group..<(group + g) {
                    let b = samples[s]
                    // The next sample's inputs, from memory while this one is converted.
                    if s + 1 < n { aimc_prefetch(io.x + samples[s + 1] * io.ldx, rows * MemoryLayout<Float>.size) }
                    if measureScales {
                        if let m = inputScale(io.x + b * io.ldx) { scale[b] = m } else {
                            scale[b] = 0
                            finite = false
                        }
                    }
                    let dst = l.baseAddress! + (s - group) * rows
                    let k: UnsafeMutablePointer<Int16>? = fixed == nil ? nil : ind.baseAddress! + (s - group) * stride16
                    counts.dacClipped += encode(io.x + b * io.ldx, scale: scale[b] * bmFactor[b], dst, indices: k, counts: &counts)
                    if let k, stride16 > rows { k[rows] = 0 }
                    if !inputSum.isEmpty { inputSum[s - group] = (0..<rows).reduce(Float(0)) { $0 + dst[$1] } }
                }
              }
            }
            for i in 0..<g {
                clipped[i] = 0
                zeroed[i] = 0
            }
            for plane in 0..<planes {
                // Stage 3.
                if let fixed {
                    indices.withUnsafeBufferPointer { ind in
                        work16.withUnsafeMutableBufferPointer { w in
                            y.withUnsafeMutableBufferPointer { yp in
                                array(indices: ind.baseAddress!, count: g, fixed: fixed, into: yp.baseAddress!, ldy: ldy, work: w.baseAddress!)
                            }
                        }
                    }
                } else {
                levels.withUnsafeBufferPointer { l in
                    planeInput.withUnsafeMutableBufferPointer { pi in
                        driven.withUnsafeMutableBufferPointer { d in
                            work.withUnsafeMutableBufferPointer { w in
                                y.withUnsafeMutableBufferPointer { yp in
                                    var input = l.baseAddress!
                                    if planes > 1 {
                                        bitPlane(input, count: g * rows, plane: plane, into: pi.baseAddress!)
                                        input = UnsafePointer(pi.baseAddress!)
                                    }
                                    array(input, count: g, into: yp.baseAddress!, ldy: ldy, driven: d.baseAddress, work: w.baseAddress!)
                                }
                            }
                        }
                    }
                }
                }
                // Stage 4 for the whole group when its samples are consecutive (one stretch of
                // the stream), else per sample.
                if sigma > 0 && !perRowNoise {
                    noise.withUnsafeMutableBufferPointer { z in
                        if samples[group + g - 1] - samples[group] == g - 1 {
                            drawNoise(z.baseAddress!, count: g * channels, stream: stream, from: position(group, plane))
                        } else {
                            for s in group..<(group + g) {
                                drawNoise(z.baseAddress! + (s - group) * channels, count: channels, stream: stream, from: position(s, plane))
                            }
                        }
                    }
                }
                let weight: Float = planes > 1 ? Float(1 << plane) * dac.step : 1
                for s in group..<(group + g) {
                    let i = s - group, b = samples[s]
                    if perRowNoise {
                        let row = GaussianStream(key: Xoshiro256.mix(io.noiseKey, [UInt64(io.firstSample + b), UInt64(attempt), UInt64(plane)]))
                        noise.withUnsafeMutableBufferPointer { drawNoise($0.baseAddress! + i * channels, count: channels, stream: row, from: 0) }
                    }
                    // Stages 5–6.
                    let row = convert(y, i * ldy, noise: noise, noiseOffset: i * channels, plane: plane, weight: weight, into: &digitised, at: planes > 1 ? i * channels : 0, scratch: &planeRow, io.capture)
                    clipped[i] += row.clipped
                    zeroed[i] += row.zeroed
                    guard plane == planes - 1 else { continue }
                    clips[b] = clipped[i]
                    zeros[b] = zeroed[i]
                    let m = scale[b]
                    if boundManagement && clipped[i] > 0 && m > 0 && bmFactor[b] * 2 <= spec.boundManagementMaxFactor {
                        again.append(b)
                        continue
                    }
                    if m == 0 { continue }
                    digitised.withUnsafeBufferPointer { d in
                        accumulate(d.baseAddress! + (planes > 1 ? i * channels : 0), inputSum: inputSum.isEmpty ? 0 : inputSum[i], factor: m * bmFactor[b] * alpha, into: io.out + b * io.ldo)
                    }
                }
            }
        }
        return again
    }

    /// Stages 4–5 for one sample's array outputs at `y[offset...]`: noise
    /// (`noise[noiseOffset...]`), capture and ADC into `digitised[at...]` (bit planes
    /// shift-and-add into the sample's row).
    func convert(
        _ y: [Float], _ offset: Int, noise: [Float], noiseOffset: Int, plane: Int, weight: Float, into digitised: inout [Float], at: Int,
        scratch q: inout [Float], _ capture: PreADCCapture?
    ) -> (clipped: Int, zeroed: Int) {
        y.withUnsafeBufferPointer { yp in
            noise.withUnsafeBufferPointer { zp in
                digitised.withUnsafeMutableBufferPointer { dp in
                    let src = yp.baseAddress! + offset
                    let z: UnsafePointer<Float>? = sigma > 0 ? zp.baseAddress! + noiseOffset : nil
                    if let capture {
                        for j in 0..<channels { capture.values[j].append(z.map { src[j] + sigma * $0[j] } ?? src[j]) }
                    }
                    guard planes > 1 else { return digitise(src, noise: z, dp.baseAddress!) }
                    let r = q.withUnsafeMutableBufferPointer { digitise(src, noise: z, $0.baseAddress!) }
                    let dst = dp.baseAddress! + at
                    for j in 0..<channels { dst[j] = plane == 0 ? q[j] * weight : dst[j] + q[j] * weight }
                    return r
                }
            }
        }
    }
}

/// An array of `count` floats whose elements are not initialised (each must be written
/// before it is read): saves the page-faulting zero fill of large workspaces.
func uninitialised(_ count: Int) -> [Float] {
    [Float](unsafeUninitializedCapacity: count) { _, n in n = count }
}

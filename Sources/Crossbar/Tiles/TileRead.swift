import EnergyCounts
import NumericKernels
import SIMDKernels

/// One read of one tile as named stages (PHYSICS.md §2; house style habits 1 and 15):
///
/// 1. `inputScale` — abs-max input scaling per sample (noise management; it also finds
///    NaN and ±Inf);
/// 2. `encode` — the DAC (`InputConverter`) into the levels of the word lines, with the
///    energy observer counting driven rows and cell currents;
/// 3. `array` — (G⁺ − G⁻)·x through the conductances at this time (drift, read noise and
///    IR drop are in `TileReadState.packed`), one packed-matrix product per group of samples
///    and bit plane: in 16-bit integers of the DAC level indices (`FixedPointTileMatrix`,
///    `ArrayPrecision.int16`) or in float (`PackedTileMatrix`);
/// 4. `drawNoise` — output noise σ·N(0, 1) at the ADC input, from the tile's counter-based
///    `GaussianStream` at each value's own position (`noisePosition`) or
///    per row;
/// 5. `digitise` — the ADC (`OutputConverter`), counting clipped and zeroed conversions;
/// 6. `accumulate` — combine slices and digital offsets, rescale (input scale, bound
///    management, drift compensation, digital factor) and add into the layer output.
///
/// `run` is the schedule: every stage runs on groups of `groupRows` samples, so that their
/// inputs, DAC levels, array outputs and noise stay in cache between the stages; bound
/// management re-reads saturated samples with twice the input attenuation. Every schedule (any group size) gives bit-identical
/// results (tested): each noise value is addressed by (read attempt, bit plane, sample,
/// channel), never by the order in which it is drawn.
struct TileRead {
    let state: TileReadState
    let spec: HardwareSpec
    let dac: any InputConverter
    let adc: any OutputConverter
    let rows: Int, channels: Int
    /// Input bit planes: the DAC's magnitude bits for bit-serial inputs, else 1.
    let planes: Int
    let sigma: Float
    let perRowNoise: Bool
    let boundManagement: Bool
    let countEnergy: Bool
    /// The cells' I–V law (nil: ohmic).
    let cellIV: SinhCellIV?
    /// Drift compensation per tile and per column (empty: none).
    let alpha: Float
    let columnAlpha: [Float]
    /// The integer array stage's matrix (nil: the float product).
    let fixed: FixedPointTileMatrix?

    init(_ readout: AnalogReadout, tile k: Int, alpha: Float, columnAlpha: [Float], countEnergy: Bool) {
        state = readout.tiles[k]
        spec = readout.spec
        dac = UniformConverter(spec.dac)
        adc = state.adcChannels.isEmpty ? readout.adcConverter(tile: k) : ChannelConverters(state.adcChannels)
        rows = state.mapping.rows
        channels = state.mapping.channels
        planes = spec.inputPlanes
        sigma = spec.outputNoise
        perRowNoise = sigma > 0 && spec.outputNoiseStreams == .perRow
        boundManagement = spec.boundManagement && !adc.isIdeal
        self.countEnergy = countEnergy
        cellIV = spec.cellIV
        self.alpha = alpha
        self.columnAlpha = columnAlpha
        fixed = state.fixed
    }

    // MARK: Stages

    /// Stage 1: the input scale of one sample `x` `[rows]`, max |x_i| over this tile's
    /// inputs (1 without abs-max scaling). - Returns: nil when the sample holds NaN or ±Inf.
    func inputScale(_ x: UnsafePointer<Float>) -> Float? {
        guard spec.inputScaling == .absMax else { return 1 }
        return Kernels.absMax(x, count: rows)
    }

    /// Stage 2: DAC levels of one sample `src` `[rows]` divided by `scale` into `dst`
    /// (zeros for scale 0), and their level indices into `indices` when given (the integer
    /// array stage), counting the energy quantities of the read; returns the clipped count.
    func encode(
        _ src: UnsafePointer<Float>, scale: Float, _ dst: UnsafeMutablePointer<Float>, indices: UnsafeMutablePointer<Int16>?,
        counts: inout ConversionStats
    ) -> Int {
        if scale == 0 {
            dst.update(repeating: 0, count: rows)
            indices?.update(repeating: 0, count: rows)
            return 0
        }
        let clipped = dac.encode(src, dst, count: rows, inverseScale: 1 / scale, indices: indices)
        if countEnergy { countReadEnergy(UnsafePointer(dst), into: &counts) }
        return clipped
    }

    /// Bit plane `plane` of DAC levels `[n × rows]`: sign(k)·bit_plane(|k|) of each level
    /// index k (a 1-bit DAC per plane).
    func bitPlane(_ levels: UnsafePointer<Float>, count: Int, plane: Int, into out: UnsafeMutablePointer<Float>) {
        let inverse = spec.dac.inverseStep
        for i in 0..<count {
            let level = Int((levels[i] * inverse).rounded())
            let bit = (abs(level) >> plane) & 1
            out[i] = level < 0 ? -Float(bit) : Float(bit)
        }
    }

    /// Stage 3: the analogue MVM of `n` driven rows, `y[b, 0..<channels] = f(input[b]) · Mᵀ`
    /// for b < n (row stride `ldy` ≥ `state.packed.paddedChannels`), f the cells' I–V drive
    /// (`SinhCellIV`; the identity for ohmic cells) into `driven` `[n × rows]` (nil for ohmic
    /// cells). The product is `PackedTileMatrix.multiply`: the matrix packed once per readout,
    /// each output one FMA chain over the rows in order (the same bits on every SIMD variant
    /// and for any grouping of the samples).
    func array(
        _ input: UnsafePointer<Float>, count n: Int, into y: UnsafeMutablePointer<Float>, ldy: Int,
        driven: UnsafeMutablePointer<Float>?, work: UnsafeMutablePointer<Float>
    ) {
        var a = input
        if let cellIV, let driven {
            cellIV.drive(input, driven, count: n * rows)
            a = UnsafePointer(driven)
        }
        let packed = state.packed
        packed.multiply(a, lda: rows, count: n, into: y, ldy: ldy, workspace: work)
    }

    /// Stage 3 in integers: `y[b, 0..<channels] = Δ · indices[b] · Qᵀ` for b < n with the
    /// matrix of `fixed` (`FixedPointTileMatrix.multiply`: exact integer sums, the same bits
    /// on every SIMD variant and for any grouping), `indices` `[n × fixed.levelStride]`.
    func array(
        indices: UnsafePointer<Int16>, count n: Int, fixed: FixedPointTileMatrix, into y: UnsafeMutablePointer<Float>, ldy: Int,
        work: UnsafeMutablePointer<Int32>
    ) {
        fixed.multiply(levels: indices, lda: fixed.levelStride, count: n, step: dac.step, into: y, ldy: ldy, workspace: work)
    }

    /// Stage 4: standard normal samples for `count` values of output noise, positions
    /// `position ..< position + count` of `stream`.
    func drawNoise(_ out: UnsafeMutablePointer<Float>, count: Int, stream: GaussianStream, from position: UInt64) {
        stream.fill(out, count: count, from: position)
    }

    /// Stage 5: the ADC of one sample's channels (`noise` nil: none).
    func digitise(_ y: UnsafePointer<Float>, noise: UnsafePointer<Float>?, _ dst: UnsafeMutablePointer<Float>) -> (clipped: Int, zeroed: Int) {
        adc.digitise(y, noise: noise, sigma: sigma, dst, count: channels, firstChannel: 0)
    }

    /// Stage 6: adds one sample's digitised channels `y` `[channels]` into its outputs
    /// `dst` `[columns]`: y_j = Σ_m c_m·(y_{m,j} − offset_{m,j}·Σx) (slices shift-and-add,
    /// digital offset subtraction), × `factor` (input scale × bound management × tile
    /// compensation) × per-column compensation × digital factor.
    func accumulate(_ y: UnsafePointer<Float>, inputSum: Float, factor f: Float, into dst: UnsafeMutablePointer<Float>) {
        let map = state.mapping
        let columns = map.columns
        map.digitalFactor.withUnsafeBufferPointer { df in
            if channels == columns && map.digitalOffset.isEmpty && columnAlpha.isEmpty {
                Kernels.accumulate(y, factor: f, columnFactor: df.baseAddress!, dst, count: columns)
                return
            }
            let offsets = map.digitalOffset
            for j in 0..<columns {
                var v: Float = 0
                for (slice, c) in map.sliceCoefficients.enumerated() {
                    let ch = slice * columns + j
                    var part = y[ch]
                    if !offsets.isEmpty { part -= offsets[ch] * inputSum }
                    v += c * part
                }
                let a = columnAlpha.isEmpty ? 1 : columnAlpha[j]
                dst[j] += v * f * a * df[j]
            }
        }
    }

    /// The energy observer of the encode stage: driven rows and Σ |x_q|^p · ΣG over them
    /// of one read of the DAC levels `levels` `[rows]` (no random draws; the outputs do not
    /// depend on them). Vectorised (`Kernels.readEnergy`, sums in `Float` per 64 rows) for
    /// DACs of up to 22 bits; wider DACs take the scalar loop.
    func countReadEnergy(_ levels: UnsafePointer<Float>, into counts: inout ConversionStats) {
        let rowG = state.rowConductance
        let inverseStep = spec.dac.inverseStep
        var active = 0
        var squared: Double = 0, absolute: Double = 0, bitwise: Double = 0
        if rowG.count != rows {
            for i in 0..<rows where levels[i] != 0 { active += 1 }
        } else if spec.dac.isIdeal || spec.dac.bits <= 22 {
            (active, squared, absolute, bitwise) = rowG.withUnsafeBufferPointer {
                Kernels.readEnergy(levels, conductance: $0.baseAddress!, count: rows, inverseStep: inverseStep)
            }
        } else {
            for i in 0..<rows where levels[i] != 0 {
                active += 1
                let v = Double(abs(levels[i])), g = Double(rowG[i])
                squared += v * v * g
                absolute += v * g
                if inverseStep > 0 { bitwise += Double(Int((abs(levels[i]) * inverseStep).rounded()).nonzeroBitCount) * g }
            }
        }
        counts.operations.activeInputs += active
        counts.operations.activeCells += active * state.mapping.devicesPerRow
        counts.operations.squaredInputConductance += squared
        counts.operations.absInputConductance += absolute
        counts.operations.bitInputConductance += bitwise
    }
}

import EnergyCounts
import NumericKernels
import SIMDKernels

/// A layer's tiles at one evaluation time: runs analogue MVMs.
///
/// Per input vector and tile (PHYSICS.md §2): scale by abs-max → DAC → (G⁺ − G⁻)·x
/// (`PackedTileMatrix.multiply` per tile and group of samples) → + output noise → ADC → bound management →
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
    /// Samples per group of the per-sample stages of a tile read (nil: about 4096 values,
    /// to stay in cache). Every value gives the same results; tests vary it to show that
    /// the schedule does not change what the stages compute.
    package var readGroupRows: Int? = nil

    /// The effective weights `[outputs × inputs]` (layer units) this state represents,
    /// before converters: for inspection and tests.
    public var effectiveWeights: Matrix {
        var w = Matrix(rows: outputs, columns: inputs)
        for t in tiles {
            let rows = t.mapping.rows
            let matrix = t.matrix
            for j in 0..<t.mapping.columns {
                let d = t.mapping.digitalFactor[j]
                for i in 0..<rows {
                    w[t.mapping.columnRange.lowerBound + j, t.mapping.rowRange.lowerBound + i] = matrix[j * rows + i] * d
                }
            }
        }
        return w
    }

    /// Analogue MVM of a batch: `x` `[batch × inputs]` → `[batch × outputs]` (layer units).
    ///
    /// - Parameters:
    ///   - compensation: drift compensation applied per tile.
    ///   - rng: source of output noise: one draw per tile, in tile order, keys that tile's
    ///     noise stream (`GaussianStream`).
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
        stats.operations.inputVectors += x.rows
        var out = Matrix(rows: x.rows, columns: outputs)
        if x.rows == 0 || outputs == 0 { return out }
        let keys = tiles.indices.map { _ in noiseKey(&rng) }
        let factors = tiles.map { $0.compensation.factors(compensation) }
        var sawNonFinite = false
        x.values.withUnsafeBufferPointer { xp in
            out.values.withUnsafeMutableBufferPointer { op in
                for k in tiles.indices {
                    let t = tiles[k].mapping
                    if forwardTile(
                        k, x: xp.baseAddress!, ldx: inputs, inputOffset: t.rowRange.lowerBound, batch: x.rows,
                        out: op.baseAddress!, ldo: outputs, outputOffset: t.columnRange.lowerBound,
                        alpha: factors[k].tile, noise: (keys[k], 0, x.rows), stats: &stats, columnAlpha: factors[k].columns)
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

    /// The key of one tile's output-noise stream for one MVM (one draw of `rng`; none
    /// without output noise).
    func noiseKey(_ rng: inout Xoshiro256) -> UInt64 { spec.outputNoise > 0 ? rng.next() : 0 }

    /// Runs tile `k` on a batch and adds its outputs into `out`; its output noise is the
    /// stream of one key drawn from `rng`. The tile's inputs start at `x + inputOffset` and
    /// its outputs go to `out + outputOffset` (nil: the tile's row and column offsets in the
    /// layer).
    /// - Returns: true when a NaN or ±Inf input was met (abs-max scaling finds it; the
    ///   outputs are then meaningless and the caller throws).
    @discardableResult
    func forwardTile(
        _ k: Int, x: UnsafePointer<Float>, ldx: Int, inputOffset: Int? = nil, batch: Int,
        out: UnsafeMutablePointer<Float>, ldo: Int, outputOffset: Int? = nil,
        alpha: Float, rng: inout Xoshiro256, stats: inout ConversionStats, columnAlpha: [Float] = [],
        capture: PreADCCapture? = nil
    ) -> Bool {
        let t = tiles[k].mapping
        return forwardTile(
            k, x: x, ldx: ldx, inputOffset: inputOffset ?? t.rowRange.lowerBound, batch: batch, out: out, ldo: ldo,
            outputOffset: outputOffset ?? t.columnRange.lowerBound, alpha: alpha, noise: (noiseKey(&rng), 0, batch), stats: &stats,
            columnAlpha: columnAlpha, capture: capture)
    }

    /// Runs tile `k` (`TileRead`: its stages and schedule) on `batch` samples whose tile
    /// inputs start at `x + inputOffset` and adds its outputs into `out + outputOffset`.
    /// `noise`: the tile's noise key, the index of these samples' first in the MVM's batch,
    /// and that batch's size (`TileRead.noisePosition`).
    @discardableResult
    func forwardTile(
        _ k: Int, x: UnsafePointer<Float>, ldx: Int, inputOffset: Int, batch: Int,
        out: UnsafeMutablePointer<Float>, ldo: Int, outputOffset: Int,
        alpha: Float, noise: (key: UInt64, firstSample: Int, totalSamples: Int), stats: inout ConversionStats,
        columnAlpha: [Float] = [], capture: PreADCCapture? = nil
    ) -> Bool {
        let read = TileRead(self, tile: k, alpha: alpha, columnAlpha: columnAlpha, countEnergy: stats.countsEnergy)
        let io = TileReadIO(
            x: x + inputOffset, ldx: ldx, batch: batch, out: out + outputOffset, ldo: ldo, capture: capture,
            noiseKey: noise.key, firstSample: noise.firstSample, totalSamples: noise.totalSamples)
        return !read.run(io, groupRows: readGroupRows ?? TileRead.defaultGroupRows(rows: read.rows, channels: read.channels), stats: &stats)
    }

    /// The output converters of tile `k`: its ADC circuits, or the uniform quantiser of
    /// `spec.adc` on every channel.
    func adcConverter(tile k: Int) -> any OutputConverter { tiles[k].circuit ?? UniformConverter(spec.adc) }
}

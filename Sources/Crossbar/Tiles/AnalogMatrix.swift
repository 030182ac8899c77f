import NumericKernels

/// One tile's share of a layer: the block `W[columnRange, rowRange]` mapped onto a
/// differential pair of devices per weight.
public struct TileMapping: Sendable {
    /// Layer inputs on this tile's rows (word lines).
    public let rowRange: Range<Int>
    /// Layer outputs on this tile's columns (bit lines).
    public let columnRange: Range<Int>
    /// Target conductances of the positive devices (S), `[columns × rows]` row-major.
    public let targetPlus: [Float]
    /// Target conductances of the negative devices (S), `[columns × rows]`.
    public let targetMinus: [Float]
    /// Per column: multiplies (G⁺ − G⁻) (S) into output units.
    public let outputUnitFactor: [Float]
    /// Per column: multiplies the digitised output (output units) into layer units.
    public let digitalFactor: [Float]
    /// ADC channels of the tile: `columns × slices` (channel m·columns + j is slice m of
    /// output j). `targetPlus` and `outputUnitFactor` are per channel.
    public var channels: Int { channelCount > 0 ? channelCount : columns }
    /// Stored channel count (0: one channel per column).
    var channelCount: Int = 0
    /// What `targetMinus` holds: one device per positive device, reference columns, none.
    public internal(set) var minusDevices: MinusDevices = .pair
    /// Per slice m: the shift-and-add coefficient c_m (`SliceSpec.coefficients`).
    public internal(set) var sliceCoefficients: [Float] = [1]
    /// Per channel: the digital offset per unit of Σ x subtracted after the ADC (output
    /// units; offset mapping with digital subtraction), empty when none.
    public internal(set) var digitalOffset: [Float] = []

    public var rows: Int { rowRange.count }
    public var columns: Int { columnRange.count }
    /// Devices on one word line that a driven input reaches: both devices of each pair, or
    /// the positive devices plus one reference column per slice, or the positive devices
    /// alone (the energy model's active cells per driven row).
    public var devicesPerRow: Int {
        switch minusDevices {
        case .pair: return channels * 2
        case .reference: return channels + sliceCoefficients.count
        case .none: return channels
        }
    }
}

/// A layer's weight matrix `[outputs × inputs]` split over a grid of tiles of
/// `spec.tileRows × spec.tileColumns` (rows = inputs, columns = outputs), each mapped to
/// conductance targets. Partial sums of tiles that share outputs are added digitally.
///
/// Three time scales: `program(seed:)` gives a `ProgrammedMatrix` (programming noise and
/// drift exponents, drawn once); its `readout(tInference:)` gives the conductances drifted
/// to a time with the read noise accumulated until then; that readout's `forward` runs
/// MVMs (DAC, output noise, ADC fresh on every call).
public struct AnalogMatrix: Sendable {
    /// Number of outputs (rows of W).
    public let outputs: Int
    /// Number of inputs (columns of W).
    public let inputs: Int
    /// The hardware this matrix is mapped onto.
    public let spec: HardwareSpec
    /// The tiles, row-block-major: tile (i, j) covers inputs block i and outputs block j.
    public let tiles: [TileMapping]

    /// Maps `weights` `[outputs × inputs]` onto tiles.
    /// - Throws: `CrossbarError` for invalid hardware or non-finite weights.
    public init(weights: Matrix, spec: HardwareSpec) throws {
        try spec.validate()
        let outputsPerTile = try spec.outputsPerTile()
        if !spec.splitLayers && (weights.columns > spec.tileRows || weights.rows > outputsPerTile) {
            throw CrossbarError(
                "layer [\(weights.rows) × \(weights.columns)] does not fit into one tile (\(spec.tileRows) rows × \(outputsPerTile) outputs with this mapping) and tile.split = false")
        }
        if let bad = weights.values.firstIndex(where: { !$0.isFinite }) {
            throw CrossbarError(
                "weight [\(bad / max(weights.columns, 1)), \(bad % max(weights.columns, 1))] is \(weights.values[bad]); weights must be finite")
        }
        self.outputs = weights.rows
        self.inputs = weights.columns
        self.spec = spec
        let gMax = spec.gMax, gMin = spec.gMin
        let span = gMax - gMin
        let layerMax = weights.maxAbs
        var tiles: [TileMapping] = []
        for r0 in stride(from: 0, to: weights.columns, by: spec.tileRows) {
            let rr = r0..<min(r0 + spec.tileRows, weights.columns)
            for c0 in stride(from: 0, to: weights.rows, by: outputsPerTile) {
                let cr = c0..<min(c0 + outputsPerTile, weights.rows)
                let block = weights.block(rows: cr, columns: rr)  // [cols × rows]
                var colMax = [Float](repeating: 0, count: cr.count)
                switch spec.weightScaling {
                case .layer:
                    colMax = [Float](repeating: layerMax, count: cr.count)
                case .tile:
                    colMax = [Float](repeating: block.maxAbs, count: cr.count)
                case .column:
                    for j in 0..<cr.count {
                        var m: Float = 0
                        for i in 0..<rr.count { m = max(m, abs(block[j, i])) }
                        colMax[j] = m
                    }
                }
                colMax = colMax.map { $0 > 0 ? $0 : 1 }
                if !spec.isPlainMapping {
                    tiles.append(
                        TileMapper.map(
                            block: block, rowRange: rr, columnRange: cr, groupMax: colMax,
                            groupRange: TileMapper.groupRanges(block: block, weights: weights, scaling: spec.weightScaling),
                            spec: spec))
                    continue
                }
                var plus = [Float](repeating: gMin, count: block.values.count)
                var minus = plus
                var unit = [Float](repeating: 0, count: cr.count)
                var digital = [Float](repeating: 0, count: cr.count)
                for j in 0..<cr.count {
                    let s = span / colMax[j]
                    for i in 0..<rr.count {
                        // max|w|·(span/max|w|) can round one ulp above span: clamp so
                        // that no target exceeds gMax.
                        let w = block[j, i] * s
                        plus[j * rr.count + i] = min(gMin + max(w, 0), gMax)
                        minus[j * rr.count + i] = min(gMin + max(-w, 0), gMax)
                    }
                    switch spec.outputUnits {
                    case .normalized:
                        unit[j] = 1 / span
                        digital[j] = colMax[j]
                    case .weight:
                        unit[j] = 1 / s
                        digital[j] = 1
                    }
                }
                tiles.append(
                    TileMapping(
                        rowRange: rr, columnRange: cr, targetPlus: plus, targetMinus: minus,
                        outputUnitFactor: unit, digitalFactor: digital))
            }
        }
        self.tiles = tiles
    }

    /// Programs every tile: draws programming noise and drift exponents.
    ///
    /// Tile k draws from the stream `RandomStream.programming` (`[1, k]`), so the result
    /// depends only on `seed`; the readout-compensation reference is read at
    /// `t_inference = 0` from stream `[2, k]`.
    public func program(seed: UInt64) -> ProgrammedMatrix {
        let device = spec.device
        var programmed: [ProgrammedTile] = []
        for (k, t) in tiles.enumerated() {
            var rng = Xoshiro256(seed: seed, .programming, UInt64(k))
            let n = t.targetPlus.count
            var gp = [Float](repeating: 0, count: n), np = gp
            var gm = [Float](repeating: 0, count: t.targetMinus.count), nm = gm
            // Device-to-device spread of gMax scales the targets (stream [7, k, 2]).
            let targetPlus = spec.faults.spreadTargets(t.targetPlus, gMin: spec.gMin, seed: seed, stream: [RandomStream.faults.rawValue, UInt64(k), 2])
            let targetMinus = spec.faults.spreadTargets(t.targetMinus, gMin: spec.gMin, seed: seed, stream: [RandomStream.faults.rawValue, UInt64(k), 3])
            targetPlus.withUnsafeBufferPointer { tp in
                gp.withUnsafeMutableBufferPointer { g in
                    np.withUnsafeMutableBufferPointer { v in device.program(targets: tp, programmed: g, nu: v, rng: &rng) }
                }
            }
            targetMinus.withUnsafeBufferPointer { tm in
                gm.withUnsafeMutableBufferPointer { g in
                    nm.withUnsafeMutableBufferPointer { v in device.program(targets: tm, programmed: g, nu: v, rng: &rng) }
                }
            }
            // Stuck-at and dead devices (streams [7, k, 0] and [7, k, 1]).
            spec.faults.apply(to: t, plus: &gp, nuPlus: &np, minus: &gm, nuMinus: &nm, gMax: spec.gMax, gMin: spec.gMin, seed: seed, tile: UInt64(k))
            let exact = DriftReference.exact(t, plus: gp, minus: gm)
            programmed.append(
                ProgrammedTile(
                    mapping: t, gPlus: gp, gMinus: gm, nuPlus: np, nuMinus: nm,
                    reference: DriftReference(exact: exact.mean, exactColumns: exact.columns)))
        }
        var result = ProgrammedMatrix(source: self, tiles: programmed, seed: seed)
        // Reference for readout compensation: one-hot read right after programming.
        let initial = result.readout(tInference: 0, streamKey: .max, computeCompensation: false)
        for k in result.tiles.indices {
            var rng = Xoshiro256(seed: seed, .compensationReference, UInt64(k))
            let read = initial.compensationRead(tile: k, rng: &rng)
            result.tiles[k].reference.readout = read.mean
            result.tiles[k].reference.readoutColumns = read.columns
        }
        return result
    }
}

/// A tile's programmed state (drawn once per programming).
public struct ProgrammedTile: Sendable {
    public let mapping: TileMapping
    /// Programmed conductances (S), `[columns × rows]`.
    public let gPlus: [Float]
    public let gMinus: [Float]
    /// Per-device drift exponents ν.
    public let nuPlus: [Float]
    public let nuMinus: [Float]
    /// What drift compensation compares against (Compensation/DriftCompensation.swift).
    public internal(set) var reference: DriftReference
}

/// A programmed layer: the state from which every evaluation time is derived.
public struct ProgrammedMatrix: Sendable {
    public let source: AnalogMatrix
    public internal(set) var tiles: [ProgrammedTile]
    /// The programming seed.
    public let seed: UInt64

    public var spec: HardwareSpec { source.spec }

    /// The conductances `tInference` seconds after programming, with accumulated read noise
    /// drawn from stream `[3, k, bits(tInference)]` of the programming seed, and the drift-
    /// compensation factors of both methods.
    /// - Parameter tInference: time since programming (s), ≥ 0.
    public func readout(tInference: Double) -> AnalogReadout {
        readout(tInference: tInference, streamKey: tInference.bitPattern, computeCompensation: true)
    }

    func readout(
        tInference: Double, streamKey: UInt64, computeCompensation: Bool, device override: (any ConductanceDevice)? = nil
    ) -> AnalogReadout {
        let device = override ?? spec.device  // override: ReadNoise/ProgrammedMatrix+ReadSeries.swift
        var states: [TileReadState] = []
        var irDropError: CrossbarError? = nil
        for (k, t) in tiles.enumerated() {
            var rng = Xoshiro256(seed: seed, .readNoise, UInt64(k), streamKey)
            let n = t.gPlus.count
            var dp = [Float](repeating: 0, count: n)
            var dm = [Float](repeating: 0, count: t.gMinus.count)
            t.gPlus.withUnsafeBufferPointer { g in
                t.nuPlus.withUnsafeBufferPointer { v in
                    dp.withUnsafeMutableBufferPointer { device.drift(programmed: g, nu: v, tInference: tInference, drifted: $0) }
                }
            }
            t.gMinus.withUnsafeBufferPointer { g in
                t.nuMinus.withUnsafeBufferPointer { v in
                    dm.withUnsafeMutableBufferPointer { device.drift(programmed: g, nu: v, tInference: tInference, drifted: $0) }
                }
            }
            // Noise-free compensation factors from the drifted conductances, before read noise.
            let compensation = TileCompensation(exactFrom: t.reference, mapping: t.mapping, plus: dp, minus: dm)
            t.mapping.targetPlus.withUnsafeBufferPointer { tp in
                dp.withUnsafeMutableBufferPointer { device.read(targets: tp, conductances: $0, tInference: tInference, rng: &rng) }
            }
            t.mapping.targetMinus.withUnsafeBufferPointer { tm in
                dm.withUnsafeMutableBufferPointer { device.read(targets: tm, conductances: $0, tInference: tInference, rng: &rng) }
            }
            // IR drop (IRDrop/TileIRDrop.swift): effective conductances through the wires.
            if spec.irDrop.mode != .none {
                do {
                    (dp, dm, _) = try TileIRDrop.effective(plus: dp, minus: dm, rows: t.mapping.rows, spec: spec.irDrop)
                } catch {
                    irDropError = irDropError ?? CrossbarError("tile \(k): \(error)")
                }
            }
            let rows = t.mapping.rows
            var m = [Float](repeating: 0, count: n)
            if t.mapping.minusDevices != .pair || t.mapping.channels != t.mapping.columns {
                m = t.mapping.differences(plus: dp, minus: dm)
            } else {
              for j in 0..<t.mapping.columns {
                let u = t.mapping.outputUnitFactor[j]
                for i in 0..<rows { m[j * rows + i] = (dp[j * rows + i] - dm[j * rows + i]) * u }
              }
            }
            // Σ_j (G⁺_ij + G⁻_ij) per row, for the cell read energy (no random draws).
            var rowG = [Float](repeating: 0, count: rows)
            if t.mapping.minusDevices != .pair || t.mapping.channels != t.mapping.columns {
                rowG = t.mapping.rowConductance(plus: dp, minus: dm)
            } else {
              for i in 0..<rows {
                var g: Double = 0
                for j in 0..<t.mapping.columns { g += Double(dp[j * rows + i]) + Double(dm[j * rows + i]) }
                rowG[i] = Float(g)
              }
            }
            var state = TileReadState(
                mapping: t.mapping, matrix: m, compensation: compensation, rowConductance: rowG,
                integerArray: spec.integerArrayLevels(rows: rows) != nil)
            // The tile's ADC circuits: drawn when the chip is made, the same at every time.
            var adcRNG = Xoshiro256(seed: seed, .adcCircuit, UInt64(k))
            state.circuit = spec.adcCircuit.converters(spec.adc, spec.adcCircuitParameters, channels: t.mapping.channels, rng: &adcRNG)
            states.append(state)
        }
        var readout = AnalogReadout(spec: spec, outputs: source.outputs, inputs: source.inputs, tiles: states, tInference: tInference)
        readout.stageError = irDropError
        if computeCompensation {
            for k in readout.tiles.indices {
                var rng = Xoshiro256(seed: seed, .compensationRead, UInt64(k), streamKey)
                let now = readout.compensationRead(tile: k, rng: &rng)
                readout.tiles[k].compensation = readout.tiles[k].compensation.settingReadout(tiles[k].reference, now: now)
            }
        }
        return readout
    }
}

/// One tile's conductance state at an evaluation time.
public struct TileReadState: Sendable {
    public let mapping: TileMapping
    /// (G⁺ − G⁻) in output units, `[channels × rows]`, packed for the array stage of the
    /// reads (`PackedTileMatrix`: once per readout, not per MVM).
    public let packed: PackedTileMatrix
    /// The same as 16-bit integers per channel when the array stage runs in integers
    /// (`ArrayPrecision.int16`), else nil.
    public let fixed: FixedPointTileMatrix?
    /// (G⁺ − G⁻) in output units, `[channels × rows]` (unpacked on each access).
    public var matrix: [Float] { packed.unpacked }
    /// Drift-compensation factors of every method (Compensation/DriftCompensation.swift).
    public internal(set) var compensation: TileCompensation
    /// Per row i: Σ_j (G⁺_ij + G⁻_ij) (S) of the read conductances, `[rows]`; the energy
    /// counts of `ConversionStats` weight each driven input by it (empty: not counted).
    public internal(set) var rowConductance: [Float] = []
    /// Per channel: the ADC of a calibrated range policy (empty: `spec.adc` for all).
    public internal(set) var adcChannels: [Quantizer] = []
    /// The tile's ADC circuits (`HardwareSpec.adcCircuit`; nil: the uniform quantiser).
    var circuit: (any OutputConverter)? = nil

    init(mapping: TileMapping, matrix: [Float], compensation: TileCompensation, rowConductance: [Float], integerArray: Bool) {
        self.mapping = mapping
        packed = PackedTileMatrix(matrix, channels: mapping.channels, rows: mapping.rows)
        fixed = integerArray ? FixedPointTileMatrix(matrix, channels: mapping.channels, rows: mapping.rows) : nil
        self.compensation = compensation
        self.rowConductance = rowConductance
    }
}

import NumericKernels

/// Drift compensation applied to tile outputs (PHYSICS.md §4).
public enum DriftCompensation: String, CaseIterable, Sendable, Codable {
    /// No compensation.
    case none
    /// Global compensation per tile from a read-out of one-hot calibration inputs through
    /// the noisy, quantised path: α = ref / now with ref taken right after programming.
    case global
    /// Global compensation per tile from a noise-free reference: α = mean|G⁺_P − G⁻_P| /
    /// mean|G⁺_D(t) − G⁻_D(t)| (programmed versus drifted conductances).
    case globalExact = "global_exact"
    /// Per-column compensation from the one-hot read-out: each output column j of a tile
    /// gets α_j = ref_j / now_j, with ref_j and now_j the mean |output| of column j over the
    /// one-hot calibration inputs right after programming and at the evaluation time.
    case column
    /// Per-column compensation from the noise-free conductances: α_j = Σ_m c_m Σ_i
    /// |G⁺_P − G⁻_P| / Σ_m c_m Σ_i |G⁺_D(t) − G⁻_D(t)| over the devices of column j.
    case columnExact = "column_exact"
}

/// A tile's drift-compensation state at one evaluation time: the factors of every method
/// (PHYSICS.md §4), from the references taken at programming (`DriftReference`) and the
/// same quantities now. `factors(_:)` is what a read applies to the digitised outputs.
public struct TileCompensation: Sendable, Equatable {
    /// α of `globalExact`: mean|G⁺_P − G⁻_P| / mean|G⁺_D(t) − G⁻_D(t)|.
    public internal(set) var exact: Float = 1
    /// α of `global`: the one-hot read-out after programming / now.
    public internal(set) var readout: Float = 1
    /// α_j of `columnExact`, per output column.
    public internal(set) var exactColumns: [Float] = []
    /// α_j of `column`, per output column.
    public internal(set) var readoutColumns: [Float] = []

    /// The factors `method` applies: one for the whole tile and one per column (empty:
    /// none).
    public func factors(_ method: DriftCompensation) -> (tile: Float, columns: [Float]) {
        switch method {
        case .none: (1, [])
        case .global: (readout, [])
        case .globalExact: (exact, [])
        case .column: (1, readoutColumns)
        case .columnExact: (1, exactColumns)
        }
    }

    /// The per-column factors of `method` as a full row `[columns]` (1 for the per-tile
    /// methods' columns, times their tile factor).
    func columnFactors(_ method: DriftCompensation, columns: Int) -> [Float] {
        let (tile, perColumn) = factors(method)
        return perColumn.isEmpty ? [Float](repeating: tile, count: columns) : perColumn
    }

    /// The exact (noise-free) factors from the programmed reference and the drifted
    /// conductances `plus`, `minus` of `mapping`; the read-out factors stay 1 until
    /// `settingReadout` (they need a read through the converters).
    init(exactFrom reference: DriftReference, mapping: TileMapping, plus: [Float], minus: [Float]) {
        let now = DriftReference.exact(mapping, plus: plus, minus: minus)
        exact = (now.mean > 0 && reference.exact > 0) ? reference.exact / now.mean : 1
        exactColumns = zip(reference.exactColumns, now.columns).map { Self.ratio($0, $1) }
    }

    /// With the read-out factors from the one-hot read `now` (mean and per column) against
    /// the reference.
    func settingReadout(_ reference: DriftReference, now: (mean: Float, columns: [Float])) -> TileCompensation {
        var c = self
        c.readout = Self.ratio(reference.readout, now.mean)
        c.readoutColumns = zip(reference.readoutColumns, now.columns).map { Self.ratio($0, $1) }
        return c
    }

    /// ref / now, or 1 when either is 0 or now is not finite.
    static func ratio(_ reference: Float, _ now: Float) -> Float { (now > 0 && reference > 0 && now.isFinite) ? reference / now : 1 }
}

/// What drift compensation compares against, taken once per programming: the noise-free
/// mean |G⁺_P − G⁻_P| (and its per-column sums) of the programmed conductances, and the
/// one-hot read-out through the full converter path right after programming (stream
/// `RandomStream.compensationReference`).
public struct DriftReference: Sendable, Equatable {
    /// mean|G⁺_P − G⁻_P| (S).
    public internal(set) var exact: Float = 0
    /// Per column: Σ_m c_m Σ_i |G⁺_P − G⁻_P| (S).
    public internal(set) var exactColumns: [Float] = []
    /// Mean |output| of the one-hot read at t_inference = 0 (layer units).
    public internal(set) var readout: Float = 0
    /// Per column: mean |output| of that read.
    public internal(set) var readoutColumns: [Float] = []

    /// mean |G⁺ − G⁻| over the tile's devices and its per-column sums (S).
    static func exact(_ t: TileMapping, plus: [Float], minus: [Float]) -> (mean: Float, columns: [Float]) {
        let n = plus.count
        let columns = t.columnAbsSums(plus: plus, minus: minus)
        var sum: Float = 0
        if t.minusDevices == .pair {
            for i in 0..<n { sum += abs(plus[i] - minus[i]) }
        } else {
            sum = columns.reduce(0, +)
        }
        return (n > 0 ? sum / Float(n) : 0, columns)
    }
}

extension AnalogReadout {
    /// Mean |output| (layer units, no compensation) of tile `k` read with one-hot inputs for
    /// each of its rows through the full converter path, over the whole tile (`mean`) and per
    /// output column (`columns`): the read-out of `global` and `column` compensation. Under
    /// a calibrated ADC policy the read happens before the ranges exist (at programming and
    /// when a readout is derived), so it reads through an unquantised ADC rather than
    /// through the fixed `adc.range`, which the policy replaces.
    func compensationRead(tile k: Int, rng: inout Xoshiro256) -> (mean: Float, columns: [Float]) {
        let t = tiles[k].mapping
        let rows = t.rows, cols = t.columns
        if rows == 0 || cols == 0 { return (0, [Float](repeating: 0, count: cols)) }
        if spec.adcRangePolicy != .fixed && tiles[k].adcChannels.isEmpty {
            var reader = self
            reader.tiles[k].adcChannels = Array(repeating: .ideal, count: t.channels)
            return reader.compensationRead(tile: k, rng: &rng)
        }
        var eye = [Float](repeating: 0, count: rows * rows)
        for i in 0..<rows { eye[i * rows + i] = 1 }
        var y = [Float](repeating: 0, count: rows * cols)
        var stats = ConversionStats()
        eye.withUnsafeBufferPointer { e in
            y.withUnsafeMutableBufferPointer { yp in
                // One-hot inputs: always finite.
                _ = forwardTile(
                    k, x: e.baseAddress!, ldx: rows, inputOffset: 0, batch: rows, out: yp.baseAddress!, ldo: cols,
                    outputOffset: 0, alpha: 1, rng: &rng, stats: &stats)
            }
        }
        var s: Double = 0
        for v in y { s += Double(abs(v)) }
        var columns = [Double](repeating: 0, count: cols)
        for b in 0..<rows { for j in 0..<cols { columns[j] += Double(abs(y[b * cols + j])) } }
        return (Float(s / Double(y.count)), columns.map { Float($0 / Double(rows)) })
    }
}

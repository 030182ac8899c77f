import NumericKernels

/// Which devices are subtracted from a tile's positive devices (`TileMapping.minusDevices`).
public enum MinusDevices: Sendable, Equatable {
    /// One negative device per positive device (differential pair), `targetMinus` `[channels × rows]`.
    case pair
    /// One reference column per slice shared by all columns, `targetMinus` `[slices × rows]`.
    case reference
    /// None (offset mapping with digital subtraction), `targetMinus` empty.
    case none
}

extension HardwareSpec {
    /// Whether the mapping is the plain differential pair with continuous conductances,
    /// the path that `AnalogMatrix` maps inline.
    var isPlainMapping: Bool {
        mapping == .differentialPair && slicing.isPlain && faults.conductanceLevels == 0
    }

    /// Reference columns a tile spends: one per slice for `offset` with a reference column.
    public var referenceColumns: Int {
        mapping == .offset && offsetReference == .column ? slicing.slices : 0
    }

    /// Layer outputs that fit on one tile: ⌊(tile columns − reference columns) / slices⌋.
    /// - Throws: `CrossbarError` when not even one output fits.
    public func outputsPerTile() throws -> Int {
        let n = (tileColumns - referenceColumns) / slicing.slices
        guard n >= 1 else {
            throw CrossbarError(
                "a layer's kernel cannot fit into a tile: one output needs \(slicing.slices) column(s) (mapping.slices) + \(referenceColumns) reference column(s), but tile.columns = \(tileColumns)")
        }
        return n
    }
}

/// Maps one block of weights onto a tile for every mapping other than the plain
/// differential pair (offset, slices, finite conductance states); PHYSICS.md §1.
enum TileMapper {
    /// Per column of `block` `[columns × rows]`: (wMin, wMax) = (min(0, min w), max(0, max w))
    /// over its scaling group (the layer `weights`, the tile block, or the column).
    static func groupRanges(block: Matrix, weights: Matrix, scaling: WeightScaling) -> [(lo: Float, hi: Float)] {
        func range(_ v: some Sequence<Float>) -> (lo: Float, hi: Float) {
            var lo: Float = 0, hi: Float = 0
            for x in v { lo = min(lo, x); hi = max(hi, x) }
            return (lo, hi)
        }
        switch scaling {
        case .layer: return [(lo: Float, hi: Float)](repeating: range(weights.values), count: block.rows)
        case .tile: return [(lo: Float, hi: Float)](repeating: range(block.values), count: block.rows)
        case .column: return (0..<block.rows).map { j in range((0..<block.columns).map { block[j, $0] }) }
        }
    }

    /// - Parameters:
    ///   - block: `[columns × rows]` weights of the tile (outputs × inputs).
    ///   - groupMax: per column, max|w| of its scaling group (> 0).
    ///   - groupRange: per column, (wMin, wMax) of its scaling group with wMin ≤ 0 ≤ wMax.
    static func map(
        block: Matrix, rowRange: Range<Int>, columnRange: Range<Int>, groupMax: [Float],
        groupRange: [(lo: Float, hi: Float)], spec: HardwareSpec
    ) -> TileMapping {
        let rows = rowRange.count, cols = columnRange.count
        let gMax = spec.gMax, gMin = spec.gMin, span = gMax - gMin
        let k = spec.slicing.slices
        let channels = cols * k
        let levels = spec.faults.conductanceLevels
        /// Target conductance of a normalised slice value d ∈ [0, 1], on the level grid.
        func g(_ d: Float) -> Float {
            var v = d
            if levels >= 2 { v = (d * Float(levels - 1)).rounded(.toNearestOrEven) / Float(levels - 1) }
            return min(max(gMin + v * span, gMin), gMax)
        }
        var plus = [Float](repeating: gMin, count: channels * rows)
        var minus: [Float] = []
        var unit = [Float](repeating: 0, count: channels)
        var offset: [Float] = []
        let minusKind: MinusDevices
        switch spec.mapping {
        case .differentialPair:
            minusKind = .pair
            minus = plus
            for j in 0..<cols {
                let inv = 1 / groupMax[j]
                for i in 0..<rows {
                    let w = block[j, i]
                    let d = spec.slicing.digits(abs(w) * inv)
                    for m in 0..<k {
                        let idx = (m * cols + j) * rows + i
                        if w > 0 { plus[idx] = g(d[m]) } else if w < 0 { minus[idx] = g(d[m]) }
                    }
                }
                for m in 0..<k {
                    unit[m * cols + j] = spec.outputUnits == .normalized ? 1 / span : groupMax[j] / span
                }
            }
        case .offset:
            minusKind = spec.offsetReference == .column ? .reference : .none
            if minusKind == .reference { minus = [Float](repeating: gMin, count: k * rows) }
            if minusKind == .none { offset = [Float](repeating: 0, count: channels) }
            for j in 0..<cols {
                let (lo, hi) = groupRange[j]
                let width = hi > lo ? hi - lo : 1
                let zero = spec.slicing.digits((0 - lo) / width)
                for i in 0..<rows {
                    let d = spec.slicing.digits((block[j, i] - lo) / width)
                    for m in 0..<k { plus[(m * cols + j) * rows + i] = g(d[m]) }
                }
                for m in 0..<k {
                    let ch = m * cols + j
                    unit[ch] = spec.outputUnits == .normalized ? width / (span * groupMax[j]) : width / span
                    if minusKind == .reference {
                        for i in 0..<rows { minus[m * rows + i] = g(zero[m]) }
                    } else {
                        offset[ch] = g(zero[m]) * unit[ch]
                    }
                }
            }
        }
        let digital = (0..<cols).map { spec.outputUnits == .normalized ? groupMax[$0] : 1 }
        return TileMapping(
            rowRange: rowRange, columnRange: columnRange, targetPlus: plus, targetMinus: minus,
            outputUnitFactor: unit, digitalFactor: digital, channelCount: channels, minusDevices: minusKind,
            sliceCoefficients: spec.slicing.coefficients, digitalOffset: offset)
    }
}

extension TileMapping {
    /// Output-unit effective conductance differences `[channels × rows]`:
    /// (G⁺ − G⁻)·u for pairs, (G − G_ref)·u with a reference column, G·u without one.
    func differences(plus: [Float], minus: [Float]) -> [Float] {
        let r = rows
        var m = [Float](repeating: 0, count: channels * r)
        let perSlice = columns
        for ch in 0..<channels {
            let u = outputUnitFactor[ch]
            for i in 0..<r {
                let idx = ch * r + i
                switch minusDevices {
                case .pair: m[idx] = (plus[idx] - minus[idx]) * u
                case .reference: m[idx] = (plus[idx] - minus[(ch / perSlice) * r + i]) * u
                case .none: m[idx] = plus[idx] * u
                }
            }
        }
        return m
    }

    /// Per logical column j: Σ_m c_m Σ_i |G⁺ − G⁻| (S), the noise-free per-column
    /// drift-compensation reference (for `.none`, Σ |G − G₀| with G₀ from the offset).
    func columnAbsSums(plus: [Float], minus: [Float]) -> [Float] {
        let r = rows, cols = columns
        var s = [Float](repeating: 0, count: cols)
        for ch in 0..<channels {
            let j = ch % cols, c = sliceCoefficients[ch / cols]
            let zero = minusDevices == .none ? digitalOffset[ch] / outputUnitFactor[ch] : 0
            var acc: Double = 0
            for i in 0..<r {
                let idx = ch * r + i
                switch minusDevices {
                case .pair: acc += Double(abs(plus[idx] - minus[idx]))
                case .reference: acc += Double(abs(plus[idx] - minus[(ch / cols) * r + i]))
                case .none: acc += Double(abs(plus[idx] - zero))
                }
            }
            s[j] += c * Float(acc)
        }
        return s
    }

    /// Per row i: Σ over the tile's devices on that row of G (S), for the energy counts.
    func rowConductance(plus: [Float], minus: [Float]) -> [Float] {
        let r = rows
        var g = [Double](repeating: 0, count: r)
        for ch in 0..<channels { for i in 0..<r { g[i] += Double(plus[ch * r + i]) } }
        switch minusDevices {
        case .pair: for ch in 0..<channels { for i in 0..<r { g[i] += Double(minus[ch * r + i]) } }
        case .reference: for m in 0..<(minus.count / max(r, 1)) { for i in 0..<r { g[i] += Double(minus[m * r + i]) } }
        case .none: break
        }
        return g.map { Float($0) }
    }
}

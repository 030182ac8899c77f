import NumericKernels

/// Faults and device-to-device variability, drawn once at programming from seeded
/// streams of the programming seed (PHYSICS.md §6). Every effect is independent and off
/// by default; each applies to every device of every mapping (pairs, slices, reference
/// columns).
///
/// - Stuck devices: each device draws u ~ U[0, 1); u < p_max is stuck at gMax,
///   p_max ≤ u < p_max + p_min stuck at gMin — disjoint sets with expected counts
///   p·devices. A stuck device keeps its conductance: drift exponent ν = 0; the device
///   model's read noise still applies.
/// - gMax spread: each device's range is scaled by γ = max(0, 1 + σ·N(0, 1)), so a target
///   g_T is programmed as gMin + (g_T − gMin)·γ (a device with a smaller gMax reaches
///   proportionally less; programming noise comes on top).
/// - Dead rows (open word lines) and dead columns (open bit lines): every device on them
///   reads 0 S. Indices are tile-local (rows 0…tile.rows−1, ADC channels
///   0…channels−1) and apply to every tile; a rate draws each row / channel independently.
/// - Finite conductance states (`conductanceLevels` n ≥ 2): targets round to the nearest
///   of n equally spaced levels gMin + k·(gMax − gMin)/(n − 1) (applied by the mapping, so
///   monotonic in w).
public struct FaultSpec: Equatable, Sendable, Codable {
    /// Fraction of devices stuck at gMax, in [0, 1].
    public var stuckAtGMax: Double = 0
    /// Fraction of devices stuck at gMin, in [0, 1]; stuckAtGMax + stuckAtGMin ≤ 1.
    public var stuckAtGMin: Double = 0
    /// Relative σ of the device-to-device spread of gMax (≥ 0).
    public var gMaxSpread: Float = 0
    /// Number of conductance levels (0: continuous; else 2…65536).
    public var conductanceLevels: Int = 0
    /// Probability that a tile row (word line) is dead.
    public var deadRowRate: Double = 0
    /// Probability that a tile column (ADC channel) is dead.
    public var deadColumnRate: Double = 0
    /// Tile-local indices of dead rows.
    public var deadRows: [Int] = []
    /// Tile-local indices of dead columns (ADC channels).
    public var deadColumns: [Int] = []

    public init() {}

    /// True when a fault is drawn at programming (levels are applied by the mapping).
    public var drawsFaults: Bool {
        stuckAtGMax > 0 || stuckAtGMin > 0 || deadRowRate > 0 || deadColumnRate > 0 || !deadRows.isEmpty
            || !deadColumns.isEmpty
    }

    /// Checks ranges. - Throws: `CrossbarError` naming the key.
    public func validate() throws {
        for (name, v) in [("stuck_at_g_max", stuckAtGMax), ("stuck_at_g_min", stuckAtGMin), ("dead_row_rate", deadRowRate), ("dead_column_rate", deadColumnRate)] {
            guard v >= 0, v <= 1 else { throw CrossbarError("faults.\(name) = \(v) must be a fraction in [0, 1]") }
        }
        guard stuckAtGMax + stuckAtGMin <= 1 else {
            throw CrossbarError("faults.stuck_at_g_max + faults.stuck_at_g_min = \(stuckAtGMax + stuckAtGMin) must be ≤ 1 (the sets are disjoint)")
        }
        guard gMaxSpread >= 0, gMaxSpread.isFinite else { throw CrossbarError("faults.g_max_spread = \(gMaxSpread) must be ≥ 0") }
        guard conductanceLevels == 0 || (2...65536).contains(conductanceLevels) else {
            throw CrossbarError("device.conductance_levels = \(conductanceLevels) must be 0 (continuous) or 2…65536")
        }
        if let bad = (deadRows + deadColumns).first(where: { $0 < 0 }) {
            throw CrossbarError("faults.dead_rows / dead_columns hold \(bad): indices must be ≥ 0")
        }
    }

    /// Targets scaled by each device's gMax factor γ (stream `stream` of `seed`); the
    /// targets themselves when there is no spread.
    func spreadTargets(_ targets: [Float], gMin: Float, seed: UInt64, stream: [UInt64]) -> [Float] {
        if gMaxSpread == 0 || targets.isEmpty { return targets }
        var rng = Xoshiro256(seed: seed, stream: stream)
        var z = [Float](repeating: 0, count: targets.count)
        z.withUnsafeMutableBufferPointer { rng.fillGaussian($0) }
        return targets.indices.map { i in gMin + (targets[i] - gMin) * max(0, 1 + gMaxSpread * z[i]) }
    }

    /// Dead tile rows and channels of tile `tile` (explicit indices plus the drawn ones).
    func deadSets(rows: Int, channels: Int, seed: UInt64, tile: UInt64) -> (rows: Set<Int>, channels: Set<Int>) {
        var r = Set(deadRows.filter { $0 < rows }), c = Set(deadColumns.filter { $0 < channels })
        if deadRowRate > 0 {
            var g = Xoshiro256(seed: seed, .faults, tile, 4)
            for i in 0..<rows where Double(g.nextUniform()) < deadRowRate { r.insert(i) }
        }
        if deadColumnRate > 0 {
            var g = Xoshiro256(seed: seed, .faults, tile, 5)
            for j in 0..<channels where Double(g.nextUniform()) < deadColumnRate { c.insert(j) }
        }
        return (r, c)
    }

    /// Applies stuck-at and dead devices to the programmed conductances of one tile.
    /// `plus` is `[channels × rows]`; `minus` follows `mapping.minusDevices`.
    func apply(
        to mapping: TileMapping, plus: inout [Float], nuPlus: inout [Float], minus: inout [Float], nuMinus: inout [Float],
        gMax: Float, gMin: Float, seed: UInt64, tile: UInt64
    ) {
        guard drawsFaults else { return }
        let rows = mapping.rows, channels = mapping.channels
        if stuckAtGMax > 0 || stuckAtGMin > 0 {
            func stick(_ g: inout [Float], _ nu: inout [Float], _ stream: UInt64) {
                var rng = Xoshiro256(seed: seed, .faults, tile, stream)
                for i in g.indices {
                    let u = Double(rng.nextUniform())
                    if u < stuckAtGMax {
                        g[i] = gMax
                        nu[i] = 0
                    } else if u < stuckAtGMax + stuckAtGMin {
                        g[i] = gMin
                        nu[i] = 0
                    }
                }
            }
            stick(&plus, &nuPlus, 0)
            stick(&minus, &nuMinus, 1)
        }
        let dead = deadSets(rows: rows, channels: channels, seed: seed, tile: tile)
        if dead.rows.isEmpty && dead.channels.isEmpty { return }
        for ch in 0..<channels {
            for i in 0..<rows where dead.channels.contains(ch) || dead.rows.contains(i) {
                plus[ch * rows + i] = 0
                nuPlus[ch * rows + i] = 0
                if mapping.minusDevices == .pair {
                    minus[ch * rows + i] = 0
                    nuMinus[ch * rows + i] = 0
                }
            }
        }
        if mapping.minusDevices == .reference {
            for m in 0..<(minus.count / max(rows, 1)) {
                for i in dead.rows {
                    minus[m * rows + i] = 0
                    nuMinus[m * rows + i] = 0
                }
            }
        }
    }
}

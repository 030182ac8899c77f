import NumericKernels

/// A ramp (single-slope) ADC with capacitor mismatch and comparator offsets
/// (`ADCCircuitParameters`; Spear et al. 2023, CrossSim's `RampADC`): one CDAC per tile
/// steps a ramp through the levels t(1), t(2), … (`CapacitorLadder`) while a counter runs;
/// each channel's comparator stops its counter at the first step above its input plus
/// offset, code = (first c with t(c) > v + o) − 1. Mismatch makes the steps unequal; a
/// ramp step that falls below the previous one is skipped over by the counter. Without
/// mismatch and offset it is the uniform quantiser of `Quantizer` except at exact ties,
/// which it rounds up.
public struct RampConverter: OutputConverter {
    let ladder: CapacitorLadder
    /// Running maximum of the ramp, max_{c' ≤ c} t(c'), for the binary search of the stop.
    let ramp: [Float]
    let offsets: [Float]

    /// The converter of one tile with `channels` comparators.
    public init(_ q: Quantizer, _ p: ADCCircuitParameters, channels: Int, rng: inout Xoshiro256) {
        ladder = CapacitorLadder(q, capacitorMismatch: p.capacitorMismatch, rng: &rng)
        var running = -Float.infinity
        ramp = ladder.thresholds.enumerated().map { c, t in
            if c > 0 { running = max(running, t) }
            return c == 0 ? -.infinity : running
        }
        offsets = CapacitorLadder.comparatorOffsets(channels, p, q, rng: &rng)
    }

    public var isIdeal: Bool { false }

    public func digitise(
        _ src: UnsafePointer<Float>, noise: UnsafePointer<Float>?, sigma: Float, _ dst: UnsafeMutablePointer<Float>,
        count: Int, firstChannel: Int
    ) -> (clipped: Int, zeroed: Int) {
        var clipped = 0, zeroed = 0
        let last = min(ladder.levels, ramp.count) - 1
        for j in 0..<count {
            let v = noise.map { src[j] + sigma * $0[j] } ?? src[j]
            let compared = v + offsets[firstChannel + j]
            // The counter stops at the first step whose running maximum exceeds the input:
            // code = number of steps 1…last at or below it.
            var lo = 0, hi = last
            while lo < hi {
                let mid = (lo + hi + 1) / 2
                if ramp[mid] <= compared { lo = mid } else { hi = mid - 1 }
            }
            let (q, c, z) = ladder.output(code: lo, input: v)
            dst[j] = q
            clipped += c
            zeroed += z
        }
        return (clipped, zeroed)
    }
}

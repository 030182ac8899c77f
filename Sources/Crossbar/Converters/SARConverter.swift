import NumericKernels

/// A successive-approximation (SAR) ADC with capacitor mismatch and comparator offset
/// (`ADCCircuitParameters`; Spear et al. 2023, CrossSim's `SarADC`): each converter
/// searches the code bit by bit from the MSB, keeping bit i when the input plus its
/// comparator offset reaches the CDAC level of the trial code, v + o ≥ t(code | 2^i)
/// (`CapacitorLadder`). Mismatch makes the steps unequal (DNL, INL, missing codes where
/// the ladder is not monotonic). Without mismatch and offset it is the uniform quantiser
/// of `Quantizer` except at exact ties, which it rounds up.
///
/// `channelsPerConverter` adjacent channels share one converter (its CDAC and
/// comparator); converters are drawn per tile when the chip is made
/// (`RandomStream.adcCircuit`), so every evaluation time of a programming sees the same
/// converters.
public struct SARConverter: OutputConverter {
    let ladders: [CapacitorLadder]
    let offsets: [Float]
    let channelsPerConverter: Int
    let bits: Int

    /// The converters of one tile with `channels` ADC channels.
    public init(_ q: Quantizer, _ p: ADCCircuitParameters, channels: Int, rng: inout Xoshiro256) {
        let count = (channels + p.channelsPerConverter - 1) / p.channelsPerConverter
        var ladders: [CapacitorLadder] = []
        for _ in 0..<count { ladders.append(CapacitorLadder(q, capacitorMismatch: p.capacitorMismatch, rng: &rng)) }
        self.ladders = ladders
        offsets = CapacitorLadder.comparatorOffsets(count, p, q, rng: &rng)
        channelsPerConverter = p.channelsPerConverter
        bits = q.bits
    }

    public var isIdeal: Bool { false }

    public func digitise(
        _ src: UnsafePointer<Float>, noise: UnsafePointer<Float>?, sigma: Float, _ dst: UnsafeMutablePointer<Float>,
        count: Int, firstChannel: Int
    ) -> (clipped: Int, zeroed: Int) {
        var clipped = 0, zeroed = 0
        for j in 0..<count {
            let converter = (firstChannel + j) / channelsPerConverter
            let ladder = ladders[converter]
            let v = noise.map { src[j] + sigma * $0[j] } ?? src[j]
            let compared = v + offsets[converter]
            var code = 0
            for i in stride(from: bits - 1, through: 0, by: -1) {
                let trial = code | (1 << i)
                if compared >= ladder.thresholds[trial] { code = trial }
            }
            let (q, c, z) = ladder.output(code: code, input: v)
            dst[j] = q
            clipped += c
            zeroed += z
        }
        return (clipped, zeroed)
    }
}

import NumericKernels

/// Non-idealities of an ADC circuit built on a binary-weighted capacitive DAC (CDAC) and
/// comparators: the SAR and ramp converters (`SARConverter`, `RampConverter`).
///
/// After M. Spear, J. E. Kim, C. H. Bennett, S. Agarwal, M. J. Marinella, T. P. Xiao, "The
/// Impact of Analog-to-Digital Converter Architecture and Variability on Analog Neural
/// Network Accuracy", IEEE J. Exploratory Solid-State Computational Devices and Circuits
/// (2023), the models of Sandia's CrossSim (`simulator/circuits/adc`): capacitor i of the
/// CDAC is C_i = 2^i + σ_C·2^(i/2)·N(0, 1) unit capacitors (mismatch grows with the square
/// root of the area, Pelgrom's law), and each comparator has an input offset N(0, σ_o²).
/// Here the offset is in LSBs of the converter (CrossSim: a fraction of the reference
/// voltage). Parameters and their sources: `Circuits/converters/`.
public struct ADCCircuitParameters: Sendable, Equatable, Codable {
    /// σ_C of the unit capacitor's mismatch, relative to the unit capacitance (≥ 0).
    public var capacitorMismatch: Float = 0
    /// σ_o of the comparator input offset, in LSBs of the converter (≥ 0).
    public var comparatorOffset: Float = 0
    /// SAR: ADC channels that share one converter (its CDAC and comparator), ≥ 1. The ramp
    /// converter shares one ramp per tile and has a comparator per channel.
    public var channelsPerConverter: Int = 1

    public init(capacitorMismatch: Float = 0, comparatorOffset: Float = 0, channelsPerConverter: Int = 1) {
        self.capacitorMismatch = capacitorMismatch
        self.comparatorOffset = comparatorOffset
        self.channelsPerConverter = channelsPerConverter
    }

    /// - Throws: `CrossbarError` naming the parameter and its range.
    func validate(bits: Int) throws {
        guard capacitorMismatch >= 0, capacitorMismatch.isFinite, capacitorMismatch <= 10 else {
            throw CrossbarError("adc.capacitor_mismatch = \(capacitorMismatch) must be in [0, 10] (σ of the unit capacitor)")
        }
        guard comparatorOffset >= 0, comparatorOffset.isFinite, comparatorOffset <= 1e6 else {
            throw CrossbarError("adc.comparator_offset = \(comparatorOffset) must be a finite σ ≥ 0 in LSBs")
        }
        guard channelsPerConverter >= 1 else {
            throw CrossbarError("adc.channels_per_converter = \(channelsPerConverter) must be ≥ 1")
        }
        guard (1...16).contains(bits) else {
            throw CrossbarError("adc.bits = \(bits): the SAR and ramp circuit models need 1…16 bits (their code tables have 2^bits entries)")
        }
    }
}

/// The decision thresholds of a converter whose reference levels come from a mismatched
/// binary-weighted CDAC: code c ∈ 0..<L of a quantiser with levels (lowest + c)·Δ is
/// entered at t(c) = (lowest − ½)·Δ + Δ·(2^N − 1)·Σ_i bit_i(c)·C_i / Σ_i C_i (the CDAC's
/// charge-sharing ratio), which is the ideal (lowest + c − ½)·Δ without mismatch.
struct CapacitorLadder: Sendable {
    /// t(c) for c in 0..<2^N (t(0) is unused).
    let thresholds: [Float]
    /// Codes with a level: 2^N − 1 for a signed converter, 2^N unsigned.
    let levels: Int
    let quantizer: Quantizer

    /// A ladder with capacitor mismatch σ_C drawn from `rng`.
    init(_ q: Quantizer, capacitorMismatch: Float, rng: inout Xoshiro256) {
        let n = q.bits
        var z = [Float](repeating: 0, count: n)
        if capacitorMismatch > 0 { z.withUnsafeMutableBufferPointer { rng.fillGaussian($0) } }
        let c = (0..<n).map { Double(1 << $0) + Double(capacitorMismatch) * Double(z[$0]) * Double(1 << $0).squareRoot() }
        let total = c.reduce(0, +)
        let span = Double((1 << n) - 1)
        let step = Double(q.step), base = (Double(q.lowestIndex) - 0.5) * step
        thresholds = (0..<(1 << n)).map { code in
            var s = 0.0
            for i in 0..<n where (code >> i) & 1 == 1 { s += c[i] }
            return Float(base + step * span * s / total)
        }
        levels = Int(q.highestIndex - q.lowestIndex) + 1
        quantizer = q
    }

    /// `count` comparator input offsets σ_o·Δ·N(0, 1) (all 0 when σ_o = 0, drawing nothing).
    static func comparatorOffsets(_ count: Int, _ p: ADCCircuitParameters, _ q: Quantizer, rng: inout Xoshiro256) -> [Float] {
        var z = [Float](repeating: 0, count: count)
        if p.comparatorOffset > 0 { z.withUnsafeMutableBufferPointer { rng.fillGaussian($0) } }
        return z.map { $0 * p.comparatorOffset * q.step }
    }

    /// The converter's output for `code` (clamped to the last level), the clip and zero
    /// counts of input `v`.
    func output(code: Int, input v: Float) -> (value: Float, clipped: Int, zeroed: Int) {
        let q = (quantizer.lowestIndex + Float(min(code, levels - 1))) * quantizer.step
        return (q, quantizer.clips(v) ? 1 : 0, q == 0 && v != 0 ? 1 : 0)
    }
}

import Foundation

/// Energy of one ADC conversion as a function of its resolution.
public enum ADCEnergyModel: Sendable, Equatable {
    /// Walden figure of merit: E(b) = FoM · 2^b, FoM in joules per conversion step
    /// (Walden, IEEE JSAC 1999; Murmann, "ADC Performance Survey").
    case walden(fom: Double)
    /// A table of energies (J) by resolution (bits, strictly increasing); between listed
    /// resolutions E is interpolated log-linearly (geometric mean at the midpoint).
    case table(bits: [Int], joules: [Double])

    /// Energy per conversion (J) at `bits` of resolution.
    /// - Throws: `EnergyError` for bits < 1, or bits outside a table's range.
    public func energy(bits: Int) throws -> Double {
        guard bits >= 1 else {
            throw EnergyError("ADC energy needs a resolution of at least 1 bit (got \(bits); an ideal 0-bit ADC has no energy model)")
        }
        switch self {
        case .walden(let fom):
            return fom * pow(2, Double(bits))
        case .table(let b, let e):
            guard let lo = b.first, let hi = b.last, b.count == e.count else {
                throw EnergyError("ADC energy table is empty or its bits (\(b.count)) and energies (\(e.count)) differ in length")
            }
            guard bits >= lo && bits <= hi else {
                throw EnergyError("ADC resolution \(bits) b lies outside the energy table's \(lo)…\(hi) b")
            }
            if let i = b.firstIndex(of: bits) { return e[i] }
            let j = b.firstIndex { $0 > bits }!
            let f = Double(bits - b[j - 1]) / Double(b[j] - b[j - 1])
            return exp(log(e[j - 1]) * (1 - f) + log(e[j]) * f)
        }
    }

    /// Checks the parameters.
    /// - Throws: `EnergyError` naming the bad value.
    public func validate() throws {
        switch self {
        case .walden(let fom):
            guard fom > 0, fom.isFinite else { throw EnergyError("ADC Walden figure of merit = \(fom) J/step must be > 0") }
        case .table(let b, let e):
            guard !b.isEmpty, b.count == e.count else {
                throw EnergyError("ADC energy table needs as many energies as bits (bits \(b), energies \(e))")
            }
            guard zip(b, b.dropFirst()).allSatisfy({ $0 < $1 }), b[0] >= 1 else {
                throw EnergyError("ADC energy table bits \(b) must be ≥ 1 and strictly increasing")
            }
            guard e.allSatisfy({ $0 > 0 && $0.isFinite }) else { throw EnergyError("ADC energy table energies \(e) must all be > 0 J") }
        }
    }
}

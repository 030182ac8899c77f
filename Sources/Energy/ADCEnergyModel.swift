import Foundation

/// Energy and time of one ADC conversion as functions of its resolution N (bits) and its
/// architecture (`energy.adc.model`).
///
/// The architecture models derive the conversion time from the bits, so a 9-bit converter
/// takes longer than an 8-bit one of the same design:
/// - `sar`: N + 1 clock cycles (sample, then one bit per cycle), t = (N + 1)·t_clk, drawing
///   P(N) = a·N + b while it converts: E = (N + 1)·t_clk·(a·N + b) (the form of the SAR model
///   of DNN+NeuroSim V1.4, `SarADC.cpp`, without its column-resistance term);
/// - `ramp`: a counting converter (single-slope ramp, or the current-controlled oscillator
///   and counter of HERMES, Khaddam-Aljameh et al., JSSC 2022) counts up to 2^N LSB periods,
///   t = 2^N·t_LSB, drawing P_active throughout: E = P_active·2^N·t_LSB;
/// - `flash`: 2^N − 1 comparators fire once per conversion in one clock: E = (2^N − 1)·E_cmp,
///   t = t_clk (Walden, IEEE JSAC 17, 539, 1999, for the comparator count);
/// - `walden`: E = FoM·2^N, the conversion time set separately (Walden 1999; Murmann, "ADC
///   Performance Survey");
/// - `table`: energies by resolution, log-linear between entries, the time set separately.
public enum ADCEnergyModel: Sendable, Equatable {
    /// E = FoM · 2^N; FoM in joules per conversion step.
    case walden(fom: Double)
    /// A table of energies (J) by resolution (bits, strictly increasing); between listed
    /// resolutions E is interpolated log-linearly (geometric mean at the midpoint).
    case table(bits: [Int], joules: [Double])
    /// Successive approximation: power a·N + b (W; `powerPerBit` a, `powerOffset` b) for
    /// (N + 1) cycles of `clockPeriod` (s).
    case sar(powerPerBit: Double, powerOffset: Double, clockPeriod: Double)
    /// Counting (ramp or CCO) converter: `activePower` (W) for 2^N periods of `lsbTime` (s).
    case ramp(activePower: Double, lsbTime: Double)
    /// Flash: 2^N − 1 comparators of `comparatorEnergy` (J) each, one `clockPeriod` (s).
    case flash(comparatorEnergy: Double, clockPeriod: Double)

    /// Energy per conversion (J) at `bits` of resolution.
    /// - Throws: `EnergyError` for bits < 1, or bits outside a table's range.
    public func energy(bits: Int) throws -> Double {
        guard bits >= 1 else {
            throw EnergyError("ADC energy needs a resolution of at least 1 bit (got \(bits); an ideal 0-bit ADC has no energy model)")
        }
        let n = Double(bits)
        switch self {
        case .walden(let fom):
            return fom * pow(2, n)
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
        case .sar(let a, let b, let t):
            return (n + 1) * t * (a * n + b)
        case .ramp(let p, let t):
            return p * pow(2, n) * t
        case .flash(let e, _):
            return (pow(2, n) - 1) * e
        }
    }

    /// Conversion time (s) at `bits`, for the architectures that derive it (`sar`, `ramp`,
    /// `flash`); nil for `walden` and `table`, whose time is a separate constant.
    public func conversionTime(bits: Int) -> Double? {
        let n = Double(max(bits, 1))
        switch self {
        case .walden, .table: return nil
        case .sar(_, _, let t): return (n + 1) * t
        case .ramp(_, let t): return pow(2, n) * t
        case .flash(_, let t): return t
        }
    }

    /// The configuration name of the architecture (`energy.adc.model`).
    public var name: String {
        switch self {
        case .walden: return "walden"
        case .table: return "table"
        case .sar: return "sar"
        case .ramp: return "ramp"
        case .flash: return "flash"
        }
    }

    /// Checks the parameters.
    /// - Throws: `EnergyError` naming the bad value.
    public func validate() throws {
        func positive(_ v: Double, _ n: String) throws {
            guard v > 0, v.isFinite else { throw EnergyError("energy.adc.\(n) = \(v) must be > 0") }
        }
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
        case .sar(let a, let b, let t):
            guard a >= 0, a.isFinite else { throw EnergyError("energy.adc.power_per_bit = \(a) W must be ≥ 0") }
            try positive(b, "power_offset")
            try positive(t, "clock_period")
        case .ramp(let p, let t):
            try positive(p, "active_power")
            try positive(t, "lsb_time")
        case .flash(let e, let t):
            try positive(e, "comparator_energy")
            try positive(t, "clock_period")
        }
    }
}

import Foundation

/// CMOS energy scaling between technology nodes from published fits: A. Stillmaker and
/// B. Baas, "Scaling equations for the accurate prediction of CMOS device performance from
/// 180 nm to 7 nm", Integration 58, 74–81 (2017). For each node they fit the energy of a
/// circuit against the supply as E(V) ∝ a·V² + b·V + c (coefficients per node, 130 nm … 7 nm,
/// normalised so that one circuit compares across nodes); the factor from node 1 at V₁ to
/// node 2 at V₂ is E₂(V₂) / E₁(V₁). Between tabulated nodes E is interpolated linearly in
/// ln(node). Linear capacitance scaling (energy ∝ node·V²), the rule used before, is close
/// above 32 nm and too high below 22 nm (at 14 nm and 0.8 V from 45 nm and 0.9 V it gives
/// 0.246 against the fit's 0.114).
public enum NodeScaling {
    /// (node in nm, a, b, c) of E(V) = a·V² + b·V + c, Stillmaker & Baas (2017) (the
    /// coefficients as tabulated in CiMLoop's technology-scaling table, which cites them).
    public static let fits: [(nm: Double, a: Double, b: Double, c: Double)] = [
        (130, 7.171, -6.709, 2.904),
        (90, 4.762, -4.781, 2.092),
        (65, 3.755, -4.398, 1.975),
        (45, 1.103, -0.362, 0.2767),
        (32, 0.9559, -0.7823, 0.471),
        (20, 0.373, -0.1582, 0.04104),
        (16, 0.2958, -0.1241, 0.03024),
        (14, 0.2363, -0.09675, 0.02239),
        (10, 0.2068, -0.09311, 0.02375),
        (7, 0.1776, -0.09097, 0.02447),
    ]

    /// E(V) of one circuit at `node` nm and supply `vdd` V, in the fit's relative units.
    /// - Throws: `EnergyError` for a node outside 7…130 nm or a supply outside 0.4…1.5 V
    ///   (the range of the fits).
    public static func relativeEnergy(nodeNanometres node: Double, vdd: Double) throws -> Double {
        guard node.isFinite, node >= 7, node <= 130 else {
            throw EnergyError("technology node \(node) nm is outside the 7…130 nm of the Stillmaker & Baas fits")
        }
        guard vdd.isFinite, vdd >= 0.4, vdd <= 1.5 else {
            throw EnergyError("supply \(vdd) V is outside the 0.4…1.5 V of the Stillmaker & Baas fits")
        }
        func e(_ f: (nm: Double, a: Double, b: Double, c: Double)) -> Double { f.a * vdd * vdd + f.b * vdd + f.c }
        if let exact = fits.first(where: { $0.nm == node }) { return e(exact) }
        let upper = fits.last { $0.nm > node }!, lower = fits.first { $0.nm < node }!
        let w = (log(node) - log(lower.nm)) / (log(upper.nm) - log(lower.nm))
        return (1 - w) * e(lower) + w * e(upper)
    }

    /// The factor that takes an energy at node `from` (nm) and supply `fromVdd` (V) to node
    /// `to` and supply `toVdd`. - Throws: `EnergyError` outside the fits' range.
    public static func energyFactor(from: Double, fromVdd: Double, to: Double, toVdd: Double) throws -> Double {
        try relativeEnergy(nodeNanometres: to, vdd: toVdd) / relativeEnergy(nodeNanometres: from, vdd: fromVdd)
    }
}

import Foundation
import NumericKernels

/// How an expert's sensitivity to analogue non-idealities is scored, highest first to go
/// digital (`PlacementPolicy.expertsDigitalFraction`).
public enum ExpertScore: String, Sendable, CaseIterable, Codable {
    /// max over the expert's hidden neurons j of ‖W₁[j, :]‖₂, the L2 norm of row j of its
    /// fc1 weight `[hidden × dim]` (the input weights of neuron j). The "maximum neuron
    /// norm" by which Chowdhury, Tsai, Burr, El Maghraoui, Liu and Wang, "Robust
    /// heterogeneous analog-digital computing for mixture-of-experts models with theoretical
    /// generalization guarantees", arXiv:2603.02633 (2026), identify the noise-sensitive
    /// experts to compute digitally (abstract; running the top 12.5–25 % digitally recovers
    /// most of the analogue loss without retraining). Only the abstract was available to
    /// us: the neuron norm is taken here over fc1's rows, the hidden neurons' input weights
    /// (the paper's exact normalisation, if any, is not reproduced).
    case maxNeuronNorm = "max_neuron_norm"
    /// √(‖W₁‖²_F + ‖W₂‖²_F): the Frobenius norm of both of the expert's matrices (a
    /// whole-expert magnitude, for comparison).
    case frobeniusNorm = "frobenius_norm"

    /// The score of `expert` (Double accumulation, so the ranking is exact for Float weights
    /// of moderate size).
    public func score(_ expert: ExpertMLP) -> Double {
        switch self {
        case .maxNeuronNorm:
            let w = expert.fc1.weight
            var best = 0.0
            w.values.withUnsafeBufferPointer { p in
                for j in 0..<w.rows {
                    var s = 0.0
                    for k in 0..<w.columns {
                        let v = Double(p[j * w.columns + k])
                        s += v * v
                    }
                    best = max(best, s)
                }
            }
            return best.squareRoot()
        case .frobeniusNorm:
            let s = (expert.fc1.weight.values + expert.fc2.weight.values).reduce(0.0) { $0 + Double($1) * Double($1) }
            return s.squareRoot()
        }
    }
}

/// Which weighted matrices of a transformer run digitally (`network.placement.*` of an
/// experiment): a fraction of each mixture-of-experts layer's experts chosen by a
/// sensitivity score, and optionally every attention projection and every router. Applied
/// to a trained network before it is mapped (`AnalogSequentialNetwork`), so placement needs
/// no retraining. A matrix the policy leaves alone keeps the placement of the architecture
/// file (`placement:` of a layer).
public struct PlacementPolicy: Sendable, Equatable {
    /// p ∈ [0, 1]: in every mixture-of-experts layer of E experts, the ⌈p·E⌉ experts with the
    /// highest `score` (ties: the lower index first) get both matrices placed digitally;
    /// the rest keep their placement. Nil: experts keep the architecture's placement.
    /// ⌈·⌉ rounds up, so any p > 0 moves at least one expert (p = 0.125 of 8 experts: 1;
    /// of 6: ⌈0.75⌉ = 1); p·E is computed in Double and a product within 1e-9 of an integer
    /// counts as that integer (0.3·10 is 3, not 4).
    public var expertsDigitalFraction: Double?
    public var score: ExpertScore = .maxNeuronNorm
    /// Placement of every attention layer's qkv and proj matrices; nil: as in the architecture.
    public var attention: Placement?
    /// Placement of every mixture-of-experts router; nil: as in the architecture.
    public var router: Placement?

    public init(expertsDigitalFraction: Double? = nil, score: ExpertScore = .maxNeuronNorm, attention: Placement? = nil, router: Placement? = nil) {
        precondition(expertsDigitalFraction.map { $0 >= 0 && $0 <= 1 } ?? true, "experts digital fraction must be in [0, 1]")
        self.expertsDigitalFraction = expertsDigitalFraction
        self.score = score
        self.attention = attention
        self.router = router
    }

    /// Whether the policy changes nothing.
    public var isEmpty: Bool { expertsDigitalFraction == nil && attention == nil && router == nil }

    /// ⌈p·E⌉ (see `expertsDigitalFraction`).
    public static func digitalExpertCount(fraction p: Double, experts e: Int) -> Int {
        let x = p * Double(e)
        let r = x.rounded()
        return min(e, max(0, abs(x - r) < 1e-9 ? Int(r) : Int(x.rounded(.up))))
    }

    /// The indices of the `count` experts with the highest scores, in increasing index
    /// order (ties: the lower index first).
    public static func highestScoring(_ scores: [Double], count: Int) -> [Int] {
        let order = scores.indices.sorted { scores[$0] != scores[$1] ? scores[$0] > scores[$1] : $0 < $1 }
        return order.prefix(count).sorted()
    }

    /// Per mixture-of-experts layer (depth first), the experts placed digitally by
    /// `expertsDigitalFraction` (empty lists when it is nil).
    public func digitalExperts(_ network: SequentialNetwork) -> [[Int]] {
        var out: [[Int]] = []
        func walk(_ layers: [Layer]) {
            for l in layers {
                switch l {
                case .mixtureOfExperts(let m):
                    guard let p = expertsDigitalFraction else {
                        out.append([])
                        continue
                    }
                    out.append(Self.highestScoring(m.experts.map(score.score), count: Self.digitalExpertCount(fraction: p, experts: m.experts.count)))
                case .residual(let r):
                    walk(r.body)
                    walk(r.shortcut)
                default: break
                }
            }
        }
        walk(network.layers)
        return out
    }

    /// `network` with the policy's placements.
    public func apply(to network: SequentialNetwork) -> SequentialNetwork {
        if isEmpty { return network }
        var chosen = digitalExperts(network)[...]
        return network.mappingLayers { l in
            switch l {
            case .attention(var a):
                if let p = attention {
                    a.qkv.placement = p
                    a.proj.placement = p
                }
                return .attention(a)
            case .mixtureOfExperts(var m):
                if let p = router { m.router.placement = p }
                for e in chosen.removeFirst() {
                    m.experts[e].fc1.placement = .digital
                    m.experts[e].fc2.placement = .digital
                }
                return .mixtureOfExperts(m)
            default: return l
            }
        }
    }
}

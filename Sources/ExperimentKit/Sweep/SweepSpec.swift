import Foundation
import NumericKernels

/// One swept key and its values (YAML text, e.g. `"8"`, `"pcm"`, `"[1, 3600]"`).
public struct SweepAxis: Equatable, Sendable {
    /// A documented config key (`hardware.adc.bits`), or the alias `device`, which loads
    /// `Circuits/devices/<value>.yaml` into `hardware.device`.
    public let key: String
    public let values: [String]
    public init(key: String, values: [String]) {
        self.key = key
        self.values = values
    }
}

/// A sweep: a grid over independent axes, and groups of linked axes whose values vary
/// together (the i-th value of every axis of a group belongs to the same point). Groups
/// and independent axes combine as a grid, the first axis varying slowest.
///
/// In an experiment file:
/// ```yaml
/// sweep:
///   grid:
///     hardware.adc.bits: [4, 6, 8, 10]
///     device: [pcm, ideal]
///   linked:
///     - {hardware.dac.bits: [4, 6, 8], hardware.adc.bits: [6, 8, 10]}
/// ```
/// Values are lists, comma-separated strings, or ranges `start:stop:step` (stop included
/// when it lies on the grid).
public struct SweepSpec: Equatable, Sendable {
    public var grid: [SweepAxis] = []
    public var linked: [[SweepAxis]] = []
    public init(grid: [SweepAxis] = [], linked: [[SweepAxis]] = []) {
        self.grid = grid
        self.linked = linked
    }

    /// Every axis key, in order (grid axes, then linked ones).
    public var keys: [String] { grid.map(\.key) + linked.flatMap { $0.map(\.key) } }

    public var isEmpty: Bool { grid.isEmpty && linked.isEmpty }

    /// Most points a sweep may have (each is validated and held before any runs).
    public static let maxPoints = 100_000

    /// How many points `points()` gives, without building them (`Int.max` on overflow).
    public func pointCount() -> Int {
        if isEmpty { return 0 }
        return MemoryBudget.product(grid.map(\.values.count) + linked.map { $0.first?.values.count ?? 0 })
    }

    /// Checks the point count against `maxPoints` and the memory limit.
    /// - Throws: `ConfigError` naming the axes and their sizes.
    public func checkSize() throws {
        let n = pointCount()
        let sizes = (grid.map { "\($0.key) (\($0.values.count))" } + linked.map { g in g.map(\.key).joined(separator: "+") + " (\(g.first?.values.count ?? 0), linked)" })
            .joined(separator: " × ")
        guard n <= SweepSpec.maxPoints else {
            throw ConfigError("sweep grid \(Clip.middle(sizes, 400)) has \(n == Int.max ? "more than 9.2e18" : String(n)) points; at most \(SweepSpec.maxPoints) are allowed (split it into several sweeps)")
        }
        do {
            try MemoryBudget.check(MemoryBudget.product(n, MemoryEstimate.bytesPerSweepPoint), "sweep grid \(sizes) of \(n) points")
        } catch let e as ResourceLimitError {
            throw ConfigError(e.message)
        }
    }

    /// The points: for each, the `(key, value)` pairs it sets, in `keys` order.
    public func points() -> [[(key: String, value: String)]] {
        // Each dimension is a list of assignments (one per value).
        var dims: [[[(key: String, value: String)]]] = grid.map { a in a.values.map { [(a.key, $0)] } }
        for group in linked {
            let n = group.first?.values.count ?? 0
            dims.append((0..<n).map { i in group.map { ($0.key, $0.values[i]) } })
        }
        var out: [[(key: String, value: String)]] = [[]]
        for d in dims {
            var next: [[(key: String, value: String)]] = []
            for prefix in out { for a in d { next.append(prefix + a) } }
            out = next
        }
        return dims.isEmpty ? [] : out
    }

    /// Reads the `sweep:` section of an experiment file (nil when there is none).
    /// - Throws: `ConfigError` naming the file and the malformed entry.
    public static func load(path: String) throws -> SweepSpec? {
        let tree = try ConfigLoader.read(path)
        guard let node = tree.value(at: "sweep") else { return nil }
        guard case .mapping(let m, _) = node else { throw ConfigError("\(node.origin): sweep must be a mapping with grid and/or linked") }
        var spec = SweepSpec()
        for (k, v) in m {
            switch k {
            case "grid":
                guard case .mapping(let axes, _) = v else { throw ConfigError("\(v.origin): sweep.grid must map keys to value lists") }
                for (key, values) in axes { spec.grid.append(SweepAxis(key: key, values: try expand(values, key: key))) }
            case "linked":
                guard case .sequence(let groups, _) = v else { throw ConfigError("\(v.origin): sweep.linked must be a list of groups") }
                for g in groups {
                    guard case .mapping(let axes, _) = g else { throw ConfigError("\(g.origin): each sweep.linked group maps keys to value lists") }
                    spec.linked.append(try axes.map { SweepAxis(key: $0.key, values: try expand($0.value, key: $0.key)) })
                }
            case "slurm":
                continue  // sbatch options of --emit-slurm: SlurmOptions.load
            default:
                throw ConfigError("\(v.origin): unknown key 'sweep.\(k)' — the sweep section has grid, linked and slurm")
            }
        }
        try spec.checkShape(origin: node.origin.description)
        return spec
    }

    /// Builds a spec from the command line: each `--set key=v1,v2` is a grid axis, all
    /// `--link key=v1,v2` axes form one linked group. A `--set` with one value (or a YAML
    /// list in brackets) is a plain override, returned separately.
    public static func fromCommandLine(sets: [String], links: [String]) throws -> (spec: SweepSpec, overrides: [String]) {
        var spec = SweepSpec()
        var plain: [String] = []
        for s in sets {
            let (k, raw) = try split(s)
            let values = try expandText(raw, key: k, origin: "--set \(s)")
            if values.count == 1 { plain.append("\(k)=\(values[0])") } else { spec.grid.append(SweepAxis(key: k, values: values)) }
        }
        if !links.isEmpty {
            spec.linked.append(try links.map { s in
                let (k, raw) = try split(s)
                return SweepAxis(key: k, values: try expandText(raw, key: k, origin: "--link \(s)"))
            })
        }
        try spec.checkShape(origin: "command line")
        return (spec, plain)
    }

    /// Adds the axes of `other` (command-line axes replace file axes of the same key).
    public func merged(with other: SweepSpec) -> SweepSpec {
        let replaced = Set(other.keys)
        return SweepSpec(
            grid: grid.filter { !replaced.contains($0.key) } + other.grid,
            linked: linked.map { $0.filter { !replaced.contains($0.key) } }.filter { !$0.isEmpty } + other.linked)
    }

    func checkShape(origin: String) throws {
        var seen = Set<String>()
        for k in keys {
            if !seen.insert(k).inserted { throw ConfigError("\(origin): sweep axis '\(k)' appears twice") }
        }
        for a in grid where a.values.isEmpty { throw ConfigError("\(origin): sweep axis '\(a.key)' has no values") }
        for g in linked {
            let counts = Set(g.map(\.values.count))
            if counts.count > 1 || counts.first == 0 {
                throw ConfigError("\(origin): linked axes \(g.map(\.key).joined(separator: ", ")) must have the same, non-zero number of values (have \(g.map(\.values.count)))")
            }
        }
    }

    static func split(_ s: String) throws -> (String, String) {
        guard let eq = s.firstIndex(of: "="), eq != s.startIndex else {
            throw ConfigError("'\(s)': expected key=value[,value…], e.g. hardware.adc.bits=4,6,8")
        }
        return (String(s[..<eq]).trimmingCharacters(in: .whitespaces), String(s[s.index(after: eq)...]))
    }

    static func expand(_ node: ConfigNode, key: String) throws -> [String] {
        switch node {
        case .scalar(let s, let o): return try expandText(s, key: key, origin: o.description)
        case .sequence(let items, let o):
            return try items.flatMap { item -> [String] in
                switch item {
                case .scalar(let s, _): return try expandText(s, key: key, origin: o.description)
                default: return [item.yaml().trimmingCharacters(in: .whitespacesAndNewlines)]
                }
            }
        case .mapping(_, let o): throw ConfigError("\(o): sweep axis '\(key)' needs a list of values")
        }
    }

    /// `a,b,c`, `start:stop:step`, or a single value; a bracketed YAML list is one value.
    static func expandText(_ raw: String, key: String, origin: String) throws -> [String] {
        let t = raw.trimmingCharacters(in: .whitespaces)
        if t.hasPrefix("[") || t.hasPrefix("{") { return [t] }
        return try t.split(separator: ",", omittingEmptySubsequences: false).flatMap { part -> [String] in
            let p = part.trimmingCharacters(in: .whitespaces)
            if p.isEmpty { throw ConfigError("\(origin): empty value in the list for '\(key)'") }
            let r = p.split(separator: ":", omittingEmptySubsequences: false)
            if r.count == 3 {
                guard let a = Double(r[0]), let b = Double(r[1]), let st = Double(r[2]), st != 0, (b - a) / st >= 0 else {
                    throw ConfigError("\(origin): '\(p)' is not a valid range start:stop:step for '\(key)' (step ≠ 0, pointing from start to stop)")
                }
                let n = Int(((b - a) / st + 1e-9).rounded(.down))
                guard n <= 100_000 else { throw ConfigError("\(origin): range '\(p)' has \(n + 1) values; at most 100001") }
                let integral = [a, b, st].allSatisfy { $0 == $0.rounded() }
                return (0...n).map { i in
                    let v = a + Double(i) * st
                    return integral ? String(Int64(v)) : String(v)
                }
            }
            return [p]
        }
    }
}

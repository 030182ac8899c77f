import Foundation

/// The type and allowed values of one config key.
public enum KeyKind: Sendable {
    case integer(ClosedRange<Int>)
    /// 0 (the feature off or ideal) or an integer in the range (a converter's bits, a
    /// device's conductance levels: 1 has no meaning there).
    case integerOrZero(ClosedRange<Int>)
    case number(ClosedRange<Double>)
    case boolean
    case string
    case choice([String])
    case numberList(ClosedRange<Double>, count: ClosedRange<Int>)
    case integerList(ClosedRange<Int>, count: ClosedRange<Int>)
    case choiceList([String])
    case stringList

    /// Allowed values, for messages and docs.
    public var allowed: String {
        switch self {
        case .integer(let r): return "an integer in \(r.lowerBound)…\(r.upperBound)"
        case .integerOrZero(let r): return "0 or an integer in \(r.lowerBound)…\(r.upperBound)"
        case .number(let r): return "a number in [\(fmt(r.lowerBound)), \(fmt(r.upperBound))]"
        case .boolean: return "true or false"
        case .string: return "a string"
        case .choice(let c): return "one of " + c.joined(separator: ", ")
        case .numberList(let r, let n):
            return "a list of \(counts(n)) numbers in [\(fmt(r.lowerBound)), \(fmt(r.upperBound))]"
        case .integerList(let r, let n):
            return "a list of \(counts(n)) integers in \(r.lowerBound)…\(r.upperBound)"
        case .choiceList(let c): return "a non-empty list of " + c.joined(separator: ", ")
        case .stringList: return "a list of strings"
        }
    }

    private func counts(_ n: ClosedRange<Int>) -> String {
        n.lowerBound == n.upperBound ? "\(n.lowerBound)" : "\(n.lowerBound)…\(n.upperBound)"
    }
}

func fmt(_ x: Double) -> String {
    if x == x.rounded() && abs(x) < 1e15 { return String(Int64(x)) }
    return String(x)
}

/// One documented config key.
public struct KeySpec: Sendable {
    /// Dotted path, e.g. `hardware.adc.bits`.
    public let key: String
    public let kind: KeyKind
    /// Default, as YAML text ("" when there is none, meaning "derived").
    public let defaultValue: String
    /// One-line description, with units.
    public let doc: String
}

/// A typed value read from a config tree.
public enum ConfigValue: Equatable, Sendable {
    case integer(Int)
    case number(Double)
    case boolean(Bool)
    case string(String)
    case numbers([Double])
    case integers([Int])
    case strings([String])
}

/// The set of documented keys of a config file, with validation.
public struct Schema: Sendable {
    public let keys: [KeySpec]
    let byKey: [String: KeySpec]

    public init(_ keys: [KeySpec]) {
        self.keys = keys
        var d: [String: KeySpec] = [:]
        for k in keys { d[k.key] = k }
        byKey = d
    }

    public func spec(_ key: String) -> KeySpec? { byKey[key] }

    /// Checks every leaf of `tree`: the key exists and its value is allowed.
    /// - Throws: `ConfigError` naming file, line, key, value and allowed values, with a
    ///   "did you mean" suggestion for an unknown key.
    public func validate(_ tree: ConfigNode) throws {
        for (path, node) in tree.leaves() where !path.isEmpty {
            _ = try value(path, node)
        }
        try validateEmptySections(tree, prefix: "")
    }

    /// An empty mapping (`hardwar: {}`) has no leaves; its key must still be a section.
    func validateEmptySections(_ node: ConfigNode, prefix: String) throws {
        guard case .mapping(let m, _) = node else { return }
        for (k, v) in m {
            let path = prefix.isEmpty ? k : prefix + "." + k
            guard case .mapping(let inner, _) = v else { continue }
            if inner.isEmpty, byKey[path] == nil, !byKey.keys.contains(where: { $0.hasPrefix(path + ".") }) {
                _ = try value(path, v)  // throws "unknown key" with a suggestion
            }
            try validateEmptySections(v, prefix: path)
        }
    }

    /// The typed value of a leaf.
    public func value(_ path: String, _ node: ConfigNode) throws -> ConfigValue {
        guard let spec = byKey[path] else {
            if byKey.keys.contains(where: { $0.hasPrefix(path + ".") }) {
                throw ConfigError("\(node.origin): key '\(path)' is a section; give its keys (\(byKey.keys.filter { $0.hasPrefix(path + ".") }.sorted().prefix(6).joined(separator: ", ")))")
            }
            var msg = "\(node.origin): unknown key '\(path)'"
            if let moved = DeviceKeys.movedMessage(path) { throw ConfigError(msg + ": " + moved) }
            if let s = suggestion(for: path) { msg += " — did you mean '\(s)'?" }
            let listing = byKey["version"] == nil ? "`aimc keys --hardware` lists the hardware keys (no `hardware.` prefix here)" : "`aimc keys` lists them"
            throw ConfigError(msg + " (the keys are documented in Experiments/README.md; \(listing))")
        }
        return try Schema.parse(node, spec: spec)
    }

    func suggestion(for path: String) -> String? {
        var best: (String, Int)?
        for k in byKey.keys {
            let d = editDistance(k, path)
            if d <= max(3, path.count / 4), best == nil || d < best!.1 { best = (k, d) }
        }
        if let b = best { return b.0 }
        let last = path.split(separator: ".").last.map(String.init) ?? path
        return byKey.keys.sorted().first { $0.hasSuffix("." + last) }
    }

    static func parse(_ node: ConfigNode, spec: KeySpec) throws -> ConfigValue {
        func bad(_ shown: String) -> ConfigError {
            var m = "\(node.origin): \(spec.key) = \(shown) is not allowed: expected \(spec.kind.allowed)"
            let fraction = spec.key.contains("stuck_at_")
            if !fraction, spec.key.hasSuffix("g_max") || spec.key.hasSuffix("g_min") || spec.key.hasSuffix("reference_g_max"),
                case .scalar(let s, _) = node, let v = Double(s), v >= 1e-2
            {
                m += " — conductances are in siemens: did you mean \(s)e-6 (µS)?"
            }
            // A fraction of the devices, not a conductance: 1.5 or 20 is most likely a percentage.
            if fraction, case .scalar(let s, _) = node, let v = Double(s), v > 1, v <= 100 {
                m += " — \(spec.key.split(separator: ".").last ?? "") is a fraction of the devices, not a conductance: did you mean \(fmt(v / 100)) (\(s) %)?"
            }
            return ConfigError(m)
        }
        func shown(_ n: ConfigNode) -> String {
            switch n {
            case .scalar(let s, _): return s.isEmpty ? "''" : s
            default: return n.yaml().trimmingCharacters(in: .whitespacesAndNewlines)
            }
        }
        func scalar() throws -> String {
            guard case .scalar(let s, _) = node else { throw bad(shown(node)) }
            return s
        }
        func list() throws -> [String] {
            if case .sequence(let items, _) = node {
                return try items.map {
                    guard case .scalar(let s, _) = $0 else { throw bad(shown(node)) }
                    return s
                }
            }
            throw bad(shown(node))
        }
        switch spec.kind {
        case .integer(let r):
            let s = try scalar()
            guard let v = Int(s.replacingOccurrences(of: "_", with: "")), r.contains(v) else { throw bad(s) }
            return .integer(v)
        case .integerOrZero(let r):
            let s = try scalar()
            guard let v = Int(s.replacingOccurrences(of: "_", with: "")), v == 0 || r.contains(v) else { throw bad(s) }
            return .integer(v)
        case .number(let r):
            let s = try scalar()
            guard let v = parseNumber(s), v.isFinite, r.contains(v) else { throw bad(s) }
            return .number(v)
        case .boolean:
            let s = try scalar()
            switch s.lowercased() {
            case "true", "yes", "on": return .boolean(true)
            case "false", "no", "off": return .boolean(false)
            default: throw bad(s)
            }
        case .string:
            return .string(try scalar())
        case .choice(let c):
            let s = try scalar()
            guard c.contains(s) else { throw bad(s) }
            return .string(s)
        case .numberList(let r, let n):
            let items = try list()
            let vs = items.map { parseNumber($0) }
            guard n.contains(items.count), vs.allSatisfy({ $0 != nil && $0!.isFinite && r.contains($0!) }) else {
                throw bad(shown(node))
            }
            return .numbers(vs.map { $0! })
        case .integerList(let r, let n):
            let items = try list()
            let vs = items.map { Int($0) }
            guard n.contains(items.count), vs.allSatisfy({ $0 != nil && r.contains($0!) }) else { throw bad(shown(node)) }
            return .integers(vs.map { $0! })
        case .choiceList(let c):
            let items = try list()
            guard !items.isEmpty, items.allSatisfy({ c.contains($0) }), Set(items).count == items.count else {
                throw bad(shown(node))
            }
            return .strings(items)
        case .stringList:
            return .strings(try list())
        }
    }
}

/// Parses YAML-style numbers, including `1e-6`, `.5`, `1_000` and the time suffixes
/// `s`, `min`, `h`, `d`, `y` (365 days) used for evaluation times (`1d` = 86400).
public func parseNumber(_ raw: String) -> Double? {
    let s = raw.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: "_", with: "")
    if let v = Double(s) { return v }
    let units: [(String, Double)] = [("min", 60), ("s", 1), ("h", 3600), ("d", 86400), ("y", 31_536_000)]
    for (u, f) in units where s.hasSuffix(u) {
        if let v = Double(s.dropLast(u.count).trimmingCharacters(in: .whitespaces)) { return v * f }
    }
    return nil
}

/// Levenshtein distance, for "did you mean" suggestions.
func editDistance(_ a: String, _ b: String) -> Int {
    let x = Array(a), y = Array(b)
    if x.isEmpty { return y.count }
    if y.isEmpty { return x.count }
    var prev = Array(0...y.count)
    for i in 1...x.count {
        var cur = [i] + [Int](repeating: 0, count: y.count)
        for j in 1...y.count {
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (x[i - 1] == y[j - 1] ? 0 : 1))
        }
        prev = cur
    }
    return prev[y.count]
}

import Yams

/// A parsed YAML value of a config file, with where it came from.
public indirect enum ConfigNode: Equatable, Sendable {
    case scalar(String, Origin)
    case sequence([ConfigNode], Origin)
    case mapping([(key: String, value: ConfigNode)], Origin)

    /// Where a value was written: a file and line, or a command-line `--set`.
    public struct Origin: Equatable, Sendable, CustomStringConvertible {
        public var file: String
        public var line: Int?
        public init(file: String, line: Int? = nil) {
            self.file = file
            self.line = line
        }
        public var description: String { line.map { "\(file):\($0)" } ?? file }
    }

    public static func == (a: ConfigNode, b: ConfigNode) -> Bool {
        switch (a, b) {
        case let (.scalar(x, _), .scalar(y, _)): return x == y
        case let (.sequence(x, _), .sequence(y, _)): return x == y
        case let (.mapping(x, _), .mapping(y, _)):
            return x.count == y.count && zip(x, y).allSatisfy { $0.key == $1.key && $0.value == $1.value }
        default: return false
        }
    }

    public var origin: Origin {
        switch self {
        case .scalar(_, let o), .sequence(_, let o), .mapping(_, let o): return o
        }
    }

    /// Parses YAML text; `file` is used in messages.
    /// - Throws: `ConfigError` for malformed YAML or non-string keys.
    public static func parse(yaml: String, file: String) throws -> ConfigNode {
        try YAMLGuard.check(yaml, file: file)
        let node: Node?
        do {
            node = try Yams.compose(yaml: yaml)
        } catch {
            throw ConfigError("\(file): not valid YAML: \(error)")
        }
        guard let node else { return .mapping([], Origin(file: file)) }
        return try convert(node, file: file)
    }

    static func convert(_ n: Node, file: String) throws -> ConfigNode {
        let origin = Origin(file: file, line: n.mark.map { $0.line })
        switch n {
        case .scalar(let s):
            return .scalar(s.string, origin)
        case .sequence(let seq):
            return .sequence(try seq.map { try convert($0, file: file) }, origin)
        case .mapping(let m):
            var out: [(key: String, value: ConfigNode)] = []
            for (k, v) in m {
                guard case .scalar(let ks) = k else {
                    throw ConfigError("\(origin): mapping keys must be plain strings")
                }
                if out.contains(where: { $0.key == ks.string }) {
                    throw ConfigError("\(file):\(k.mark.map { String($0.line) } ?? "?"): key '\(ks.string)' appears twice")
                }
                out.append((ks.string, try convert(v, file: file)))
            }
            return .mapping(out, origin)
        }
    }

    /// The value at a dotted path, if present.
    public func value(at path: String) -> ConfigNode? {
        var node = self
        for part in path.split(separator: ".").map(String.init) {
            guard case .mapping(let m, _) = node, let v = m.first(where: { $0.key == part })?.value else { return nil }
            node = v
        }
        return node
    }

    /// Sets the value at a dotted path, creating mappings on the way.
    public mutating func set(_ path: [String], _ value: ConfigNode) {
        guard let head = path.first else {
            self = value
            return
        }
        guard case .mapping(var m, let o) = self else {
            self = .mapping([], value.origin)
            set(path, value)
            return
        }
        if let i = m.firstIndex(where: { $0.key == head }) {
            var child = m[i].value
            if path.count > 1, case .mapping = child {} else if path.count > 1 { child = .mapping([], value.origin) }
            child.set(Array(path.dropFirst()), value)
            m[i].value = child
        } else {
            var child: ConfigNode = .mapping([], value.origin)
            child.set(Array(path.dropFirst()), value)
            m.append((head, child))
        }
        self = .mapping(m, o)
    }

    /// Removes the value at a dotted path and returns it.
    @discardableResult
    public mutating func remove(_ path: [String]) -> ConfigNode? {
        guard let head = path.first, case .mapping(var m, let o) = self,
            let i = m.firstIndex(where: { $0.key == head })
        else { return nil }
        if path.count == 1 {
            let v = m.remove(at: i).value
            self = .mapping(m, o)
            return v
        }
        var child = m[i].value
        let r = child.remove(Array(path.dropFirst()))
        m[i].value = child
        self = .mapping(m, o)
        return r
    }

    /// Deep merge: mappings merge key by key; anything else in `top` replaces.
    public func merged(with top: ConfigNode) -> ConfigNode {
        guard case .mapping(var base, let o) = self, case .mapping(let over, _) = top else { return top }
        for (k, v) in over {
            if let i = base.firstIndex(where: { $0.key == k }) {
                base[i].value = base[i].value.merged(with: v)
            } else {
                base.append((k, v))
            }
        }
        return .mapping(base, o)
    }

    /// Every leaf (scalar or sequence) with its dotted path.
    public func leaves(prefix: String = "") -> [(path: String, node: ConfigNode)] {
        switch self {
        case .mapping(let m, _):
            return m.flatMap { $0.value.leaves(prefix: prefix.isEmpty ? $0.key : prefix + "." + $0.key) }
        default:
            return [(prefix, self)]
        }
    }

    /// YAML text of this node (block style, keys in order).
    public func yaml(indent: Int = 0) -> String {
        let pad = String(repeating: " ", count: indent)
        switch self {
        case .scalar(let s, _): return ConfigNode.quote(s)
        case .sequence(let items, _):
            return "[" + items.map { $0.yaml() }.joined(separator: ", ") + "]"
        case .mapping(let m, _):
            var out = ""
            for (k, v) in m {
                if case .mapping(let inner, _) = v, !inner.isEmpty {
                    out += "\(pad)\(k):\n" + v.yaml(indent: indent + 2)
                } else if case .mapping = v {
                    out += "\(pad)\(k): {}\n"
                } else {
                    out += "\(pad)\(k): \(v.yaml())\n"
                }
            }
            return out
        }
    }

    static func quote(_ s: String) -> String {
        if s.isEmpty { return "''" }
        let special = CharacterSet(charactersIn: ":#{}[],&*?|<>=!%@`'\"\n")
        if s.unicodeScalars.contains(where: { special.contains($0) }) || s.hasPrefix(" ") || s.hasSuffix(" ") || s.hasPrefix("-") && Double(s) == nil {
            return "'" + s.replacingOccurrences(of: "'", with: "''") + "'"
        }
        return s
    }
}

import Foundation

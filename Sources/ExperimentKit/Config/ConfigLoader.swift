import Crossbar
import Foundation
import NumericKernels

/// Reads config files, merges `include`d Circuits files and `--set` overrides, validates
/// every key against a `Schema`, and answers typed values with documented defaults.
public struct ResolvedTree: Sendable {
    /// The merged tree (includes expanded, `include` lists kept for the record).
    public let tree: ConfigNode
    public let schema: Schema
    /// The file the tree was read from.
    public let file: String

    /// The typed value of `key`: from the tree, else the schema default.
    public func value(_ key: String) throws -> ConfigValue {
        if let n = tree.value(at: key) { return try schema.value(key, n) }
        guard let spec = schema.spec(key) else { preconditionFailure("undocumented key \(key)") }
        let node = try ConfigNode.parse(yaml: "v: " + spec.defaultValue, file: "default").value(at: "v")!
        return try Schema.parse(node, spec: spec)
    }

    public func isSet(_ key: String) -> Bool { tree.value(at: key) != nil }

    public func int(_ k: String) throws -> Int {
        if case .integer(let v) = try value(k) { return v }
        preconditionFailure(k)
    }
    public func double(_ k: String) throws -> Double {
        if case .number(let v) = try value(k) { return v }
        preconditionFailure(k)
    }
    public func float(_ k: String) throws -> Float { Float(try double(k)) }
    public func bool(_ k: String) throws -> Bool {
        if case .boolean(let v) = try value(k) { return v }
        preconditionFailure(k)
    }
    public func string(_ k: String) throws -> String {
        if case .string(let v) = try value(k) { return v }
        preconditionFailure(k)
    }
    public func doubles(_ k: String) throws -> [Double] {
        if case .numbers(let v) = try value(k) { return v }
        preconditionFailure(k)
    }
    public func floats(_ k: String) throws -> [Float] { try doubles(k).map(Float.init) }
    public func ints(_ k: String) throws -> [Int] {
        if case .integers(let v) = try value(k) { return v }
        preconditionFailure(k)
    }
    public func strings(_ k: String) throws -> [String] {
        if case .strings(let v) = try value(k) { return v }
        preconditionFailure(k)
    }
    /// A `.choice` key as its enum (the schema's allowed values are the enum's raw values).
    public func choice<E: RawRepresentable>(_ k: String) throws -> E where E.RawValue == String {
        let s = try string(k)
        guard let e = E(rawValue: s) else { preconditionFailure("\(k) = \(s): the schema allows a value \(E.self) lacks") }
        return e
    }
    /// A `.choiceList` key as enums.
    public func choices<E: RawRepresentable>(_ k: String) throws -> [E] where E.RawValue == String {
        try strings(k).map {
            guard let e = E(rawValue: $0) else { preconditionFailure("\(k) = \($0): the schema allows a value \(E.self) lacks") }
            return e
        }
    }
    /// Whether `key` was set in the experiment file or by `--set` (not by an included
    /// hardware file or a default).
    public func isExplicit(_ key: String) -> Bool {
        guard let n = tree.value(at: key) else { return false }
        return n.origin.file == file || n.origin.file.hasPrefix("--set ")
    }
}

/// Locating and reading config files.
public enum ConfigLoader {
    /// Environment variable naming the Circuits folder.
    public static let circuitsEnvironmentVariable = "AIMC_CIRCUITS_DIR"

    /// The `Circuits/` folder: `$AIMC_CIRCUITS_DIR`, else the first `Circuits` folder found
    /// walking up from `near`, else `./Circuits`.
    public static func circuitsRoot(near: URL?) -> URL {
        if let env = ProcessInfo.processInfo.environment[circuitsEnvironmentVariable], !env.isEmpty {
            return URL(fileURLWithPath: env)
        }
        var dir = (near ?? URL(fileURLWithPath: FileManager.default.currentDirectoryPath)).standardizedFileURL
        for _ in 0..<12 {
            let c = dir.appendingPathComponent("Circuits")
            var isDir: ObjCBool = false
            if FileManager.default.fileExists(atPath: c.path, isDirectory: &isDir), isDir.boolValue { return c }
            let parent = dir.deletingLastPathComponent()
            if parent.path == dir.path { break }
            dir = parent
        }
        return URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent("Circuits")
    }

    /// Reads and parses a YAML file.
    /// - Throws: `ConfigError` naming the path when it is missing or not YAML.
    public static func read(_ path: String) throws -> ConfigNode {
        let contents: Data?
        do {
            contents = try BoundedFile.read(path, limit: YAMLGuard.maxBytes, what: "config file")
        } catch let e as ResourceLimitError {
            throw ConfigError(e.message)
        }
        guard let data = contents, let text = String(data: data, encoding: .utf8) else {
            throw ConfigError("\(path): cannot read the config file (missing or not UTF-8)")
        }
        let node = try ConfigNode.parse(yaml: text, file: path)
        guard case .mapping = node else { throw ConfigError("\(path): a config file must be a YAML mapping of keys") }
        return node
    }

    /// Parses `key=value` overrides; the value is YAML (`[1, 2]` is a list).
    /// - Throws: `ConfigError` for a malformed override.
    public static func overrides(_ sets: [String]) throws -> [(key: String, value: ConfigNode)] {
        try sets.map { s in
            guard let eq = s.firstIndex(of: "="), eq != s.startIndex else {
                throw ConfigError("--set \(s): expected key=value, e.g. --set hardware.adc.bits=8")
            }
            let key = String(s[..<eq]).trimmingCharacters(in: .whitespaces)
            let raw = String(s[s.index(after: eq)...])
            let origin = ConfigNode.Origin(file: "--set \(key)=\(raw)")
            let parsed = try ConfigNode.parse(yaml: "v: " + raw, file: origin.file).value(at: "v") ?? .scalar("", origin)
            return (key, retag(parsed, origin))
        }
    }

    static func retag(_ n: ConfigNode, _ o: ConfigNode.Origin) -> ConfigNode {
        switch n {
        case .scalar(let s, _): return .scalar(s, o)
        case .sequence(let items, _): return .sequence(items.map { retag($0, o) }, o)
        case .mapping(let m, _): return .mapping(m.map { ($0.key, retag($0.value, o)) }, o)
        }
    }

    /// Expands `include` lists of a hardware tree (relative keys), depth first: included
    /// files are merged in order, then the tree's own keys on top.
    /// - Throws: `ConfigError` for a missing file or an include cycle.
    public static func expandIncludes(_ tree: ConfigNode, file: String, circuits: URL, seen: [String] = []) throws -> ConfigNode {
        guard case .mapping = tree, let inc = tree.value(at: "include") else { return tree }
        let names: [String]
        switch inc {
        case .scalar(let s, _): names = [s]
        case .sequence(let items, _):
            names = try items.map {
                guard case .scalar(let s, _) = $0 else { throw ConfigError("\(inc.origin): include must list file paths") }
                return s
            }
        default: throw ConfigError("\(inc.origin): include must list file paths")
        }
        var base = ConfigNode.mapping([], tree.origin)
        let here = URL(fileURLWithPath: file).deletingLastPathComponent()
        for name in names {
            let candidates = name.hasPrefix("/")
                ? [URL(fileURLWithPath: name)]
                : [circuits.appendingPathComponent(name), here.appendingPathComponent(name)]
            guard let url = candidates.first(where: { FileManager.default.fileExists(atPath: $0.path) }) else {
                throw ConfigError("\(inc.origin): included file '\(name)' not found (looked in \(candidates.map(\.path).joined(separator: " and ")))")
            }
            let path = url.standardizedFileURL.path
            if seen.contains(path) { throw ConfigError("\(inc.origin): include cycle through \(path)") }
            let sub = try expandIncludes(read(path), file: path, circuits: circuits, seen: seen + [path])
            var subNoInclude = sub
            subNoInclude.remove(["include"])
            base = base.merged(with: subNoInclude)
        }
        return base.merged(with: tree)
    }
}

/// Builds a `HardwareSpec` from a resolved hardware tree.
public enum HardwareBuilder {
    /// Reads a hardware description file (as for `aimc mvm --config`), applies `--set`
    /// overrides (hardware keys, relative) and builds the spec.
    /// - Throws: `ConfigError` naming the file, key and allowed values.
    public static func load(path: String, overrides: [String] = []) throws -> (spec: HardwareSpec, tree: ResolvedTree) {
        var tree = try ConfigLoader.read(path)
        for (k, v) in try ConfigLoader.overrides(overrides) {
            tree.set(k.split(separator: ".").map(String.init), v)
        }
        let circuits = ConfigLoader.circuitsRoot(near: URL(fileURLWithPath: path).deletingLastPathComponent())
        let merged = try ConfigLoader.expandIncludes(tree, file: path, circuits: circuits)
        let schema = Schema(HardwareKeys.all)
        try schema.validate(merged)
        let resolved = ResolvedTree(tree: merged, schema: schema, file: path)
        return (try build(resolved, prefix: ""), resolved)
    }

    /// The spec from keys under `prefix` (`""` or `"hardware."`).
    public static func build(_ t: ResolvedTree, prefix p: String) throws -> HardwareSpec {
        var h = HardwareSpec()
        h.deviceModel = try DeviceKeys.model(t, prefix: p)
        h.conductanceRange = ConductanceRange(gMax: try t.float(p + "device.g_max"), gMin: try t.float(p + "device.g_min"))
        h.tileRows = try t.int(p + "tile.rows")
        h.tileColumns = try t.int(p + "tile.columns")
        h.mapping = try t.choice(p + "mapping.scheme")
        h.weightScaling = try t.choice(p + "mapping.weight_scaling")
        h.outputUnits = try t.choice(p + "mapping.output_units")
        do {
            h.dac = try Quantizer(bits: try t.int(p + "dac.bits"), range: try t.float(p + "dac.range"), signed: try t.bool(p + "dac.signed"))
        } catch let e as CrossbarError {
            throw ConfigError("\(t.file): \(p)dac: \(e.message)")
        }
        do {
            h.adc = try Quantizer(bits: try t.int(p + "adc.bits"), range: try t.float(p + "adc.range"), signed: try t.bool(p + "adc.signed"))
        } catch let e as CrossbarError {
            throw ConfigError("\(t.file): \(p)adc: \(e.message)")
        }
        h.outputNoise = try t.float(p + "output_noise")
        h.inputScaling = try t.choice(p + "input_scaling")
        h.boundManagement = try t.bool(p + "bound_management.enabled")
        h.boundManagementMaxFactor = try t.float(p + "bound_management.max_factor")
        try StageBuilder.apply(t, prefix: p, to: &h)
        h.irDrop.mode = try t.choice(p + "ir_drop.mode")
        h.irDrop.rowWireResistance = try t.double(p + "ir_drop.wire_resistance")
        h.irDrop.columnWireResistance = h.irDrop.rowWireResistance
        h.irDrop.pairLayout = try t.choice(p + "ir_drop.pair_layout")
        h.irDrop.tolerance = try t.double(p + "ir_drop.tolerance")
        h.irDrop.maxIterations = try t.int(p + "ir_drop.max_iterations")
        do {
            try h.validate()
        } catch let e as CrossbarError {
            throw ConfigError("\(t.file): \(p)\(e.message)")
        }
        _ = try EnergyBuilder.model(t, prefix: p)  // validates hardware.energy.* when set
        return h
    }
}

extension ConfigLoader {
    /// The overrides of the shorthand `device=NAME`: the `device.*` keys of
    /// `Circuits/devices/NAME.yaml` under `hardware.` (a sweep axis, or `--set device=NAME` in
    /// any command that loads an experiment).
    /// - Throws: `ConfigError` naming the devices there are when NAME is not one of them, or is
    ///   a path rather than a file name.
    public static func deviceOverrides(_ value: String, circuits: URL) throws -> [String] {
        let file = circuits.appendingPathComponent("devices/\(value).yaml")
        // A device is a file name in Circuits/devices, never a path out of it (../presets/…).
        let plainName = !value.isEmpty && !value.contains("/") && !value.contains("\\") && !value.hasPrefix(".")
        guard plainName, FileManager.default.fileExists(atPath: file.path) else {
            let names = ((try? FileManager.default.contentsOfDirectory(atPath: circuits.appendingPathComponent("devices").path)) ?? [])
                .filter { $0.hasSuffix(".yaml") }.map { String($0.dropLast(5)) }.sorted()
            let why = plainName ? "no file \(file.path)" : "a device is the name of a file in \(circuits.appendingPathComponent("devices").path), not a path"
            throw ConfigError("device = \(Clip.middle(value, 200)): \(why); allowed: \(names.joined(separator: ", "))")
        }
        let tree = try ConfigLoader.expandIncludes(ConfigLoader.read(file.path), file: file.path, circuits: circuits)
        return tree.leaves().filter { $0.path.hasPrefix("device.") }.map { "hardware.\($0.path)=\($0.node.yaml())" }
    }
}

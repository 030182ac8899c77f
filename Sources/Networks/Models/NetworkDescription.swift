import Foundation
import NumericKernels

/// The architecture of a `SequentialNetwork` as data: what a small YAML (or JSON) file
/// describes so that a network trained elsewhere (PyTorch) can be simulated.
///
/// ```yaml
/// input: [1, 28, 28]            # per-sample shape: [features] or [channels, height, width]
/// layers:
///   - {type: conv2d, name: features.0, in_channels: 1, out_channels: 6, kernel_size: 5, padding: 2}
///   - {type: batch_norm, name: features.1}
///   - {type: relu}
///   - {type: max_pool, kernel_size: 2}
///   - {type: flatten}
///   - {type: linear, name: classifier.0, in_features: 1176, out_features: 10}
/// ```
///
/// Types and their keys (PyTorch's names and defaults): `linear` (`in_features`,
/// `out_features`, `bias`), `conv2d` (`in_channels`, `out_channels`, `kernel_size`,
/// `stride` = 1, `padding` = 0, `dilation` = 1, `bias` = true), `max_pool` and `avg_pool`
/// (`kernel_size`, `stride` = kernel_size, `padding` = 0), `global_avg_pool`, `batch_norm`
/// (`num_features`, optional; `eps` = 1e-5, `momentum` = 0.1), `relu`, `flatten`,
/// `dropout` (`p` = 0.5), `residual` (`body`: layers, `shortcut`: layers, default the
/// identity). Transformer layers (timm's names and layouts; docs/TRANSFORMERS.md):
/// `tokens` (`[C, H, W]` → `[H·W, C]`), `class_token` (`dim`), `pos_embedding` (`tokens`,
/// `dim`), `layer_norm` (`dim`, `eps` = 1e-5), `gelu`, `attention` (`dim`, `heads`,
/// `precision` = fp32 | bf16 | int8), `token_pool` (`mode` = cls | mean), `moe` (`dim`,
/// `hidden`, `experts`, `top_k` = 2, `normalize_top_k` = false, `balance_loss` = 0.01).
/// `linear`, `conv2d`, `attention` and `moe` take `placement` = analog | digital (where an
/// `AnalogSequentialNetwork` runs their matrices). Every layer with parameters takes a
/// `name`, the prefix of its arrays in the weights file (PyTorch's `state_dict` key without
/// `.weight`); without one it is named by its path, `layers.<i>` (inside a residual block
/// `layers.<i>.body.<j>` or `.shortcut.<j>`). Arrays: `<name>.weight` and `<name>.bias`
/// (linear `[out, in]`, conv2d `[out, in, kh, kw]`, layer norm `[dim]`), batch norm
/// `<name>.weight` (γ), `.bias` (β), `.running_mean`, `.running_var`; class token and
/// positional embedding the array `<name>` itself (`[1, 1, dim]`, `[1, tokens, dim]`;
/// unnamed: `layers.<i>.weight`); attention `<name>.qkv.weight` `[3·dim, dim]`,
/// `.qkv.bias`, `.proj.weight` `[dim, dim]`, `.proj.bias`; moe `<name>.router.weight`
/// `[experts, dim]`, `.router.bias`, `<name>.experts.<e>.fc1.weight` `[hidden, dim]`,
/// `.fc1.bias`, `.fc2.weight` `[dim, hidden]`, `.fc2.bias`.
public struct NetworkDescription: Equatable, Sendable, Codable {
    public var inputShape: [Int]
    public var layers: [LayerDescription]

    public init(inputShape: [Int], layers: [LayerDescription]) {
        self.inputShape = inputShape
        self.layers = layers
    }

    /// Parses a description from a decoded YAML/JSON tree (`[String: Any]` mappings,
    /// arrays, numbers, strings, booleans).
    /// - Throws: `NetworksError(.fileFormat)` naming `file`, the layer path and key, the
    ///   value found and what is allowed.
    public static func parse(_ tree: Any, file: String) throws -> NetworkDescription {
        guard let top = tree as? [String: Any] else {
            throw NetworksError(.fileFormat, "\(file): an architecture is a mapping with keys input and layers")
        }
        for k in top.keys where !["input", "layers", "version", "description"].contains(k) {
            throw NetworksError(.fileFormat, "\(file): unknown key '\(k)' (allowed: input, layers, version, description)")
        }
        guard let input = top["input"].flatMap(intList), !input.isEmpty, input.allSatisfy({ $0 > 0 }) else {
            throw NetworksError(.fileFormat, "\(file): input must be a list of positive integers, e.g. [1, 28, 28]; got \(String(describing: top["input"] ?? "nothing"))")
        }
        guard let list = top["layers"] as? [Any], !list.isEmpty else {
            throw NetworksError(.fileFormat, "\(file): layers must be a non-empty list of layers")
        }
        return NetworkDescription(inputShape: input, layers: try parseLayers(list, path: "layers", file: file))
    }

    static func intList(_ v: Any) -> [Int]? {
        if let a = v as? [Any] { return a.map { intValue($0) }.allSatisfy { $0 != nil } ? a.map { intValue($0)! } : nil }
        return nil
    }

    static func intValue(_ v: Any) -> Int? {
        if type(of: v) == Bool.self { return nil }
        if let i = v as? Int { return i }
        if let d = v as? Double, d == d.rounded(), abs(d) < 1e9 { return Int(d) }
        return nil
    }

    static func parseLayers(_ list: [Any], path: String, file: String) throws -> [LayerDescription] {
        try list.enumerated().map { i, item in try LayerDescription.parse(item, path: "\(path).\(i)", file: file) }
    }

    /// Builds the network with parameters from `arrays` (e.g. `NPZ.read` or
    /// `SafeTensors.read`), or freshly initialised from `seed` when `arrays` is nil.
    /// - Throws: `NetworksError` naming `file`, the array and both shapes when an array is
    ///   missing or misshaped, or when the layers do not chain.
    public func build(arrays: [String: NumpyArray]?, file: String = "", seed: UInt64 = 0) throws -> SequentialNetwork {
        var counter = 0
        var used = Set<String>()
        var shape = inputShape
        let layers = try Self.build(self.layers, path: "layers", shape: &shape, arrays: arrays, file: file, seed: seed, counter: &counter, used: &used)
        if let arrays {
            let unused = Set(arrays.keys).subtracting(used).filter { !$0.hasSuffix("num_batches_tracked") }
            if !unused.isEmpty {
                throw NetworksError(.shape, "\(file): arrays not used by the architecture: \(unused.sorted().joined(separator: ", ")) (check the layer names; used: \(used.sorted().joined(separator: ", ")))")
            }
        }
        do {
            return try SequentialNetwork(inputShape: inputShape, layers: layers)
        } catch let e as NetworksError {
            throw NetworksError(.shape, "\(file.isEmpty ? "" : file + ": ")\(e.message)")
        }
    }

    /// Canonical array name (`layers.<i>.weight`, see `SequentialNetwork.namedArrays`) →
    /// the name in the weights file, for every array renamed by a layer's `name` or
    /// `arrayNames`.
    public var arrayRenames: [String: String] {
        var out: [String: String] = [:]
        func walk(_ ls: [LayerDescription], _ path: String) {
            for (i, l) in ls.enumerated() {
                let p = "\(path).\(i)"
                for suffix in l.arraySuffixes {
                    if let n = l.arrayNames[suffix] { out[p + "." + suffix] = n } else if let n = l.name { out[p + "." + suffix] = n + "." + suffix }
                }
                walk(l.body, p + ".body")
                walk(l.shortcut, p + ".shortcut")
            }
        }
        walk(layers, "layers")
        return out
    }

    /// The parameters of `network` (built from this description) under the names this
    /// description reads them by, so that `build(arrays:)` of the result restores it.
    public func namedArrays(of network: SequentialNetwork) -> [(String, NumpyArray)] {
        let renames = arrayRenames
        return network.namedArrays().map { (renames[$0.0] ?? $0.0, $0.1) }
    }

    /// Saves `network`'s parameters as float32 `.npz` under this description's names,
    /// atomically.
    public func save(_ network: SequentialNetwork, npz url: URL) throws {
        try NPZ.write(namedArrays(of: network), to: url)
    }

    static func build(
        _ ls: [LayerDescription], path: String, shape: inout [Int], arrays: [String: NumpyArray]?, file: String, seed: UInt64,
        counter: inout Int, used: inout Set<String>
    ) throws -> [Layer] {
        var out: [Layer] = []
        for (i, d) in ls.enumerated() {
            defer {
                if let l = out.last, out.count == i + 1 { shape = (try? l.outputShape(shape)) ?? shape }
            }
            let p = "\(path).\(i)"
            let name = d.name ?? p
            func array(_ suffix: String, _ shape: [Int]) throws -> [Float]? {
                guard let arrays else { return nil }
                let key = d.arrayNames[suffix] ?? name + "." + suffix
                guard let a = arrays[key] else {
                    throw NetworksError(.shape, "\(file): layer \(p) (\(d.kind.rawValue)) needs array '\(key)' of shape \(shape); not found (arrays: \(arrays.keys.sorted().prefix(12).joined(separator: ", "))\(arrays.count > 12 ? ", …" : ""))")
                }
                guard a.shape == shape || (a.count == shape.reduce(1, *) && a.shape.filter { $0 != 1 } == shape.filter { $0 != 1 }) else {
                    throw NetworksError(.shape, "\(file): array '\(key)' has shape \(a.shape); layer \(p) (\(d.kind.rawValue)) needs \(shape)")
                }
                let f = a.floats()
                if let bad = f.firstIndex(where: { !$0.isFinite }) {
                    throw NetworksError(.fileFormat, "\(file): array '\(key)' element \(bad) is \(f[bad]); parameters must be finite")
                }
                used.insert(key)
                return f
            }
            switch d.kind {
            case .linear:
                counter += 1
                var layer = DenseLayer.heNormal(inputs: d.inFeatures, outputs: d.outFeatures, seed: Xoshiro256.mix(seed, [UInt64(counter)]))
                if let w = try array("weight", [d.outFeatures, d.inFeatures]) {
                    layer.weight = Matrix(rows: d.outFeatures, columns: d.inFeatures, values: w)
                }
                if d.bias || arrays?[name + ".bias"] != nil, let b = try array("bias", [d.outFeatures]) { layer.bias = b }
                layer.placement = d.placement
                out.append(.dense(layer))
            case .conv2d:
                counter += 1
                var c = Conv2d(
                    inChannels: d.inChannels, outChannels: d.outChannels, kernel: d.kernelSize, stride: d.stride,
                    padding: d.padding, dilation: d.dilation, seed: seed, index: counter)
                if let w = try array("weight", [d.outChannels, d.inChannels, d.kernelSize, d.kernelSize]) {
                    c.weight = Matrix(rows: d.outChannels, columns: c.fieldSize, values: w)
                }
                // bias: false needs no array but accepts one (aimc saves a zero bias).
                if d.bias || arrays?[name + ".bias"] != nil, let b = try array("bias", [d.outChannels]) { c.bias = b }
                c.placement = d.placement
                out.append(.conv2d(c))
            case .maxPool: out.append(.pool(Pool2d(.max, kernel: d.kernelSize, stride: d.strideGiven ? d.stride : nil, padding: d.padding)))
            case .avgPool: out.append(.pool(Pool2d(.average, kernel: d.kernelSize, stride: d.strideGiven ? d.stride : nil, padding: d.padding)))
            case .globalAvgPool: out.append(.globalAveragePool)
            case .batchNorm:
                let ch = d.numFeatures ?? shape.first ?? 1
                var bn = BatchNorm(channels: ch, epsilon: d.eps, momentum: d.momentum)
                if arrays != nil {
                    bn.scale = try array("weight", [ch])!
                    bn.shift = try array("bias", [ch])!
                    bn.runningMean = try array("running_mean", [ch])!
                    bn.runningVariance = try array("running_var", [ch])!
                    if let bad = bn.runningVariance.firstIndex(where: { $0 < 0 }) {
                        throw NetworksError(.fileFormat, "\(file): '\(name).running_var'[\(bad)] = \(bn.runningVariance[bad]) is negative")
                    }
                }
                out.append(.batchNorm(bn))
            case .relu: out.append(.relu)
            case .flatten: out.append(.flatten)
            case .dropout: out.append(.dropout(d.p))
            case .tokens: out.append(.tokens)
            case .gelu: out.append(.gelu)
            case .tokenPool: out.append(.tokenPool(d.poolMode))
            case .classToken:
                counter += 1
                var c = ClassToken(dim: d.dim, seed: seed, index: counter)
                if let v = try array("weight", [1, 1, d.dim]) { c.value = v }
                out.append(.classToken(c))
            case .posEmbedding:
                counter += 1
                var e = PositionalEmbedding(tokens: d.tokenCount, dim: d.dim, seed: seed, index: counter)
                if let v = try array("weight", [1, d.tokenCount, d.dim]) { e.value = Matrix(rows: d.tokenCount, columns: d.dim, values: v) }
                out.append(.positionalEmbedding(e))
            case .layerNorm:
                var n = LayerNorm(dim: d.dim, epsilon: d.eps)
                if let w = try array("weight", [d.dim]) { n.scale = w }
                if let b = try array("bias", [d.dim]) { n.shift = b }
                out.append(.layerNorm(n))
            case .attention:
                counter += 1
                var a = MultiHeadAttention(dim: d.dim, heads: d.heads, precision: d.precision, seed: seed, index: counter)
                try load(&a.qkv, "qkv", array)
                try load(&a.proj, "proj", array)
                a.qkv.placement = d.placement
                a.proj.placement = d.placement
                out.append(.attention(a))
            case .moe:
                counter += 1
                var m = MixtureOfExperts(
                    dim: d.dim, hidden: d.hidden, experts: d.experts, topK: d.topK, normalizeTopK: d.normalizeTopK,
                    balanceLoss: d.balanceLoss, seed: seed, index: counter)
                try load(&m.router, "router", array)
                m.router.placement = d.placement
                for e in m.experts.indices {
                    try load(&m.experts[e].fc1, "experts.\(e).fc1", array)
                    try load(&m.experts[e].fc2, "experts.\(e).fc2", array)
                    m.experts[e].fc1.placement = d.placement
                    m.experts[e].fc2.placement = d.placement
                }
                out.append(.mixtureOfExperts(m))
            case .residual:
                var bodyShape = shape, shortcutShape = shape
                let body = try build(d.body, path: p + ".body", shape: &bodyShape, arrays: arrays, file: file, seed: seed, counter: &counter, used: &used)
                let shortcut = try build(d.shortcut, path: p + ".shortcut", shape: &shortcutShape, arrays: arrays, file: file, seed: seed, counter: &counter, used: &used)
                out.append(.residual(ResidualBlock(body: body, shortcut: shortcut)))
            }
        }
        return out
    }

    /// The names of the matrices that run on tiles, in `SequentialNetwork.weightedLayers`
    /// order (depth first; attention's `<name>.qkv`, `<name>.proj`; a mixture of experts'
    /// `<name>.router`, `<name>.experts.<e>.fc1`, `.fc2`); nil for an unnamed layer.
    public var weightedLayerNames: [String?] {
        var out: [String?] = []
        func walk(_ ls: [LayerDescription]) {
            for l in ls {
                switch l.kind {
                case .linear, .conv2d: out.append(l.name)
                case .attention, .moe:
                    // One matrix per "<site>.weight" array, in site order.
                    out += l.arraySuffixes.filter { $0.hasSuffix(".weight") }.map { s in l.name.map { "\($0).\(s.dropLast(".weight".count))" } }
                case .residual:
                    walk(l.body)
                    walk(l.shortcut)
                default: break
                }
            }
        }
        walk(layers)
        return out
    }

    /// Reads `<prefix>.weight` and `<prefix>.bias` into `d` (when arrays are given).
    static func load(_ d: inout DenseLayer, _ prefix: String, _ array: (String, [Int]) throws -> [Float]?) throws {
        if let w = try array(prefix + ".weight", [d.outputs, d.inputs]) { d.weight = Matrix(rows: d.outputs, columns: d.inputs, values: w) }
        if let b = try array(prefix + ".bias", [d.outputs]) { d.bias = b }
    }
}

/// One layer of a `NetworkDescription` (see there for types and keys).
public struct LayerDescription: Equatable, Sendable, Codable {
    public enum Kind: String, Sendable, CaseIterable, Codable {
        case linear, conv2d
        case maxPool = "max_pool", avgPool = "avg_pool", globalAvgPool = "global_avg_pool"
        case batchNorm = "batch_norm", relu, flatten, dropout, residual
        case tokens, classToken = "class_token", posEmbedding = "pos_embedding", layerNorm = "layer_norm", gelu, attention
        case tokenPool = "token_pool", moe
    }
    public var kind: Kind
    public var name: String? = nil
    public var inFeatures = 0, outFeatures = 0
    public var inChannels = 0, outChannels = 0
    public var kernelSize = 1, stride = 1, padding = 0, dilation = 1
    /// Whether a pooling layer's stride was given (else it is the kernel size).
    public internal(set) var strideGiven = false
    public var bias = true
    public var numFeatures: Int? = nil
    public var eps: Float = 1e-5, momentum: Float = 0.1
    public var p: Float = 0.5
    public var body: [LayerDescription] = []
    public var shortcut: [LayerDescription] = []
    /// Token width (layer norm, class token, positional embedding, attention, moe).
    public var dim = 0
    /// Tokens of a positional embedding (YAML `tokens`).
    public var tokenCount = 0
    public var heads = 1
    public var precision: AttentionPrecision = .fp32
    public var poolMode: TokenPool = .cls
    public var experts = 0, hidden = 0, topK = 2
    public var normalizeTopK = false
    public var balanceLoss: Float = 0.01
    public var placement: Placement = .analog
    /// Whole array names for some of this layer's arrays, by suffix (`weight`, `bias`, …),
    /// instead of `<name>.<suffix>`: the MLP's `W0`, `b0` (`Architectures.mlp`), a named
    /// class token's or positional embedding's `<name>`.
    public var arrayNames: [String: String] = [:]

    /// The suffixes of this layer's arrays (after `<name>.`).
    var arraySuffixes: [String] {
        switch kind {
        case .attention: ["qkv.weight", "qkv.bias", "proj.weight", "proj.bias"]
        case .moe: ["router.weight", "router.bias"] + (0..<experts).flatMap { e in ["fc1", "fc2"].flatMap { ["experts.\(e).\($0).weight", "experts.\(e).\($0).bias"] } }
        case .classToken, .posEmbedding: ["weight"]
        default: ["weight", "bias", "running_mean", "running_var"]
        }
    }

    public init(_ kind: Kind) { self.kind = kind }

    public static func linear(_ inputs: Int, _ outputs: Int, name: String? = nil) -> LayerDescription {
        var d = LayerDescription(.linear)
        d.inFeatures = inputs
        d.outFeatures = outputs
        d.name = name
        return d
    }

    public static func conv2d(_ inC: Int, _ outC: Int, kernel: Int, stride: Int = 1, padding: Int = 0, bias: Bool = true, name: String? = nil) -> LayerDescription {
        var d = LayerDescription(.conv2d)
        d.inChannels = inC
        d.outChannels = outC
        d.kernelSize = kernel
        d.stride = stride
        d.padding = padding
        d.bias = bias
        d.name = name
        return d
    }

    public static func pool(_ kind: Kind, kernel: Int, stride: Int? = nil) -> LayerDescription {
        var d = LayerDescription(kind)
        d.kernelSize = kernel
        if let stride {
            d.stride = stride
            d.strideGiven = true
        }
        return d
    }

    public static func batchNorm(_ channels: Int, name: String? = nil) -> LayerDescription {
        var d = LayerDescription(.batchNorm)
        d.numFeatures = channels
        d.name = name
        return d
    }

    /// A layer norm over `dim` features with timm's ε = 1e-6.
    public static func layerNorm(_ dim: Int, eps: Float = 1e-6, name: String? = nil) -> LayerDescription {
        var d = LayerDescription(.layerNorm)
        d.dim = dim
        d.eps = eps
        d.name = name
        return d
    }

    /// A class token whose array is `name` itself (timm's `cls_token`).
    public static func classToken(dim: Int, name: String? = nil) -> LayerDescription {
        var d = LayerDescription(.classToken)
        d.dim = dim
        d.name = name
        if let name { d.arrayNames["weight"] = name }
        return d
    }

    /// A positional embedding whose array is `name` itself (timm's `pos_embed`).
    public static func positionalEmbedding(tokens: Int, dim: Int, name: String? = nil) -> LayerDescription {
        var d = LayerDescription(.posEmbedding)
        d.tokenCount = tokens
        d.dim = dim
        d.name = name
        if let name { d.arrayNames["weight"] = name }
        return d
    }

    public static func dropout(_ p: Float) -> LayerDescription {
        var d = LayerDescription(.dropout)
        d.p = p
        return d
    }

    public static func residual(body: [LayerDescription], shortcut: [LayerDescription] = []) -> LayerDescription {
        var d = LayerDescription(.residual)
        d.body = body
        d.shortcut = shortcut
        return d
    }

    static let aliases: [String: Kind] = [
        "linear": .linear, "dense": .linear, "conv2d": .conv2d, "conv": .conv2d,
        "max_pool": .maxPool, "max_pool2d": .maxPool, "maxpool": .maxPool,
        "avg_pool": .avgPool, "avg_pool2d": .avgPool, "avgpool": .avgPool,
        "global_avg_pool": .globalAvgPool, "adaptive_avg_pool": .globalAvgPool,
        "batch_norm": .batchNorm, "batch_norm1d": .batchNorm, "batch_norm2d": .batchNorm, "batchnorm": .batchNorm,
        "relu": .relu, "flatten": .flatten, "dropout": .dropout, "residual": .residual,
        "tokens": .tokens, "class_token": .classToken, "cls_token": .classToken, "pos_embedding": .posEmbedding,
        "pos_embed": .posEmbedding, "layer_norm": .layerNorm, "layernorm": .layerNorm, "gelu": .gelu,
        "attention": .attention, "multi_head_attention": .attention, "token_pool": .tokenPool, "moe": .moe,
        "mixture_of_experts": .moe,
    ]

    static func keys(_ k: Kind) -> [String] {
        switch k {
        case .linear: ["in_features", "out_features", "bias", "placement"]
        case .conv2d: ["in_channels", "out_channels", "kernel_size", "stride", "padding", "dilation", "bias", "placement"]
        case .classToken: ["dim"]
        case .posEmbedding: ["tokens", "dim"]
        case .layerNorm: ["dim", "eps"]
        case .attention: ["dim", "heads", "precision", "placement"]
        case .tokenPool: ["mode"]
        case .moe: ["dim", "hidden", "experts", "top_k", "normalize_top_k", "balance_loss", "placement"]
        case .tokens, .gelu: []
        case .maxPool, .avgPool: ["kernel_size", "stride", "padding"]
        case .batchNorm: ["num_features", "eps", "momentum"]
        case .dropout: ["p"]
        case .residual: ["body", "shortcut"]
        case .globalAvgPool, .relu, .flatten: []
        }
    }

    static func parse(_ item: Any, path: String, file: String) throws -> LayerDescription {
        guard let m = item as? [String: Any] else {
            throw NetworksError(.fileFormat, "\(file): \(path) must be a mapping with a 'type' key")
        }
        guard let t = m["type"] as? String, let kind = aliases[t.lowercased()] else {
            throw NetworksError(.fileFormat, "\(file): \(path).type = \(String(describing: m["type"] ?? "nothing")) is not a layer type (allowed: \(Kind.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        let allowed = ["type", "name"] + keys(kind)
        for k in m.keys.sorted() where !allowed.contains(k) {
            throw NetworksError(.fileFormat, "\(file): \(path) (\(kind.rawValue)): unknown key '\(k)' (allowed: \(allowed.joined(separator: ", ")))")
        }
        var d = LayerDescription(kind)
        if let n = m["name"] {
            guard let s = n as? String ?? NetworkDescription.intValue(n).map(String.init), !s.isEmpty else {
                throw NetworksError(.fileFormat, "\(file): \(path).name must be a non-empty string")
            }
            d.name = s
        }
        func int(_ key: String, min lo: Int, required: Bool = false) throws -> Int? {
            guard let v = m[key] else {
                if required { throw NetworksError(.fileFormat, "\(file): \(path) (\(kind.rawValue)) needs '\(key)'") }
                return nil
            }
            var i = NetworkDescription.intValue(v)
            if i == nil, let l = NetworkDescription.intList(v), l.count == 2, l[0] == l[1] { i = l[0] }
            guard let i, i >= lo else {
                throw NetworksError(.fileFormat, "\(file): \(path).\(key) = \(v) must be an integer ≥ \(lo) (a square [k, k] pair is accepted)")
            }
            return i
        }
        func float(_ key: String, _ range: ClosedRange<Double>) throws -> Float? {
            guard let v = m[key] else { return nil }
            guard let x = (v as? Double) ?? NetworkDescription.intValue(v).map(Double.init), range.contains(x) else {
                throw NetworksError(.fileFormat, "\(file): \(path).\(key) = \(v) must be a number in [\(range.lowerBound), \(range.upperBound)]")
            }
            return Float(x)
        }
        func flag(_ key: String) throws -> Bool? {
            guard let b = m[key] else { return nil }
            guard let f = b as? Bool else { throw NetworksError(.fileFormat, "\(file): \(path).\(key) = \(b) must be true or false") }
            return f
        }
        func choice<T: RawRepresentable & CaseIterable>(_ key: String, _ type: T.Type) throws -> T? where T.RawValue == String {
            guard let v = m[key] else { return nil }
            guard let s = v as? String, let c = T(rawValue: s.lowercased()) else {
                throw NetworksError(.fileFormat, "\(file): \(path).\(key) = \(v) is not one of \(T.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            return c
        }
        if let b = try flag("bias") { d.bias = b }
        if let p = try choice("placement", Placement.self) { d.placement = p }
        switch kind {
        case .linear:
            d.inFeatures = try int("in_features", min: 1, required: true)!
            d.outFeatures = try int("out_features", min: 1, required: true)!
        case .conv2d:
            d.inChannels = try int("in_channels", min: 1, required: true)!
            d.outChannels = try int("out_channels", min: 1, required: true)!
            d.kernelSize = try int("kernel_size", min: 1, required: true)!
            d.stride = try int("stride", min: 1) ?? 1
            d.padding = try int("padding", min: 0) ?? 0
            d.dilation = try int("dilation", min: 1) ?? 1
        case .maxPool, .avgPool:
            d.kernelSize = try int("kernel_size", min: 1, required: true)!
            if let s = try int("stride", min: 1) {
                d.stride = s
                d.strideGiven = true
            }
            d.padding = try int("padding", min: 0) ?? 0
            guard 2 * d.padding <= d.kernelSize else {
                throw NetworksError(.fileFormat, "\(file): \(path).padding = \(d.padding) must be at most half of kernel_size = \(d.kernelSize)")
            }
        case .batchNorm:
            d.numFeatures = try int("num_features", min: 1)
            d.eps = try float("eps", 1e-12...1) ?? 1e-5
            d.momentum = try float("momentum", 0...1) ?? 0.1
        case .dropout:
            d.p = try float("p", 0...0.999) ?? 0.5
        case .residual:
            guard let body = m["body"] as? [Any], !body.isEmpty else {
                throw NetworksError(.fileFormat, "\(file): \(path).body must be a non-empty list of layers")
            }
            d.body = try NetworkDescription.parseLayers(body, path: path + ".body", file: file)
            if let s = m["shortcut"] {
                guard let sl = s as? [Any] else { throw NetworksError(.fileFormat, "\(file): \(path).shortcut must be a list of layers (empty: identity)") }
                d.shortcut = try NetworkDescription.parseLayers(sl, path: path + ".shortcut", file: file)
            }
        case .classToken:
            d.dim = try int("dim", min: 1, required: true)!
        case .posEmbedding:
            d.tokenCount = try int("tokens", min: 1, required: true)!
            d.dim = try int("dim", min: 1, required: true)!
        case .layerNorm:
            d.dim = try int("dim", min: 1, required: true)!
            d.eps = try float("eps", 1e-12...1) ?? 1e-5
        case .attention:
            d.dim = try int("dim", min: 1, required: true)!
            d.heads = try int("heads", min: 1, required: true)!
            guard d.dim % d.heads == 0 else {
                throw NetworksError(.fileFormat, "\(file): \(path): heads = \(d.heads) must divide dim = \(d.dim)")
            }
            d.precision = try choice("precision", AttentionPrecision.self) ?? .fp32
        case .tokenPool:
            d.poolMode = try choice("mode", TokenPool.self) ?? .cls
        case .moe:
            d.dim = try int("dim", min: 1, required: true)!
            d.hidden = try int("hidden", min: 1, required: true)!
            d.experts = try int("experts", min: 1, required: true)!
            d.topK = try int("top_k", min: 1) ?? min(2, d.experts)
            guard d.topK <= d.experts else {
                throw NetworksError(.fileFormat, "\(file): \(path).top_k = \(d.topK) must be at most experts = \(d.experts)")
            }
            d.normalizeTopK = try flag("normalize_top_k") ?? false
            d.balanceLoss = try float("balance_loss", 0...100) ?? 0.01
        case .globalAvgPool, .relu, .flatten, .tokens, .gelu: break
        }
        if [.classToken, .posEmbedding].contains(kind), let n = d.name { d.arrayNames["weight"] = n }
        return d
    }
}

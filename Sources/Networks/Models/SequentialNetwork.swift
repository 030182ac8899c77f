import Foundation
import NumericKernels

/// A feed-forward network of `Layer`s applied in order, with residual blocks for skip
/// connections: CNNs (`Architectures.lenet5`), ResNets (`Architectures.resnet`), MLPs, and
/// networks imported from PyTorch (`NetworkDescription`).
///
/// Inputs are `[batch × inputShape.product]`, each row a sample in C order; outputs are the
/// logits `[batch × classes]`. Every layer checks the shape it is given on every call and
/// throws `NetworksError(.shape)` naming the layer and both shapes; nothing is cached
/// between calls.
public struct SequentialNetwork: Equatable, Sendable {
    /// Per-sample input shape, e.g. `[1, 28, 28]` or `[784]`.
    public let inputShape: [Int]
    public var layers: [Layer]

    /// - Throws: `NetworksError(.shape)` when the layers do not chain from `inputShape`.
    public init(inputShape: [Int], layers: [Layer]) throws {
        guard !inputShape.isEmpty, inputShape.allSatisfy({ $0 > 0 }) else {
            throw NetworksError(.shape, "network input shape \(inputShape) must have dimensions ≥ 1")
        }
        self.inputShape = inputShape
        self.layers = layers
        _ = try outputShape
    }

    /// The per-sample output shape.
    public var outputShape: [Int] {
        get throws { try Self.outputShape(layers, inputShape) }
    }

    static func outputShape(_ layers: [Layer], _ input: [Int]) throws -> [Int] {
        var s = input
        for (i, l) in layers.enumerated() {
            do { s = try l.outputShape(s) } catch let e as NetworksError {
                throw NetworksError(.shape, "layer \(i) (\(l.kindName)): \(e.message)")
            }
        }
        return s
    }

    /// Values per input sample.
    public var inputCount: Int { inputShape.reduce(1, *) }

    /// Digital FP32 logits of `x` `[batch × inputCount]` (inference mode).
    /// - Throws: `NetworksError(.shape)` when `x` does not have `inputCount` columns.
    public func forward(_ x: Matrix) throws -> Matrix {
        var a = try input(x)
        for (i, l) in layers.enumerated() {
            if case .relu = l {
                relu(&a.data)  // in place: the activations are not shared
                continue
            }
            do { a = try l.forward(a) } catch let e as NetworksError {
                throw NetworksError(.shape, "layer \(i) (\(l.kindName)): \(e.message)")
            }
        }
        return a.data
    }

    func input(_ x: Matrix) throws -> Tensor {
        guard x.columns == inputCount else {
            throw NetworksError(.shape, "network input has shape \(x.shape) but samples of shape \(inputShape) need \(inputCount) columns")
        }
        return Tensor(unchecked: x, shape: inputShape)
    }

    /// The same network for inference with every batch norm that directly follows a
    /// convolution or dense layer folded into it (exact up to float rounding; see
    /// `BatchNorm`), and dropout removed.
    public func foldingBatchNorm() -> SequentialNetwork {
        var copy = self
        copy.layers = Self.fold(layers)
        return copy
    }

    static func fold(_ layers: [Layer]) -> [Layer] {
        var out: [Layer] = []
        for l in layers {
            switch l {
            case .dropout: continue
            case .residual(let r):
                out.append(.residual(ResidualBlock(body: fold(r.body), shortcut: fold(r.shortcut))))
            case .batchNorm(let bn):
                switch out.last {
                case .conv2d(var c)? where c.outChannels == bn.channels:
                    foldInto(&c.weight, &c.bias, bn)
                    out[out.count - 1] = .conv2d(c)
                case .dense(var d)? where d.outputs == bn.channels:
                    foldInto(&d.weight, &d.bias, bn)
                    out[out.count - 1] = .dense(d)
                default:
                    out.append(l)
                }
            default: out.append(l)
            }
        }
        return out
    }

    static func foldInto(_ w: inout Matrix, _ b: inout [Float], _ bn: BatchNorm) {
        let (a, c) = bn.affine
        for o in 0..<w.rows {
            for k in 0..<w.columns { w[o, k] = Float(Double(w[o, k]) * a[o]) }
            b[o] = Float(Double(b[o]) * a[o] + c[o])
        }
    }

    /// The network with `transform` applied to every layer, inside residual blocks too (the
    /// blocks rebuilt from their transformed layers), depth first: a block's body before its
    /// shortcut, in the order `weightedLayers` lists them.
    public func mappingLayers(_ transform: (Layer) -> Layer) -> SequentialNetwork {
        func map(_ layers: [Layer]) -> [Layer] {
            layers.map { l in
                if case .residual(let r) = l { return .residual(ResidualBlock(body: map(r.body), shortcut: map(r.shortcut))) }
                return transform(l)
            }
        }
        var out = self
        out.layers = map(layers)
        return out
    }

    /// Multiply-accumulates of the weighted layers per sample (a mixture of experts' at
    /// balanced routing, see `weightedLayers`), rounded.
    public var macsPerInference: Int {
        Int(weightedLayers.reduce(0.0) { $0 + Double($1.weight.rows * $1.weight.columns) * $1.vectorsPerSample }.rounded())
    }

    /// The weight matrices that run on tiles, depth first (a residual block's body before
    /// its shortcut; attention's qkv then proj; a mixture of experts' router, then each
    /// expert's fc1 and fc2): each one's layer (`.dense` or `.conv2d`), matrix `[outputs ×
    /// inputs]` (a convolution's `[outChannels × inChannels·kh·kw]`) and the MVMs it performs
    /// per sample: a convolution's output pixels, a dense layer's tokens (1 on flat
    /// samples), an expert's expected tokens under balanced routing T·k/E (the actual
    /// count depends on the data). Empty when the layers do not chain.
    public var weightedLayers: [WeightedLayer] {
        var out: [WeightedLayer] = []
        func walk(_ layers: [Layer], _ shape: [Int]) throws -> [Int] {
            var s = shape
            for l in layers {
                let tokens = Double(s.count == 2 ? s[0] : 1)
                switch l {
                case .dense(let d): out.append(WeightedLayer(l, d.weight, tokens))
                case .conv2d(let c): out.append(WeightedLayer(l, c.weight, Double(try c.outputShape(s).dropFirst().reduce(1, *))))
                case .attention, .mixtureOfExperts:
                    // Every site reads every token, except an expert (site ≥ 1 of a mixture):
                    // its share T·k/E.
                    var share = tokens
                    if case .mixtureOfExperts(let m) = l { share = tokens * Double(m.topK) / Double(m.experts.count) }
                    for (site, d) in l.denseSites.enumerated() {
                        out.append(WeightedLayer(.dense(d), d.weight, site > 0 ? share : tokens))
                    }
                case .residual(let r):
                    _ = try walk(r.body, s)
                    _ = try walk(r.shortcut, s)
                default: break
                }
                s = try l.outputShape(s)
            }
            return s
        }
        return (try? walk(layers, inputShape)) != nil ? out : []
    }

    /// The operands that `forward(x)` hands to sgemm, in order: each weighted layer's input
    /// (a convolution's im2col matrix `[batch·pixels × inChannels·kh·kw]`, a dense layer's
    /// `[batch·tokens × inputs]`) and its matrix `[outputs × inputs]` (what `aimc bench`
    /// times as the ceiling). Nil when a weighted layer sits inside a residual block or in
    /// an attention or mixture-of-experts layer.
    /// - Throws: `NetworksError(.shape)` for an input of the wrong size.
    public func sgemmOperands(_ x: Matrix) throws -> [(input: Matrix, weight: Matrix)]? {
        var a = try input(x)
        var out: [(input: Matrix, weight: Matrix)] = []
        for l in layers {
            switch l {
            case .dense(let d): out.append((Matrix(rows: a.data.values.count / d.inputs, columns: d.inputs, values: a.data.values), d.weight))
            case .conv2d(let c): out.append((Conv2d.im2col(a.data, try c.geometry(a.shape)), c.weight))
            case .residual where l.containsWeights, .attention, .mixtureOfExperts: return nil
            default: break
            }
            a = try l.forward(a)
        }
        return out
    }

    /// Number of trainable parameters.
    public var parameterCount: Int {
        namedArrays().filter { !$0.0.hasSuffix("running_mean") && !$0.0.hasSuffix("running_var") }.reduce(0) { $0 + $1.1.count }
    }

    // MARK: Named parameters

    /// The parameters under PyTorch-style names: layer path `layers.i` (inside a residual
    /// block `layers.i.body.j`, `layers.i.shortcut.j`) then `.weight`, `.bias` (conv2d:
    /// weight `[out, in, kh, kw]`; dense `[out, in]`), batch norm `.weight` (γ), `.bias` (β),
    /// `.running_mean`, `.running_var` (`NetworkDescription.namedArrays(of:)` gives them
    /// under the names an architecture file chose).
    public func namedArrays() -> [(String, NumpyArray)] {
        var out: [(String, NumpyArray)] = []
        Self.collect(layers, path: "layers", into: &out)
        return out
    }

    static func collect(_ layers: [Layer], path: String, into out: inout [(String, NumpyArray)]) {
        func dense(_ d: DenseLayer, _ n: String) {
            out.append(("\(n).weight", NumpyArray(floats: d.weight.values, shape: [d.outputs, d.inputs])))
            out.append(("\(n).bias", NumpyArray(floats: d.bias, shape: [d.outputs])))
        }
        for (i, l) in layers.enumerated() {
            let n = "\(path).\(i)"
            switch l {
            case .dense(let d): dense(d, n)
            case .conv2d(let c):
                out.append(("\(n).weight", NumpyArray(floats: c.weight.values, shape: [c.outChannels, c.inChannels, c.kernelHeight, c.kernelWidth])))
                out.append(("\(n).bias", NumpyArray(floats: c.bias, shape: [c.outChannels])))
            case .batchNorm(let bn):
                out.append(("\(n).weight", NumpyArray(floats: bn.scale, shape: [bn.channels])))
                out.append(("\(n).bias", NumpyArray(floats: bn.shift, shape: [bn.channels])))
                out.append(("\(n).running_mean", NumpyArray(floats: bn.runningMean, shape: [bn.channels])))
                out.append(("\(n).running_var", NumpyArray(floats: bn.runningVariance, shape: [bn.channels])))
            case .residual(let r):
                collect(r.body, path: n + ".body", into: &out)
                collect(r.shortcut, path: n + ".shortcut", into: &out)
            case .classToken(let c): out.append(("\(n).weight", NumpyArray(floats: c.value, shape: [1, 1, c.dim])))
            case .positionalEmbedding(let p): out.append(("\(n).weight", NumpyArray(floats: p.value.values, shape: [1, p.tokens, p.dim])))
            case .layerNorm(let ln):
                out.append(("\(n).weight", NumpyArray(floats: ln.scale, shape: [ln.dim])))
                out.append(("\(n).bias", NumpyArray(floats: ln.shift, shape: [ln.dim])))
            case .attention(let a):
                dense(a.qkv, n + ".qkv")
                dense(a.proj, n + ".proj")
            case .mixtureOfExperts(let m):
                dense(m.router, n + ".router")
                for (e, x) in m.experts.enumerated() {
                    dense(x.fc1, "\(n).experts.\(e).fc1")
                    dense(x.fc2, "\(n).experts.\(e).fc2")
                }
            default: break
            }
        }
    }

    /// Saves the parameters (`namedArrays()`) as float32 `.npz`, atomically.
    public func save(npz url: URL) throws {
        try NPZ.write(namedArrays(), to: url)
    }
}

/// A weight matrix that runs on tiles (see `SequentialNetwork.weightedLayers`).
public struct WeightedLayer: Sendable {
    /// `.dense` or `.conv2d`.
    public var layer: Layer
    /// `[outputs × inputs]`.
    public var weight: Matrix
    /// MVMs per sample (an expert's: the expected count under balanced routing).
    public var vectorsPerSample: Double
    public var placement: Placement {
        switch layer {
        case .dense(let d): d.placement
        case .conv2d(let c): c.placement
        default: .analog
        }
    }

    init(_ layer: Layer, _ weight: Matrix, _ vectorsPerSample: Double) {
        self.layer = layer
        self.weight = weight
        self.vectorsPerSample = vectorsPerSample
    }
}

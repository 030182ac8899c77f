import NumericKernels

/// One layer of a `SequentialNetwork`. Weighted layers (`dense`, `conv2d`) run on analogue
/// tiles in an `AnalogSequentialNetwork`; everything else is digital periphery.
public indirect enum Layer: Equatable, Sendable {
    /// y = W·x + b on flat samples `[features]` (PyTorch's `nn.Linear`).
    case dense(DenseLayer)
    /// 2-D convolution on images `[C, H, W]` (`nn.Conv2d`).
    case conv2d(Conv2d)
    /// Max or average pooling (`nn.MaxPool2d`, `nn.AvgPool2d`).
    case pool(Pool2d)
    /// Mean over height and width: `[C, H, W]` → `[C]` (`nn.AdaptiveAvgPool2d(1)` + flatten).
    case globalAveragePool
    /// Batch normalisation (`nn.BatchNorm1d`/`2d`).
    case batchNorm(BatchNorm)
    /// max(x, 0).
    case relu
    /// `[C, H, W]` → `[C·H·W]` in C order (`nn.Flatten`).
    case flatten
    /// Zeroes each activation with probability p ∈ [0, 1) and scales the rest by 1/(1 − p)
    /// while training; the identity at inference (`nn.Dropout`).
    case dropout(Float)
    /// body(x) + shortcut(x) (a ResNet block; an empty shortcut is the identity).
    case residual(ResidualBlock)

    /// A short name for messages: `conv2d`, `dense`, …
    public var kindName: String {
        switch self {
        case .dense: "dense"
        case .conv2d: "conv2d"
        case .pool(let p): p.name
        case .globalAveragePool: "global_avg_pool"
        case .batchNorm: "batch_norm"
        case .relu: "relu"
        case .flatten: "flatten"
        case .dropout: "dropout"
        case .residual: "residual"
        }
    }

    /// The per-sample output shape for an input of `shape`.
    /// - Throws: `NetworksError(.shape)` when the layer cannot take that input.
    public func outputShape(_ shape: [Int]) throws -> [Int] {
        switch self {
        case .dense(let d):
            try Self.checkDense(d, shape)
            return [d.outputs]
        case .conv2d(let c): return try c.outputShape(shape)
        case .pool(let p): return try p.outputShape(shape)
        case .globalAveragePool: return [try ImageShape(shape, layer: "global_avg_pool").channels]
        case .batchNorm(let bn):
            _ = try bn.layout(shape)
            return shape
        case .relu, .dropout: return shape
        case .flatten: return [shape.reduce(1, *)]
        case .residual(let r): return try r.outputShape(shape)
        }
    }

    static func checkDense(_ d: DenseLayer, _ shape: [Int]) throws {
        guard shape.count == 1 else {
            throw NetworksError(.shape, "dense layer [\(d.outputs) × \(d.inputs)] needs flat samples of rank 1 [features]; got rank \(shape.count) \(shape) (add a flatten layer)")
        }
        guard shape[0] == d.inputs else {
            throw NetworksError(.shape, "dense layer [\(d.outputs) × \(d.inputs)] expects \(d.inputs) input features; got \(shape[0])")
        }
    }

    /// Digital FP32 inference forward (dropout is the identity, batch norm uses running
    /// statistics).
    /// - Throws: `NetworksError(.shape)` for an input of the wrong rank or size.
    /// Whether the layer (or a layer inside it) has a weight matrix that runs on tiles.
    public var containsWeights: Bool {
        switch self {
        case .dense, .conv2d: return true
        case .residual(let r): return r.body.contains(where: \.containsWeights) || r.shortcut.contains(where: \.containsWeights)
        default: return false
        }
    }

    public func forward(_ x: Tensor) throws -> Tensor {
        switch self {
        case .dense(let d):
            try Self.checkDense(d, x.shape)
            var y = BLAS.matmulTransposed(x.data, d.weight)
            addBias(&y, d.bias)
            return Tensor(unchecked: y, shape: [d.outputs])
        case .conv2d(let c): return try c.forward(x)
        case .pool(let p): return try p.forward(x)
        case .globalAveragePool: return try Self.globalAverage(x)
        case .batchNorm(let bn): return try bn.forward(x)
        case .relu:
            var y = x
            Networks.relu(&y.data)
            return y
        case .dropout: return x
        case .flatten: return Tensor(unchecked: x.data, shape: [x.featureCount])
        case .residual(let r): return try r.forward(x)
        }
    }

    static func globalAverage(_ x: Tensor) throws -> Tensor {
        let s = try ImageShape(x.shape, layer: "global_avg_pool")
        var out = Matrix(rows: x.batch, columns: s.channels)
        let inv = 1 / Float(s.plane)
        x.data.values.withUnsafeBufferPointer { xp in
            for b in 0..<x.batch {
                for c in 0..<s.channels {
                    var sum: Float = 0
                    let base = b * s.count + c * s.plane
                    for i in 0..<s.plane { sum += xp[base + i] }
                    out[b, c] = sum * inv
                }
            }
        }
        return Tensor(unchecked: out, shape: [s.channels])
    }
}

/// A residual block: `body(x) + shortcut(x)`, shapes checked to agree (He et al., CVPR 2016).
/// The addition is digital; a ReLU after it is a separate layer.
public struct ResidualBlock: Equatable, Sendable {
    public var body: [Layer]
    /// Empty: the identity.
    public var shortcut: [Layer]

    public init(body: [Layer], shortcut: [Layer] = []) {
        self.body = body
        self.shortcut = shortcut
    }

    public func outputShape(_ shape: [Int]) throws -> [Int] {
        let a = try SequentialNetwork.outputShape(body, shape)
        let b = try SequentialNetwork.outputShape(shortcut, shape)
        guard a == b else {
            throw NetworksError(.shape, "residual: body gives \(a) but shortcut gives \(b) for input \(shape)")
        }
        return a
    }

    public func forward(_ x: Tensor) throws -> Tensor {
        var a = x
        for l in body { a = try l.forward(a) }
        var b = x
        for l in shortcut { b = try l.forward(b) }
        guard a.shape == b.shape else {
            throw NetworksError(.shape, "residual: body gives \(a.shape) but shortcut gives \(b.shape) for input \(x.shape)")
        }
        addInPlace(&a.data, b.data)
        return a
    }
}

/// a += b elementwise.
func addInPlace(_ a: inout Matrix, _ b: Matrix) {
    precondition(a.values.count == b.values.count)
    a.values.withUnsafeMutableBufferPointer { ap in
        b.values.withUnsafeBufferPointer { bp in
            for i in 0..<ap.count { ap[i] += bp[i] }
        }
    }
}

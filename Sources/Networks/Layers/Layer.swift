import NumericKernels

/// How a layer multiplies activations by one of its weight matrices: `site` is the matrix's
/// index inside the layer (0 for a dense layer; attention: 0 qkv, 1 proj; mixture of
/// experts: 0 the router, 1 + 2e and 2 + 2e expert e's fc1 and fc2), `x` `[rows × inputs]`;
/// returns `[rows × outputs]` without the bias. The digital network uses BLAS
/// (`Layer.digitalProduct`); the analogue network reads its tiles.
public typealias MatrixProduct = (_ site: Int, _ layer: DenseLayer, _ x: Matrix) throws -> Matrix

/// One layer of a `SequentialNetwork`. Weighted layers (`dense`, `conv2d`, and the matrices
/// inside `attention` and `mixtureOfExperts`) run on analogue tiles in an
/// `AnalogSequentialNetwork` unless placed digitally; everything else is digital periphery.
public indirect enum Layer: Equatable, Sendable {
    /// y = W·x + b on flat samples `[features]` or on each token of `[T, features]`
    /// (PyTorch's `nn.Linear`).
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
    /// body(x) + shortcut(x) (a ResNet block, a transformer's pre-norm sub-block; an empty
    /// shortcut is the identity).
    case residual(ResidualBlock)
    /// `[C, H, W]` → `[H·W, C]`: an image's pixels as tokens (after a patch-embedding
    /// convolution).
    case tokens
    /// Prepends a learned class token: `[T, D]` → `[T + 1, D]`.
    case classToken(ClassToken)
    /// Adds a learned positional embedding to `[T, D]`.
    case positionalEmbedding(PositionalEmbedding)
    /// Layer normalisation over the last axis (`nn.LayerNorm`).
    case layerNorm(LayerNorm)
    /// GELU, exact erf form (`nn.GELU()`).
    case gelu
    /// Multi-head self-attention on `[T, D]`.
    case attention(MultiHeadAttention)
    /// `[T, D]` → `[D]`: the class token or the mean over tokens.
    case tokenPool(TokenPool)
    /// A mixture-of-experts feed-forward block with a top-k router, on `[D]` or `[T, D]`.
    case mixtureOfExperts(MixtureOfExperts)

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
        case .tokens: "tokens"
        case .classToken: "class_token"
        case .positionalEmbedding: "pos_embedding"
        case .layerNorm: "layer_norm"
        case .gelu: "gelu"
        case .attention: "attention"
        case .tokenPool: "token_pool"
        case .mixtureOfExperts: "moe"
        }
    }

    /// The per-sample output shape for an input of `shape`.
    /// - Throws: `NetworksError(.shape)` when the layer cannot take that input.
    public func outputShape(_ shape: [Int]) throws -> [Int] {
        switch self {
        case .dense(let d): return try Self.checkDense(d, shape)
        case .conv2d(let c): return try c.outputShape(shape)
        case .pool(let p): return try p.outputShape(shape)
        case .globalAveragePool: return [try ImageShape(shape, layer: "global_avg_pool").channels]
        case .batchNorm(let bn):
            _ = try bn.layout(shape)
            return shape
        case .relu, .dropout, .gelu: return shape
        case .flatten: return [shape.reduce(1, *)]
        case .residual(let r): return try r.outputShape(shape)
        case .tokens: return try ImageTokens.outputShape(shape)
        case .classToken(let c): return try c.outputShape(shape)
        case .positionalEmbedding(let p):
            try p.check(shape)
            return shape
        case .layerNorm(let n):
            try n.check(shape)
            return shape
        case .attention(let a):
            _ = try a.check(shape)
            return shape
        case .tokenPool(let p): return try p.outputShape(shape)
        case .mixtureOfExperts(let m):
            try m.check(shape)
            return shape
        }
    }

    /// The dense layer's output shape: `[outputs]` or `[T, outputs]`.
    static func checkDense(_ d: DenseLayer, _ shape: [Int]) throws -> [Int] {
        guard shape.count == 1 || shape.count == 2 else {
            throw NetworksError(.shape, "dense layer [\(d.outputs) × \(d.inputs)] needs flat samples [features] or tokens [T, features]; got rank \(shape.count) \(shape) (add a flatten layer)")
        }
        guard shape.last == d.inputs else {
            throw NetworksError(.shape, "dense layer [\(d.outputs) × \(d.inputs)] expects \(d.inputs) input features; got \(shape.last!) (input \(shape))")
        }
        return shape.dropLast() + [d.outputs]
    }

    /// Whether the layer (or a layer inside it) has a weight matrix that runs on tiles.
    public var containsWeights: Bool {
        switch self {
        case .dense, .conv2d, .attention, .mixtureOfExperts: return true
        case .residual(let r): return r.body.contains(where: \.containsWeights) || r.shortcut.contains(where: \.containsWeights)
        default: return false
        }
    }

    /// The dense matrices of a layer that holds them itself, in site order (see
    /// `MatrixProduct`); empty for others (a convolution's matrix is `Conv2d.weight`).
    public var denseSites: [DenseLayer] {
        switch self {
        case .dense(let d): [d]
        case .attention(let a): [a.qkv, a.proj]
        case .mixtureOfExperts(let m): m.denseLayers
        default: []
        }
    }

    /// FP32 `x·Wᵀ` through OpenBLAS: the digital `MatrixProduct`.
    public static func digitalProduct(_ site: Int, _ layer: DenseLayer, _ x: Matrix) -> Matrix {
        BLAS.matmulTransposed(x, layer.weight)
    }

    /// Digital FP32 inference forward (dropout is the identity, batch norm uses running
    /// statistics).
    /// - Throws: `NetworksError(.shape)` for an input of the wrong rank or size.
    public func forward(_ x: Tensor) throws -> Tensor {
        try forward(x, product: Self.digitalProduct)
    }

    /// The forward pass with the dense matrices' products through `product` (convolutions
    /// and residual blocks' inner layers stay digital here; `AnalogSequentialNetwork` runs
    /// those itself).
    /// - Throws: `NetworksError(.shape)` for an input of the wrong rank or size, and what
    ///   `product` throws.
    public func forward(_ x: Tensor, product: MatrixProduct) throws -> Tensor {
        switch self {
        case .dense(let d):
            let shape = try Self.checkDense(d, x.shape)
            var y = try product(0, d, Matrix(rows: x.data.values.count / d.inputs, columns: d.inputs, values: x.data.values))
            addBias(&y, d.bias)
            return Tensor(unchecked: Matrix(rows: x.batch, columns: shape.reduce(1, *), values: y.values), shape: shape)
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
        case .tokens: return try ImageTokens.forward(x)
        case .classToken(let c): return try c.forward(x)
        case .positionalEmbedding(let p): return try p.forward(x)
        case .layerNorm(let n): return try n.forward(x)
        case .gelu:
            var y = x
            Networks.gelu(&y.data)
            return y
        case .attention(let a): return try a.forward(x, product: product)
        case .tokenPool(let p): return try p.forward(x)
        case .mixtureOfExperts(let m): return try m.forward(x, product: product)
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

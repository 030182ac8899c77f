import NumericKernels

/// The geometry of a token sequence `[tokens, dim]` (rank 2, token t's feature d at column
/// t·dim + d): what a vision transformer's layers pass on.
struct TokenShape: Equatable {
    var tokens: Int
    var dim: Int
    var count: Int { tokens * dim }

    /// Reads a rank-2 shape or throws naming `layer`.
    init(_ shape: [Int], layer: String) throws {
        guard shape.count == 2 else {
            throw NetworksError(.shape, "\(layer) needs token sequences of rank 2 [tokens, dim]; got rank \(shape.count) \(shape) (a tokens layer turns [C, H, W] into [H·W, C])")
        }
        tokens = shape[0]
        dim = shape[1]
    }

    /// Checks the width against a layer's `dim`.
    init(_ shape: [Int], layer: String, dim expected: Int) throws {
        try self.init(shape, layer: layer)
        guard dim == expected else {
            throw NetworksError(.shape, "\(layer) has dim \(expected) but its input tokens have width \(dim) (shape \(shape))")
        }
    }
}

/// The tokens of an image: `[C, H, W]` → `[H·W, C]`, token y·W + x holding pixel (y, x)'s
/// channels (PyTorch's `x.flatten(2).transpose(1, 2)` after a patch-embedding convolution,
/// as in timm's `PatchEmbed`).
enum ImageTokens {
    static func outputShape(_ shape: [Int]) throws -> [Int] {
        let s = try ImageShape(shape, layer: "tokens")
        return [s.plane, s.channels]
    }

    static func forward(_ x: Tensor) throws -> Tensor {
        let s = try ImageShape(x.shape, layer: "tokens")
        let out = Matrix(rows: x.batch, columns: s.count) { op in
            x.data.values.withUnsafeBufferPointer { xp in
                for b in 0..<x.batch {
                    let base = b * s.count
                    for c in 0..<s.channels {
                        for p in 0..<s.plane { op[base + p * s.channels + c] = xp[base + c * s.plane + p] }
                    }
                }
            }
        }
        return Tensor(unchecked: out, shape: [s.plane, s.channels])
    }

    /// The gradient: `[H·W, C]` back to `[C, H, W]`.
    static func backward(_ dy: Matrix, image s: [Int]) -> Matrix {
        let (c, plane) = (s[0], s[1] * s[2])
        return Matrix(rows: dy.rows, columns: c * plane) { op in
            dy.values.withUnsafeBufferPointer { dp in
                for b in 0..<dy.rows {
                    let base = b * c * plane
                    for p in 0..<plane {
                        for ch in 0..<c { op[base + ch * plane + p] = dp[base + p * c + ch] }
                    }
                }
            }
        }
    }
}

/// A learned class token prepended to a token sequence: `[T, D]` → `[T + 1, D]`, token 0
/// the class token (Dosovitskiy et al., ICLR 2021; timm's `cls_token`, shape `[1, 1, D]`).
public struct ClassToken: Equatable, Sendable {
    /// The token, `dim` values.
    public var value: [Float]
    public var dim: Int { value.count }

    public init(value: [Float]) {
        precondition(!value.isEmpty, "class token needs dim ≥ 1")
        self.value = value
    }

    /// Initialised N(0, 0.02²) (timm's `trunc_normal_(std=.02)` without truncation at ±2σ,
    /// which a draw reaches with probability 5 %) from stream `[0x54524E53, index]`.
    public init(dim: Int, seed: UInt64, index: Int) {
        var rng = Xoshiro256(seed: seed, .transformerInitialisation, UInt64(index))
        self.init(value: rng.gaussians(dim).map { $0 * 0.02 })
    }

    func outputShape(_ shape: [Int]) throws -> [Int] {
        let s = try TokenShape(shape, layer: "class_token", dim: dim)
        return [s.tokens + 1, s.dim]
    }

    func forward(_ x: Tensor) throws -> Tensor {
        let s = try TokenShape(x.shape, layer: "class_token", dim: dim)
        let width = s.count + dim
        let out = Matrix(rows: x.batch, columns: width) { op in
            x.data.values.withUnsafeBufferPointer { xp in
                value.withUnsafeBufferPointer { vp in
                    for b in 0..<x.batch {
                        for d in 0..<dim { op[b * width + d] = vp[d] }
                        for k in 0..<s.count { op[b * width + dim + k] = xp[b * s.count + k] }
                    }
                }
            }
        }
        return Tensor(unchecked: out, shape: [s.tokens + 1, dim])
    }
}

/// A learned positional embedding added to a token sequence `[T, D]` (timm's `pos_embed`,
/// shape `[1, T, D]`).
public struct PositionalEmbedding: Equatable, Sendable {
    /// `[tokens × dim]`, row t the embedding of token t.
    public var value: Matrix
    public var tokens: Int { value.rows }
    public var dim: Int { value.columns }

    public init(value: Matrix) {
        precondition(value.rows >= 1 && value.columns >= 1, "positional embedding needs tokens, dim ≥ 1")
        self.value = value
    }

    /// Initialised N(0, 0.02²) (see `ClassToken.init(dim:seed:index:)`).
    public init(tokens: Int, dim: Int, seed: UInt64, index: Int) {
        var rng = Xoshiro256(seed: seed, .transformerInitialisation, UInt64(index))
        self.init(value: Matrix(rows: tokens, columns: dim, values: rng.gaussians(tokens * dim).map { $0 * 0.02 }))
    }

    func check(_ shape: [Int]) throws {
        let s = try TokenShape(shape, layer: "pos_embedding", dim: dim)
        guard s.tokens == tokens else {
            throw NetworksError(.shape, "pos_embedding holds \(tokens) tokens but its input has \(s.tokens) (shape \(shape))")
        }
    }

    func forward(_ x: Tensor) throws -> Tensor {
        try check(x.shape)
        var y = x
        let n = value.values.count
        y.data.values.withUnsafeMutableBufferPointer { yp in
            value.values.withUnsafeBufferPointer { vp in
                for b in 0..<x.batch { for k in 0..<n { yp[b * n + k] += vp[k] } }
            }
        }
        return y
    }
}

/// How a token sequence `[T, D]` becomes one vector `[D]` for the classifier head.
public enum TokenPool: String, Equatable, Sendable, CaseIterable, Codable {
    /// Token 0 (the class token).
    case cls
    /// The mean over the tokens.
    case mean

    func outputShape(_ shape: [Int]) throws -> [Int] {
        [try TokenShape(shape, layer: "token_pool").dim]
    }

    func forward(_ x: Tensor) throws -> Tensor {
        let s = try TokenShape(x.shape, layer: "token_pool")
        let out = Matrix(rows: x.batch, columns: s.dim) { op in
            x.data.values.withUnsafeBufferPointer { xp in
                for b in 0..<x.batch {
                    let base = b * s.count
                    switch self {
                    case .cls:
                        for d in 0..<s.dim { op[b * s.dim + d] = xp[base + d] }
                    case .mean:
                        for d in 0..<s.dim { op[b * s.dim + d] = 0 }
                        for t in 0..<s.tokens { for d in 0..<s.dim { op[b * s.dim + d] += xp[base + t * s.dim + d] } }
                        let inv = 1 / Float(s.tokens)
                        for d in 0..<s.dim { op[b * s.dim + d] *= inv }
                    }
                }
            }
        }
        return Tensor(unchecked: out, shape: [s.dim])
    }
}

import NumericKernels

/// Max or average pooling over `kernel × kernel` windows (PyTorch's `MaxPool2d` /
/// `AvgPool2d` with `ceil_mode = False`; average pooling counts padded zeros,
/// `count_include_pad = True`, and max pooling ignores padding):
/// outH = ⌊(H + 2p − k)/s⌋ + 1. Pooling is digital on analogue hardware.
public struct Pool2d: Equatable, Sendable {
    public enum Kind: String, Sendable, CaseIterable { case max, average }
    public let kind: Kind
    /// Window size k ≥ 1.
    public let kernel: Int
    /// Stride s ≥ 1 (PyTorch's default is the kernel size).
    public let stride: Int
    /// Padding p, 0 ≤ p ≤ k/2.
    public let padding: Int

    public init(_ kind: Kind, kernel: Int, stride: Int? = nil, padding: Int = 0) {
        precondition(kernel >= 1 && (stride ?? kernel) >= 1 && padding >= 0 && 2 * padding <= kernel,
                     "pool: kernel ≥ 1, stride ≥ 1, 0 ≤ padding ≤ kernel/2")
        self.kind = kind
        self.kernel = kernel
        self.stride = stride ?? kernel
        self.padding = padding
    }

    /// `max_pool` or `avg_pool`.
    public var name: String { kind == .max ? "max_pool" : "avg_pool" }

    func geometry(_ input: [Int]) throws -> (ImageShape, ImageShape) {
        let s = try ImageShape(input, layer: name)
        guard s.height + 2 * padding >= kernel, s.width + 2 * padding >= kernel else {
            throw NetworksError(.shape, "\(name): input \(s.dims) with padding \(padding) is smaller than the \(kernel) × \(kernel) window")
        }
        let o = ImageShape(channels: s.channels, height: (s.height + 2 * padding - kernel) / stride + 1,
                           width: (s.width + 2 * padding - kernel) / stride + 1)
        return (s, o)
    }

    /// `[channels, outH, outW]`.
    /// - Throws: `NetworksError(.shape)` for a wrong rank or too small an input.
    public func outputShape(_ input: [Int]) throws -> [Int] { try geometry(input).1.dims }

    /// Digital forward.
    /// - Throws: `NetworksError(.shape)` for a wrong rank or too small an input.
    public func forward(_ x: Tensor) throws -> Tensor {
        try forward(x, argmax: nil)
    }

    /// Forward, recording for max pooling the input index of each output (for backward).
    func forward(_ x: Tensor, argmax: UnsafeMutablePointer<Int32>?) throws -> Tensor {
        let (s, o) = try geometry(x.shape)
        var out = Matrix(rows: x.batch, columns: o.count)
        let inv = 1 / Float(kernel * kernel)
        x.data.values.withUnsafeBufferPointer { xp in
            out.values.withUnsafeMutableBufferPointer { op in
                for b in 0..<x.batch {
                    for c in 0..<s.channels {
                        let src = xp.baseAddress! + b * s.count + c * s.plane
                        let dst = b * o.count + c * o.plane
                        for oy in 0..<o.height {
                            for ox in 0..<o.width {
                                var best = -Float.infinity, bestIndex: Int32 = -1, sum: Float = 0
                                for ky in 0..<kernel {
                                    let iy = oy * stride - padding + ky
                                    if iy < 0 || iy >= s.height { continue }
                                    for kx in 0..<kernel {
                                        let ix = ox * stride - padding + kx
                                        if ix < 0 || ix >= s.width { continue }
                                        let v = src[iy * s.width + ix]
                                        sum += v
                                        if v > best || bestIndex < 0 {
                                            best = v
                                            bestIndex = Int32(c * s.plane + iy * s.width + ix)
                                        }
                                    }
                                }
                                let k = dst + oy * o.width + ox
                                if kind == .max {
                                    op[k] = best
                                    argmax?[k] = bestIndex
                                } else {
                                    op[k] = sum * inv
                                }
                            }
                        }
                    }
                }
            }
        }
        return Tensor(unchecked: out, shape: o.dims)
    }

    /// Gradient with respect to the input.
    func backward(_ dy: Matrix, inputShape: [Int], argmax: [Int32]) throws -> Matrix {
        let (s, o) = try geometry(inputShape)
        var dx = Matrix(rows: dy.rows, columns: s.count)
        let inv = 1 / Float(kernel * kernel)
        dy.values.withUnsafeBufferPointer { gp in
            dx.values.withUnsafeMutableBufferPointer { dp in
                for b in 0..<dy.rows {
                    let g = gp.baseAddress! + b * o.count
                    let d = dp.baseAddress! + b * s.count
                    if kind == .max {
                        for k in 0..<o.count { d[Int(argmax[b * o.count + k])] += g[k] }
                        continue
                    }
                    for c in 0..<s.channels {
                        for oy in 0..<o.height {
                            for ox in 0..<o.width {
                                let v = g[c * o.plane + oy * o.width + ox] * inv
                                for ky in 0..<kernel {
                                    let iy = oy * stride - padding + ky
                                    if iy < 0 || iy >= s.height { continue }
                                    for kx in 0..<kernel {
                                        let ix = ox * stride - padding + kx
                                        if ix >= 0 && ix < s.width { d[c * s.plane + iy * s.width + ix] += v }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return dx
    }
}

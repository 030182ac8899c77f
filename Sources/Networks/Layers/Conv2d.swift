import NumericKernels

/// A 2-D convolution (cross-correlation, as PyTorch's `nn.Conv2d`, groups = 1):
///
///     y[o, oy, ox] = b[o] + Σ_{c,ky,kx} W[o, c, ky, kx] · x[c, oy·s − p + ky·d, ox·s − p + kx·d]
///
/// with zero padding p, stride s and dilation d; outH = ⌊(H + 2p − d·(kh − 1) − 1)/s⌋ + 1
/// (likewise outW). Lowered with im2col to one matrix product per batch, W viewed as
/// `[outChannels × inChannels·kh·kw]` (PyTorch's `weight.reshape(out, -1)`), so on analogue
/// hardware the layer is one `AnalogMatrix` of that shape (split at kernel boundaries,
/// see `AnalogSequentialNetwork`) that performs one MVM per output pixel.
public struct Conv2d: Equatable, Sendable {
    /// `[outChannels × inChannels·kernelHeight·kernelWidth]`, column c·kh·kw + ky·kw + kx.
    public var weight: Matrix
    /// `outChannels` elements (digital).
    public var bias: [Float]
    public let inChannels: Int
    public let kernelHeight: Int
    public let kernelWidth: Int
    /// Stride s ≥ 1 (both axes).
    public let stride: Int
    /// Zero padding p ≥ 0 on every side.
    public let padding: Int
    /// Dilation d ≥ 1 (both axes).
    public let dilation: Int
    /// Analogue tiles or the digital periphery (`AnalogSequentialNetwork`).
    public var placement: Placement = .analog

    /// - Parameters:
    ///   - weight: `[outChannels × inChannels·kernelHeight·kernelWidth]`.
    ///   - bias: `outChannels` elements.
    public init(
        weight: Matrix, bias: [Float], inChannels: Int, kernelHeight: Int, kernelWidth: Int,
        stride: Int = 1, padding: Int = 0, dilation: Int = 1
    ) {
        precondition(inChannels >= 1 && kernelHeight >= 1 && kernelWidth >= 1, "conv2d: channels and kernel must be ≥ 1")
        precondition(stride >= 1 && padding >= 0 && dilation >= 1, "conv2d: stride ≥ 1, padding ≥ 0, dilation ≥ 1")
        precondition(weight.columns == inChannels * kernelHeight * kernelWidth,
                     "conv2d: weight \(weight.shape) needs \(inChannels)·\(kernelHeight)·\(kernelWidth) columns")
        precondition(bias.count == weight.rows, "conv2d: bias has \(bias.count) elements for \(weight.rows) output channels")
        self.weight = weight
        self.bias = bias
        self.inChannels = inChannels
        self.kernelHeight = kernelHeight
        self.kernelWidth = kernelWidth
        self.stride = stride
        self.padding = padding
        self.dilation = dilation
    }

    /// He-normal initialisation N(0, 2/(inChannels·kh·kw)) from stream `[0x434F4E56, index]`.
    public init(
        inChannels: Int, outChannels: Int, kernel: Int, stride: Int = 1, padding: Int = 0, dilation: Int = 1,
        seed: UInt64, index: Int
    ) {
        let k = inChannels * kernel * kernel
        var rng = Xoshiro256(seed: seed, .convolutionInitialisation, UInt64(index))
        let std = Float((2.0 / Double(k)).squareRoot())
        self.init(
            weight: Matrix(rows: outChannels, columns: k, values: rng.gaussians(k * outChannels).map { $0 * std }),
            bias: [Float](repeating: 0, count: outChannels), inChannels: inChannels, kernelHeight: kernel,
            kernelWidth: kernel, stride: stride, padding: padding, dilation: dilation)
    }

    public var outChannels: Int { weight.rows }
    /// Elements of one receptive field: inChannels·kh·kw (the analogue matrix's inputs).
    public var fieldSize: Int { weight.columns }

    /// `[outChannels, outH, outW]` of an input `[inChannels, H, W]`.
    /// - Throws: `NetworksError(.shape)` for a wrong rank, channel count, or an input
    ///   smaller than the dilated kernel.
    public func outputShape(_ input: [Int]) throws -> [Int] {
        let g = try geometry(input)
        return [outChannels, g.outH, g.outW]
    }

    func geometry(_ input: [Int]) throws -> Im2col.Geometry {
        let s = try ImageShape(input, layer: "conv2d")
        guard s.channels == inChannels else {
            throw NetworksError(.shape, "conv2d expects \(inChannels) input channels; got input [\(s.channels), \(s.height), \(s.width)]")
        }
        let eh = dilation * (kernelHeight - 1) + 1, ew = dilation * (kernelWidth - 1) + 1
        guard s.height + 2 * padding >= eh, s.width + 2 * padding >= ew else {
            throw NetworksError(.shape, "conv2d: input [\(s.channels), \(s.height), \(s.width)] with padding \(padding) is smaller than the dilated \(eh) × \(ew) kernel")
        }
        return Im2col.Geometry(
            channels: s.channels, height: s.height, width: s.width, kh: kernelHeight, kw: kernelWidth,
            stride: stride, padding: padding, dilation: dilation,
            outH: (s.height + 2 * padding - eh) / stride + 1, outW: (s.width + 2 * padding - ew) / stride + 1)
    }

    /// The im2col matrix `[batch·outH·outW × fieldSize]` of `x` (see the type's docs).
    /// - Throws: `NetworksError(.shape)` as `outputShape`.
    public func im2col(_ x: Tensor) throws -> Matrix {
        let g = try geometry(x.shape)
        return Self.im2col(x.data, g)
    }

    static func im2col(_ x: Matrix, _ g: Im2col.Geometry) -> Matrix {
        // Im2col.forward writes every element (padding as explicit zeros).
        Matrix(rows: x.rows * g.p, columns: g.k) { cb in
            x.values.withUnsafeBufferPointer { xp in
                if let xb = xp.baseAddress { Im2col.forward(g, batch: x.rows, x: xb, cols: cb) }
            }
        }
    }

    /// Digital FP32 forward: `x` `[batch × inChannels·H·W]` → `[batch × outChannels·outH·outW]`.
    /// - Throws: `NetworksError(.shape)` for an input of the wrong rank or size.
    public func forward(_ x: Tensor) throws -> Tensor {
        let g = try geometry(x.shape)
        let y = BLAS.matmulTransposed(Self.im2col(x.data, g), weight)
        return Tensor(unchecked: Self.toNCHW(y, batch: x.batch, pixels: g.p, bias: bias), shape: [outChannels, g.outH, g.outW])
    }

    /// `[batch·P × O]` pixel rows plus bias → NCHW `[batch × O·P]`.
    static func toNCHW(_ y: Matrix, batch: Int, pixels: Int, bias: [Float]) -> Matrix {
        // pixelsToNCHW writes every element.
        Matrix(rows: batch, columns: y.columns * pixels) { oa in
            y.values.withUnsafeBufferPointer { yp in
                if let ya = yp.baseAddress { Im2col.pixelsToNCHW(ya, batch: batch, pixels: pixels, channels: y.columns, bias: bias, out: oa) }
            }
        }
    }

    /// Multiply-accumulates per sample for an input of `shape`.
    public func macs(_ input: [Int]) throws -> Int {
        let g = try geometry(input)
        return g.p * g.k * outChannels
    }
}

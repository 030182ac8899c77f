import NumericKernels

/// A batch of activations with a per-sample shape.
///
/// `data` is `[batch × shape.product]`, each row one sample in C order: a flat vector
/// `[features]` (rank 1) or an image `[channels, height, width]` (rank 3, NCHW without the
/// batch axis — PyTorch's `flatten` order, so weights exported from PyTorch line up).
public struct Tensor: Equatable, Sendable {
    /// `[batch × shape.product]`.
    public var data: Matrix
    /// Per-sample shape: `[features]` or `[channels, height, width]`.
    public var shape: [Int]

    /// Wraps `data` with a per-sample `shape`.
    /// - Throws: `NetworksError(.shape)` when `data.columns` is not the product of `shape`
    ///   or the shape has a non-positive dimension.
    public init(_ data: Matrix, shape: [Int]) throws {
        guard !shape.isEmpty, shape.allSatisfy({ $0 > 0 }) else {
            throw NetworksError(.shape, "tensor shape \(shape) must have at least one dimension, all ≥ 1")
        }
        let n = shape.reduce(1, *)
        guard data.columns == n else {
            throw NetworksError(.shape, "tensor data \(data.shape) does not hold samples of shape \(shape) (\(n) values per sample)")
        }
        self.data = data
        self.shape = shape
    }

    init(unchecked data: Matrix, shape: [Int]) {
        self.data = data
        self.shape = shape
    }

    /// Number of samples.
    public var batch: Int { data.rows }
    /// Values per sample.
    public var featureCount: Int { data.columns }
}

/// The spatial geometry of an image tensor `[channels, height, width]`.
struct ImageShape: Equatable {
    var channels: Int
    var height: Int
    var width: Int
    var plane: Int { height * width }
    var count: Int { channels * height * width }

    /// Reads a rank-3 shape or throws naming `layer`.
    init(_ shape: [Int], layer: String) throws {
        guard shape.count == 3 else {
            throw NetworksError(
                .shape,
                "\(layer) needs image samples of rank 3 [channels, height, width]; got rank \(shape.count) \(shape)")
        }
        channels = shape[0]
        height = shape[1]
        width = shape[2]
    }

    init(channels: Int, height: Int, width: Int) {
        self.channels = channels
        self.height = height
        self.width = width
    }

    var dims: [Int] { [channels, height, width] }
}

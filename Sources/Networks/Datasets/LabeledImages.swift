import NumericKernels

/// Labelled samples of a classification dataset: images or feature vectors with integer
/// class labels.
public struct LabeledImages: Sendable {
    /// The samples, `[count × features]`, each row one sample in C order (an image
    /// `[C, H, W]` channel by channel, row by row).
    public let images: Matrix
    /// Class index of each sample, `count` values in `0..<classCount`.
    public let labels: [Int]
    /// Per-sample shape: `[features]` or `[channels, height, width]`; its product is
    /// `images.columns`.
    public let sampleShape: [Int]
    /// Number of classes of the dataset (labels lie in `0..<classCount`).
    public let classCount: Int

    /// Number of samples.
    public var count: Int { labels.count }
    /// Values per sample.
    public var features: Int { images.columns }

    /// Samples `[count × product(sampleShape)]` with `count` labels.
    ///
    /// The shapes and label range must agree (a programmer's error otherwise; loaders
    /// check files and throw).
    public init(images: Matrix, labels: [Int], sampleShape: [Int], classCount: Int) {
        precondition(!sampleShape.isEmpty && sampleShape.allSatisfy { $0 > 0 }, "sample shape \(sampleShape) must have positive dimensions")
        precondition(
            images.rows == labels.count && images.columns == sampleShape.reduce(1, *),
            "samples \(images.shape) do not match \(labels.count) labels of shape \(sampleShape)")
        precondition(classCount >= 1 && labels.allSatisfy { $0 >= 0 && $0 < classCount }, "labels outside 0..<\(classCount)")
        self.images = images
        self.labels = labels
        self.sampleShape = sampleShape
        self.classCount = classCount
    }

    /// The first `n` samples (all when `n` ≥ `count`).
    public func prefix(_ n: Int) -> LabeledImages {
        let k = min(max(n, 0), count)
        if k == count { return self }
        return LabeledImages(images: images.rows(0..<k), labels: Array(labels.prefix(k)), sampleShape: sampleShape, classCount: classCount)
    }
}

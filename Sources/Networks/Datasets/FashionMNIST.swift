import Foundation
import NumericKernels

/// The Fashion-MNIST dataset: 28×28 greyscale images of clothing in 10 classes,
/// 60000 for training and 10000 for testing.
///
/// H. Xiao, K. Rasul, R. Vollgraf, "Fashion-MNIST: a Novel Image Dataset for
/// Benchmarking Machine Learning Algorithms", arXiv:1708.07747 (2017). The files are
/// in the IDX format of MNIST (see `IDX`), plain or gzip-compressed. On Debian the
/// package `dataset-fashion-mnist` installs them in `defaultDirectory`.
public enum FashionMNIST {
    /// Where the Debian package `dataset-fashion-mnist` installs the files.
    public static let defaultDirectory = "/usr/share/datasets/fashion-mnist"
    /// Environment variable naming a directory that holds the files; overrides
    /// `defaultDirectory`, is overridden by an explicit `dataset.path` in a config.
    public static let environmentVariable = "AIMC_FASHION_MNIST_DIR"
    /// The Debian package that ships the dataset.
    public static let debianPackage = "dataset-fashion-mnist"
    /// Image height and width in pixels.
    public static let imageSide = 28
    /// Human-readable class names, indexed by label 0…9.
    public static let classNames = [
        "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
        "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
    ]

    /// Which half of the dataset to load.
    public enum Split: String, CaseIterable, Sendable {
        /// 60000 training images, files `train-*`.
        case train
        /// 10000 test images, files `t10k-*`.
        case test

        /// File name stem of the split, `train` or `t10k`.
        var stem: String {
            switch self {
            case .train: "train"
            case .test: "t10k"
            }
        }
    }

    /// The directory to load from: `configured` (from `dataset.path` in a config) if
    /// set, otherwise the `AIMC_FASHION_MNIST_DIR` environment variable if set, otherwise
    /// `defaultDirectory`. Empty strings count as unset.
    ///
    /// - Parameters:
    ///   - configured: a directory given explicitly, or `nil`.
    ///   - environment: the process environment; defaults to the real one.
    public static func resolveDirectory(
        configured: String?, environment: [String: String] = ProcessInfo.processInfo.environment
    ) -> String {
        if let configured, !configured.isEmpty { return configured }
        if let fromEnvironment = environment[environmentVariable], !fromEnvironment.isEmpty {
            return fromEnvironment
        }
        return defaultDirectory
    }

    /// Loads one split from `directory`.
    ///
    /// Reads `<stem>-images-idx3-ubyte` and `<stem>-labels-idx1-ubyte` (`stem` is
    /// `train` or `t10k`), each plain or with a `.gz` suffix, the plain file first.
    ///
    /// - Parameters:
    ///   - split: `.train` or `.test`.
    ///   - directory: the directory holding the IDX files.
    ///   - limit: keep only the first `limit` images (≥ 0); `nil` or a limit above the
    ///     split's size keeps them all.
    /// - Returns: images `[count × 784]` scaled to `0…1` and labels in `0…9`.
    /// - Throws: `NetworksError(.dataset)` naming every path looked for when a file is
    ///   missing (and how to install it), or when the images are not 28×28, the labels
    ///   leave `0…9`, the counts differ, or `limit` is negative; the errors of
    ///   `IDX.read(_:)` for unreadable or malformed files.
    public static func load(split: Split, directory: String, limit: Int? = nil) throws -> LabeledImages {
        if let limit, limit < 0 {
            throw NetworksError(.dataset, "Fashion-MNIST: limit must be ≥ 0, got \(limit)")
        }
        let imagesURL = try locate("\(split.stem)-images-idx3-ubyte", in: directory)
        let labelsURL = try locate("\(split.stem)-labels-idx1-ubyte", in: directory)

        let images = try IDX.read(imagesURL)
        let side = imageSide
        guard images.dimensions.count == 3, images.dimensions[1] == side, images.dimensions[2] == side else {
            throw NetworksError(
                .dataset,
                "\(imagesURL.path): expected Fashion-MNIST images, magic 0x00000803 with dimensions "
                    + "N×\(side)×\(side), found rank \(images.dimensions.count) with dimensions "
                    + images.dimensions.map(String.init).joined(separator: "×"))
        }
        let labels = try IDX.read(labelsURL)
        guard labels.dimensions.count == 1 else {
            throw NetworksError(
                .dataset,
                "\(labelsURL.path): expected Fashion-MNIST labels, magic 0x00000801 (rank 1), "
                    + "found rank \(labels.dimensions.count)")
        }
        guard labels.dimensions[0] == images.dimensions[0] else {
            throw NetworksError(
                .dataset,
                "Fashion-MNIST \(split.rawValue) split: \(imagesURL.path) holds \(images.dimensions[0]) images "
                    + "but \(labelsURL.path) holds \(labels.dimensions[0]) labels")
        }
        if let index = labels.bytes.firstIndex(where: { Int($0) >= classNames.count }) {
            throw NetworksError(
                .dataset,
                "\(labelsURL.path): label \(labels.bytes[index]) at index \(index) is outside 0...9")
        }

        let count = min(limit ?? Int.max, images.dimensions[0])
        let pixels = side * side
        var values = [Float](repeating: 0, count: count * pixels)
        images.bytes.withUnsafeBufferPointer { source in
            values.withUnsafeMutableBufferPointer { destination in
                for i in 0..<(count * pixels) { destination[i] = Float(source[i]) / 255 }
            }
        }
        return LabeledImages(
            images: Matrix(rows: count, columns: pixels, values: values),
            labels: labels.bytes.prefix(count).map { Int($0) }, sampleShape: [1, side, side], classCount: classNames.count)
    }

    /// The URL of `name` or `name.gz` in `directory`, or a dataset error naming both.
    private static func locate(_ name: String, in directory: String) throws -> URL {
        let base = URL(fileURLWithPath: directory, isDirectory: true)
        let candidates = [base.appendingPathComponent(name), base.appendingPathComponent(name + ".gz")]
        if let found = candidates.first(where: { FileManager.default.fileExists(atPath: $0.path) }) {
            return found
        }
        throw NetworksError(
            .dataset,
            "Fashion-MNIST file not found: looked for \(candidates[0].path) and \(candidates[1].path). "
                + "Install the Debian package \(debianPackage) (sudo apt-get install \(debianPackage)), "
                + "or set dataset.path in the experiment config or the \(environmentVariable) "
                + "environment variable to a directory holding the Fashion-MNIST IDX files.")
    }
}

import Foundation
import NumericKernels

/// A classification dataset from NumPy arrays (`dataset.name: arrays`): `x_train`,
/// `y_train`, `x_test`, `y_test` in one `.npz` file, or as four `.npy` files
/// (`x_train.npy`, …) in one folder.
///
/// - `x_*`: float32 or float64, `[N × features]` or `[N × C × H × W]` (images, C order),
///   every value finite; train and test samples of the same shape.
/// - `y_*`: integer (int32, int64 or uint8) `[N]`, labels in 0..<65536; the class
///   count is the largest label of either split + 1.
///
/// The loader checks all of that and throws `NetworksError(.dataset)` naming the file,
/// the array, and what was found and expected.
public struct ArraysDataset: Sendable {
    /// The file or folder the arrays came from.
    public let path: String
    public let train: LabeledImages
    public let test: LabeledImages

    /// Per-sample shape, `[features]` or `[C, H, W]`.
    public var sampleShape: [Int] { train.sampleShape }
    /// Largest label of either split + 1.
    public var classCount: Int { train.classCount }

    static let names = ["x_train", "y_train", "x_test", "y_test"]
    /// Labels must lie below this (the class count sizes the output layer).
    public static let maxClasses = 65536

    /// Reads the dataset at `path`: an `.npz` file, or a folder of four `.npy` files.
    /// - Throws: `NetworksError(.dataset)` for a missing array or file, a wrong dtype or
    ///   rank, mismatched lengths or sample shapes, an empty split, a negative label or a
    ///   non-finite input; the errors of `NPZ.read` / `NPY.read` for unreadable files.
    public static func load(path: String) throws -> ArraysDataset {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw NetworksError(.dataset, "dataset.path = \(path): no such file or folder (dataset.name = arrays reads an .npz with x_train, y_train, x_test, y_test, or a folder of x_train.npy, y_train.npy, x_test.npy, y_test.npy)")
        }
        var arrays: [String: NumpyArray] = [:]
        if isDirectory.boolValue {
            for n in names {
                let url = URL(fileURLWithPath: path).appendingPathComponent(n + ".npy")
                guard FileManager.default.fileExists(atPath: url.path) else {
                    throw NetworksError(.dataset, "\(path): \(n).npy not found (a dataset folder holds x_train.npy, y_train.npy, x_test.npy and y_test.npy)")
                }
                arrays[n] = try NPY.read(url)
            }
        } else {
            arrays = try NPZ.read(URL(fileURLWithPath: path))
            for n in names where arrays[n] == nil {
                throw NetworksError(.dataset, "\(path): array '\(n)' not found (arrays present: \(arrays.keys.sorted().joined(separator: ", ")); a dataset .npz holds x_train, y_train, x_test and y_test)")
            }
        }
        return try ArraysDataset(path: path, arrays: arrays)
    }

    /// The dataset from decoded arrays (see the type's docs for what they must hold).
    /// - Throws: `NetworksError(.dataset)` as `load`.
    public init(path: String, arrays: [String: NumpyArray]) throws {
        func fail(_ m: String) -> NetworksError { NetworksError(.dataset, "\(path): \(m)") }
        func inputs(_ n: String) throws -> (NumpyArray, [Int]) {
            let x = arrays[n]!
            guard x.dtype == .float32 || x.dtype == .float64 else {
                throw fail("\(n) has dtype \(x.dtype.rawValue); inputs must be float32 or float64 (convert with x.astype(np.float32))")
            }
            guard x.shape.count == 2 || x.shape.count == 4 else {
                throw fail("\(n) has shape \(x.shape) (rank \(x.shape.count)); inputs must be [N × features] or [N × C × H × W]")
            }
            guard x.shape[0] > 0 else { throw fail("\(n) holds 0 samples; each split needs at least one") }
            guard x.shape.dropFirst().allSatisfy({ $0 > 0 }) else { throw fail("\(n) has shape \(x.shape); every sample dimension must be ≥ 1") }
            return (x, Array(x.shape.dropFirst()))
        }
        func labels(_ n: String, count: Int, inputs xn: String) throws -> [Int] {
            let y = arrays[n]!
            let values: [Int]
            switch y.dtype {
            case .int32, .int64, .uint8: values = y.doubles().map { Int($0) }
            default:
                throw fail("\(n) has dtype \(y.dtype.rawValue); labels must be integers (int32, int64 or uint8)")
            }
            guard y.shape.count == 1 else {
                throw fail("\(n) has shape \(y.shape); labels must be a vector [N]")
            }
            guard y.shape[0] == count else {
                throw fail("\(xn) holds \(count) samples but \(n) holds \(y.shape[0]) labels")
            }
            if let i = values.firstIndex(where: { $0 < 0 || $0 >= Self.maxClasses }) {
                throw fail("\(n)[\(i)] = \(values[i]); labels must be class indices in 0..<\(Self.maxClasses)")
            }
            return values
        }
        let (xTrain, shape) = try inputs("x_train")
        let (xTest, testShape) = try inputs("x_test")
        guard shape == testShape else {
            throw fail("x_train samples have shape \(shape) but x_test samples \(testShape); both splits need the same sample shape")
        }
        let yTrain = try labels("y_train", count: xTrain.shape[0], inputs: "x_train")
        let yTest = try labels("y_test", count: xTest.shape[0], inputs: "x_test")
        let classes = max(yTrain.max() ?? 0, yTest.max() ?? 0) + 1
        func samples(_ x: NumpyArray, _ n: String) throws -> Matrix {
            let f = x.floats()
            if let bad = f.firstIndex(where: { !$0.isFinite }) {
                let features = shape.reduce(1, *)
                throw fail("\(n) sample \(bad / features), value \(bad % features) is \(f[bad]); inputs must be finite (float32 range)")
            }
            return Matrix(rows: x.shape[0], columns: shape.reduce(1, *), values: f)
        }
        self.path = path
        train = LabeledImages(images: try samples(xTrain, "x_train"), labels: yTrain, sampleShape: shape, classCount: classes)
        test = LabeledImages(images: try samples(xTest, "x_test"), labels: yTest, sampleShape: shape, classCount: classes)
    }
}

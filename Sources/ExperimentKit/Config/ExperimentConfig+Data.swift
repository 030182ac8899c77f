import Crossbar
import Foundation
import Networks
import NumericKernels

/// `dataset.name`.
public enum DatasetName: String, CaseIterable, Sendable {
    /// Fashion-MNIST IDX files (`FashionMNIST`).
    case fashionMNIST = "fashion-mnist"
    /// NumPy arrays (`ArraysDataset`).
    case arrays
}

/// Datasets read once per process and path (an `arrays` file is read by the training, the
/// evaluation and the ADC calibration of one run).
private final class ArraysCache: @unchecked Sendable {
    static let shared = ArraysCache()
    let lock = NSLock()
    var loaded: [String: (Date?, ArraysDataset)] = [:]

    func dataset(_ path: String) throws -> ArraysDataset {
        let modified = (try? FileManager.default.attributesOfItem(atPath: path))?[.modificationDate] as? Date
        lock.lock()
        defer { lock.unlock() }
        if let (m, d) = loaded[path], m == modified { return d }
        let d = try ArraysDataset.load(path: path)
        loaded = [path: (modified, d)]
        return d
    }
}

extension ExperimentConfig {
    /// One split of the dataset, the first `dataset.train_limit` / `dataset.test_limit`
    /// samples.
    /// - Throws: `NetworksError(.dataset)` for missing or malformed files, or an empty split.
    public func loadData(_ split: FashionMNIST.Split, limit: Int? = nil) throws -> LabeledImages {
        let n = limit ?? (split == .train ? trainLimit : testLimit)
        let data: LabeledImages
        switch datasetName {
        case .fashionMNIST: data = try FashionMNIST.load(split: split, directory: datasetDirectory, limit: n)
        case .arrays:
            let d = try ArraysCache.shared.dataset(datasetDirectory)
            data = (split == .train ? d.train : d.test).prefix(n)
        }
        guard data.count > 0 else {
            throw NetworksError(.dataset, "\(datasetDirectory): the \(split.rawValue) split holds no samples")
        }
        return data
    }

    /// Per-sample shape and class count of the dataset (read from the files for `arrays`).
    /// - Throws: as `loadData`.
    public func dataShape() throws -> (sampleShape: [Int], classes: Int) {
        switch datasetName {
        case .fashionMNIST: return ([1, FashionMNIST.imageSide, FashionMNIST.imageSide], FashionMNIST.classNames.count)
        case .arrays:
            let d = try ArraysCache.shared.dataset(datasetDirectory)
            return (d.sampleShape, d.classCount)
        }
    }

    /// What identifies the training data in the weights cache: the dataset name, and for
    /// `arrays` a hash of the file contents.
    func datasetIdentity() throws -> String {
        switch datasetName {
        case .fashionMNIST: return "fashion-mnist"
        case .arrays:
            var isDirectory: ObjCBool = false
            _ = FileManager.default.fileExists(atPath: datasetDirectory, isDirectory: &isDirectory)
            let files = isDirectory.boolValue
                ? ["x_train", "y_train", "x_test", "y_test"].map { URL(fileURLWithPath: datasetDirectory).appendingPathComponent($0 + ".npy").path }
                : [datasetDirectory]
            var h: UInt64 = 0xcbf2_9ce4_8422_2325
            for f in files {
                guard let data = FileManager.default.contents(atPath: f) else {
                    throw NetworksError(.dataset, "\(f): cannot read the dataset file")
                }
                for b in data { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
            }
            return "arrays:" + String(format: "%016llx", h)
        }
    }

    /// The ADC calibration batch: the first `evaluation.adc_calibration_images` training
    /// samples when `hardware.adc.range_policy` is calibrated, else nil. Training samples,
    /// never test samples, so the test set stays held out.
    /// - Throws: `NetworksError` when the training set cannot be read.
    public func adcCalibrationBatch() throws -> Matrix? {
        guard hardware.adcRangePolicy != .fixed else { return nil }
        let n = decoded.adcCalibrationImages
        return try loadData(.train, limit: n).images
    }
}

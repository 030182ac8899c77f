import Foundation
import Networks
import NumericKernels
import TestSupport
import Testing

@Suite struct ArraysDatasetTests {
    static func temp() throws -> URL { try temporaryDirectory() }

    /// A valid dataset: 6 training and 3 test images [1 × 2 × 3], labels 0…4.
    static func arrays() -> [String: NumpyArray] {
        [
            "x_train": NumpyArray(floats: (0..<36).map { Float($0) / 36 }, shape: [6, 1, 2, 3]),
            "y_train": NumpyArray(int64s: [0, 1, 2, 3, 4, 0], shape: [6]),
            "x_test": NumpyArray(doubles: (0..<18).map { Double($0) / 18 }, shape: [3, 1, 2, 3]),
            "y_test": NumpyArray(int32s: [2, 1, 0], shape: [3]),
        ]
    }

    /// An `.npz` and a folder of four `.npy` files load to the same samples, shapes, labels
    /// and class count (largest label + 1); the limit keeps the first N.
    @Test func npzAndNpyFolderLoad() throws {
        let dir = try Self.temp()
        defer { try? FileManager.default.removeItem(at: dir) }
        let a = Self.arrays()
        let npz = dir.appendingPathComponent("d.npz")
        try NPZ.write(a.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }, to: npz)
        let folder = dir.appendingPathComponent("npy")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        for (k, v) in a { try NPY.write(v, to: folder.appendingPathComponent(k + ".npy")) }
        for path in [npz.path, folder.path] {
            let d = try ArraysDataset.load(path: path)
            #expect(d.sampleShape == [1, 2, 3])
            #expect(d.classCount == 5)
            #expect(d.train.count == 6 && d.test.count == 3)
            #expect(d.train.images.values == a["x_train"]!.floats())
            #expect(d.test.images.values == a["x_test"]!.floats())
            #expect(d.train.labels == [0, 1, 2, 3, 4, 0] && d.test.labels == [2, 1, 0])
            #expect(d.train.prefix(2).labels == [0, 1] && d.train.prefix(99).count == 6)
        }
    }

    /// Bad files are errors naming the problem, one case per line.
    @Test func badArraysAreRejected() throws {
        let dir = try Self.temp()
        defer { try? FileManager.default.removeItem(at: dir) }
        var nan = (0..<36).map { Float($0) }
        nan[13] = .nan
        let cases: [(String, [String: NumpyArray], String)] = [
            ("mismatched lengths", ["y_train": NumpyArray(int64s: [0, 1, 2], shape: [3])], "holds 6 samples but y_train holds 3 labels"),
            ("negative label", ["y_test": NumpyArray(int32s: [2, -1, 0], shape: [3])], "y_test[1] = -1; labels must be class indices"),
            ("label too large", ["y_test": NumpyArray(int64s: [2, 70000, 0], shape: [3])], "70000"),
            ("float labels", ["y_train": NumpyArray(floats: [0, 1, 2, 3, 4, 0], shape: [6])], "labels must be integers"),
            ("NaN input", ["x_train": NumpyArray(floats: nan, shape: [6, 1, 2, 3])], "sample 2, value 1 is nan"),
            ("rank 3 inputs", ["x_train": NumpyArray(floats: [Float](repeating: 0, count: 36), shape: [6, 2, 3])], "rank 3"),
            ("rank 2 labels", ["y_train": NumpyArray(int64s: [0, 1, 2, 3, 4, 0], shape: [6, 1])], "labels must be a vector"),
            ("integer inputs", ["x_test": NumpyArray(int32s: [Int32](repeating: 0, count: 18), shape: [3, 1, 2, 3])], "must be float32 or float64"),
            ("shape mismatch", ["x_test": NumpyArray(floats: [Float](repeating: 0, count: 18), shape: [3, 6])], "same sample shape"),
            ("empty split", ["x_test": NumpyArray(floats: [], shape: [0, 1, 2, 3]), "y_test": NumpyArray(int64s: [], shape: [0])], "0 samples"),
        ]
        for (name, change, message) in cases {
            var a = Self.arrays()
            for (k, v) in change { a[k] = v }
            let url = dir.appendingPathComponent("bad.npz")
            try NPZ.write(a.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }, to: url)
            do {
                _ = try ArraysDataset.load(path: url.path)
                Issue.record("\(name): accepted")
            } catch let e as NetworksError {
                #expect(e.kind == .dataset, "\(name)")
                #expect(e.message.contains(message) && e.message.contains(url.path), "\(name): \(e.message)")
            }
        }
        // A missing array, file or folder member.
        let missing = dir.appendingPathComponent("missing.npz")
        try NPZ.write([("x_train", Self.arrays()["x_train"]!)], to: missing)
        #expect(throws: NetworksError.self) { try ArraysDataset.load(path: missing.path) }
        #expect(throws: NetworksError.self) { try ArraysDataset.load(path: dir.appendingPathComponent("nowhere.npz").path) }
        #expect(throws: NetworksError.self) { try ArraysDataset.load(path: dir.path) }  // a folder without the .npy files
    }
}

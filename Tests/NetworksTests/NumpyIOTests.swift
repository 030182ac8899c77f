import Foundation
import NumericKernels
import TestSupport
import Testing

import Networks

/// Tests of `NumpyArray`, `NPY`, `NPZ` and `AtomicFile`.
///
/// Fixtures under `Fixtures/` are written by NumPy 2.4 through `make_fixtures.py`;
/// the expected values below repeat the ones in that script. Every comparison is
/// exact (bit patterns for floating point), no tolerances.
@Suite("NumPy .npy / .npz I/O")
struct NumpyIOTests {

    // MARK: - Round trips

    static let shapes: [[Int]] = [[], [0], [3], [2, 3], [2, 3, 4]]

    /// Values that exercise signs, zeros, subnormals, infinities and NaN payloads.
    static func floatValues(_ count: Int) -> [Float] {
        let specials: [Float] = [
            -0.0, .infinity, -.infinity, .leastNonzeroMagnitude, .greatestFiniteMagnitude,
            Float(bitPattern: 0x7FC0_1234), 0.1, -3.75,
        ]
        return (0..<count).map { i in i < specials.count ? specials[i] : Float(i) * 0.37 - 1.5 }
    }

    static func doubleValues(_ count: Int) -> [Double] {
        let specials: [Double] = [
            -0.0, .infinity, -.infinity, .leastNonzeroMagnitude, .greatestFiniteMagnitude,
            Double(bitPattern: 0x7FF8_0000_0000_1234), 0.1, -3.75,
        ]
        return (0..<count).map { i in i < specials.count ? specials[i] : Double(i) * 0.37 - 1.5 }
    }

    @Test("float32 encode → decode is bit-identical", arguments: shapes)
    func float32RoundTrip(shape: [Int]) throws {
        let count = shape.reduce(1, *)
        let values = Self.floatValues(count)
        let array = NumpyArray(floats: values, shape: shape)
        #expect(array.count == count)
        let encoded = NPY.encode(array)
        #expect((encoded.count - count * 4) % 64 == 0)
        let decoded = try NPY.decode(encoded, name: "memory.npy")
        #expect(decoded == array)
        #expect(decoded.shape == shape)
        #expect(decoded.dtype == .float32)
        #expect(decoded.floats().map(\.bitPattern) == values.map(\.bitPattern))
    }

    @Test("float64 encode → decode is bit-identical", arguments: shapes)
    func float64RoundTrip(shape: [Int]) throws {
        let count = shape.reduce(1, *)
        let values = Self.doubleValues(count)
        let array = NumpyArray(doubles: values, shape: shape)
        let encoded = NPY.encode(array)
        #expect((encoded.count - count * 8) % 64 == 0)
        let decoded = try NPY.decode(encoded, name: "memory.npy")
        #expect(decoded == array)
        #expect(decoded.shape == shape)
        #expect(decoded.dtype == .float64)
        #expect(decoded.doubles().map(\.bitPattern) == values.map(\.bitPattern))
    }

    @Test("integer and boolean dtypes round trip through files")
    func integerRoundTrips() throws {
        try withTemporaryDirectory { directory in
            let arrays = [
                NumpyArray(int32s: [-7, 0, .max, .min], shape: [2, 2]),
                NumpyArray(int64s: [-1, 0, 1 << 40], shape: [3]),
                NumpyArray(uint8s: [0, 255, 17, 128], shape: [4, 1]),
                NumpyArray(bools: [true, false, true], shape: [3]),
            ]
            for (i, array) in arrays.enumerated() {
                let url = directory.appendingPathComponent("a\(i).npy")
                try NPY.write(array, to: url)
                #expect(try NPY.read(url) == array)
            }
            #expect(arrays[0].doubles() == [-7, 0, 2_147_483_647, -2_147_483_648])
            #expect(arrays[1].doubles() == [-1, 0, 1_099_511_627_776])
            #expect(arrays[2].floats() == [0, 255, 17, 128])
            #expect(arrays[3].floats() == [1, 0, 1])
            #expect(arrays[3].bytes == [1, 0, 1])
        }
    }

    @Test("a Matrix converts to a 2-D float32 array and back")
    func matrixRoundTrip() throws {
        let matrix = Matrix(rows: 2, columns: 3, values: [1, 2, 3, 4, 5, 6])
        let array = NumpyArray(matrix)
        #expect(array.shape == [2, 3])
        #expect(array.dtype == .float32)
        #expect(try array.matrix() == matrix)
        #expect(try array.reshaped([3, 2]).matrix() == Matrix(rows: 3, columns: 2, values: [1, 2, 3, 4, 5, 6]))
    }

    @Test("matrix() and reshaped() reject the wrong shapes, naming them")
    func matrixShapeErrors() throws {
        let vector = NumpyArray(floats: [1, 2, 3], shape: [3])
        let error = try #require(throws: NetworksError.self) { try vector.matrix() }
        #expect(error.kind == .shape)
        #expect(error.message.contains("(3,)"))
        let scalar = NumpyArray(doubles: [2.5], shape: [])
        #expect(throws: NetworksError.self) { try scalar.matrix() }
        let reshapeError = try #require(throws: NetworksError.self) { try vector.reshaped([2, 2]) }
        #expect(reshapeError.message.contains("(3,)") && reshapeError.message.contains("(2, 2)"))
        let bytesError = try #require(throws: NetworksError.self) {
            try NumpyArray(dtype: .float32, shape: [2], bytes: [0, 0, 0])
        }
        #expect(bytesError.message.contains("needs 8 bytes, got 3"))
    }

    // MARK: - Files written by NumPy

    @Test("float32 2×3 written by numpy.save")
    func numpyFloat32() throws {
        let array = try NPY.read(fixture("f32_2x3.npy"))
        #expect(array.shape == [2, 3])
        #expect(array.dtype == .float32)
        // np.array([[1.5, -2.25, 0.1], [3e-8, 1e30, -0.0]], dtype=np.float32).view(np.uint32)
        #expect(
            array.floats().map(\.bitPattern) == [
                1_069_547_520, 3_222_274_048, 1_036_831_949, 855_693_657, 1_900_671_690, 2_147_483_648,
            ])
        #expect(array.floats().map(\.bitPattern) == ([1.5, -2.25, 0.1, 3e-8, 1e30, -0.0] as [Float]).map(\.bitPattern))
        let matrix = try array.matrix()
        #expect(matrix.rows == 2 && matrix.columns == 3)
        #expect(matrix[1, 1] == 1e30)
        #expect(array.doubles()[0] == 1.5)
    }

    @Test("format versions 2.0 and 3.0 decode like 1.0", arguments: ["f32_2x3_v2.npy", "f32_2x3_v3.npy"])
    func numpyHeaderVersions(file: String) throws {
        let url = try fixture(file)
        let data = try Data(contentsOf: url)
        #expect(Array(data[6..<8]) == (file.contains("v2") ? [2, 0] : [3, 0]))
        #expect(try NPY.read(url) == NPY.read(fixture("f32_2x3.npy")))
    }

    @Test("Fortran-order float64 3×2 is transposed into C order")
    func numpyFortranOrder() throws {
        let url = try fixture("f64_fortran_3x2.npy")
        let header = String(decoding: try Data(contentsOf: url).prefix(64), as: UTF8.self)
        #expect(header.contains("'fortran_order': True"))
        let array = try NPY.read(url)
        #expect(array.shape == [3, 2])
        #expect(array.dtype == .float64)
        #expect(array.doubles() == [0.1, 0.2, 0.3, 0.4, 0.5, 0.6])
        #expect(try array.matrix() == Matrix(rows: 3, columns: 2, values: [0.1, 0.2, 0.3, 0.4, 0.5, 0.6]))
    }

    @Test("Fortran to C reordering of a 2×3×4 array")
    func fortranToC3D() {
        // Fortran offset of (i, j, k) in shape (2, 3, 4) is i + 2j + 6k; store that
        // offset as the value so C order must read back i + 2j + 6k.
        let shape = [2, 3, 4]
        let fortran = (0..<24).map { UInt8($0) }
        let c = NPY.fortranToC(fortran, shape: shape, itemSize: 1)
        var expected: [UInt8] = []
        for i in 0..<2 { for j in 0..<3 { for k in 0..<4 { expected.append(UInt8(i + 2 * j + 6 * k)) } } }
        #expect(c == expected)
    }

    @Test("big-endian '>f4' and '>f8' are converted")
    func numpyBigEndian() throws {
        let f4 = try NPY.read(fixture("be_f4.npy"))
        #expect(f4.dtype == .float32)
        #expect(f4.shape == [4])
        #expect(f4.floats() == [1.0, -2.5, 3.25, 1e-3])
        #expect(Array(f4.bytes[0..<4]) == [0x00, 0x00, 0x80, 0x3F])  // 1.0 little-endian
        let f8 = try NPY.read(fixture("be_f8_2x2.npy"))
        #expect(f8.dtype == .float64)
        #expect(f8.shape == [2, 2])
        #expect(f8.doubles() == [1.0, -2.5, 0.1, 1e300])
    }

    @Test("integer, boolean, 0-d and empty arrays written by NumPy")
    func numpyOtherDTypes() throws {
        let i4 = try NPY.read(fixture("i4.npy"))
        #expect(i4.dtype == .int32 && i4.shape == [3])
        #expect(i4.doubles() == [-7, 0, 2_147_483_647])
        let i8 = try NPY.read(fixture("i8.npy"))
        #expect(i8.dtype == .int64 && i8.shape == [3])
        #expect(i8.doubles() == [-1, 0, 1_099_511_627_776])
        let u1 = try NPY.read(fixture("u1_2x2.npy"))
        #expect(u1.dtype == .uint8 && u1.shape == [2, 2])
        #expect(u1.bytes == [0, 255, 17, 128])
        let b1 = try NPY.read(fixture("b1.npy"))
        #expect(b1.dtype == .bool && b1.bytes == [1, 0, 1])
        let scalar = try NPY.read(fixture("f64_scalar.npy"))
        #expect(scalar.shape == [] && scalar.count == 1)
        #expect(scalar.doubles() == [2.5])
        let empty = try NPY.read(fixture("f32_empty.npy"))
        #expect(empty.shape == [0] && empty.count == 0 && empty.bytes.isEmpty)
    }

    @Test(
        "encode reproduces numpy.save byte for byte",
        arguments: ["f32_2x3.npy", "f64_scalar.npy", "f32_empty.npy", "i4.npy", "i8.npy", "u1_2x2.npy", "b1.npy"])
    func encodeMatchesNumPy(file: String) throws {
        let url = try fixture(file)
        let original = try Data(contentsOf: url)
        #expect(NPY.encode(try NPY.read(url)) == original)
    }

    // MARK: - .npz

    static let expectedW0: [Float] = (0..<12).map { Float($0) / 4 - 1 }
    static let expectedB0: [Float] = (0..<4).map { Float($0) * 0.5 + 0.25 }

    @Test("np.savez and np.savez_compressed archives", arguments: ["layer_savez.npz", "layer_savez_compressed.npz"])
    func numpyArchives(file: String) throws {
        let arrays = try NPZ.read(fixture(file))
        #expect(Set(arrays.keys) == ["W0", "b0"])
        let w0 = try #require(arrays["W0"])
        let b0 = try #require(arrays["b0"])
        #expect(w0.dtype == .float32 && w0.shape == [4, 3])
        #expect(b0.dtype == .float32 && b0.shape == [4])
        #expect(w0.floats() == Self.expectedW0)
        #expect(b0.floats() == [0.25, 0.75, 1.25, 1.75])
        #expect(try w0.matrix()[3, 2] == 1.75)
    }

    @Test("our .npz reads back exactly and is byte-stable")
    func archiveRoundTrip() throws {
        try withTemporaryDirectory { directory in
            let arrays: [(String, NumpyArray)] = [
                ("W0", NumpyArray(floats: Self.expectedW0, shape: [4, 3])),
                ("b0", NumpyArray(floats: Self.expectedB0, shape: [4])),
                ("scale", NumpyArray(doubles: [0.1], shape: [])),
                ("empty", NumpyArray(floats: [], shape: [0, 5])),
                ("labels", NumpyArray(int64s: [9, 2, 1], shape: [3])),
            ]
            let url = directory.appendingPathComponent("weights.npz")
            try NPZ.write(arrays, to: url)
            let back = try NPZ.read(url)
            #expect(back.count == arrays.count)
            for (name, array) in arrays { #expect(back[name] == array, "array \(name)") }
            let first = try Data(contentsOf: url)
            try NPZ.write(arrays, to: url)
            #expect(try Data(contentsOf: url) == first)
            #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["weights.npz"])
        }
    }

    @Test("NPZ.write rejects duplicate and empty names")
    func archiveNameErrors() throws {
        try withTemporaryDirectory { directory in
            let url = directory.appendingPathComponent("bad.npz")
            let a = NumpyArray(floats: [1], shape: [1])
            let duplicate = try #require(throws: NetworksError.self) { try NPZ.write([("a", a), ("a", a)], to: url) }
            #expect(duplicate.message.contains(url.path) && duplicate.message.contains("'a'"))
            #expect(throws: NetworksError.self) { try NPZ.write([("", a)], to: url) }
            #expect(!FileManager.default.fileExists(atPath: url.path))
        }
    }

    @Test("NumPy reads the .npy and .npz files we write", .enabled(if: PythonNumPy.isAvailable))
    func numpyReadsOurFiles() throws {
        try withTemporaryDirectory { directory in
            let npz = directory.appendingPathComponent("ours.npz")
            let npy = directory.appendingPathComponent("ours.npy")
            try NPZ.write(
                [
                    ("W0", NumpyArray(floats: Self.expectedW0, shape: [4, 3])),
                    ("b0", NumpyArray(floats: Self.expectedB0, shape: [4])),
                ], to: npz)
            try NPY.write(NumpyArray(doubles: [0.5, 0.25, 0.125, 2, 4, 8], shape: [2, 3]), to: npy)
            let script = """
                import sys, numpy as np
                z = np.load(sys.argv[1])
                w, b = z['W0'], z['b0']
                ok = np.array_equal(w, np.arange(12, dtype=np.float32).reshape(4, 3) / 4 - 1)
                a = np.load(sys.argv[2])
                print(sorted(z.files), w.dtype, w.shape, b.shape, float(w.sum()), float(b.sum()), ok,
                      a.dtype, a.shape, float(a.sum()))
                """
            let output = try PythonNumPy.run(script, arguments: [npz.path, npy.path])
            #expect(output == "['W0', 'b0'] float32 (4, 3) (4,) 4.5 4.0 True float64 (2, 3) 14.875")
        }
    }

    // MARK: - Corrupt inputs

    @Test("a file with a bad magic string is rejected, naming the path")
    func badMagic() throws {
        try withTemporaryDirectory { directory in
            let url = directory.appendingPathComponent("not-numpy.npy")
            try Data("hello, world".utf8).write(to: url)
            let error = try #require(throws: NetworksError.self) { try NPY.read(url) }
            #expect(error.kind == .fileFormat)
            #expect(error.message.contains(url.path))
            #expect(error.message.contains("bad magic string"))
            #expect(error.message.contains("68 65 6c 6c 6f 2c"))
        }
    }

    @Test("truncated and over-long data are rejected with both byte counts")
    func truncatedData() throws {
        let original = try Data(contentsOf: fixture("f32_2x3.npy"))
        let short = try #require(throws: NetworksError.self) {
            try NPY.decode(original.dropLast(5), name: "/some/where/short.npy")
        }
        #expect(short.kind == .fileFormat)
        #expect(short.message.contains("/some/where/short.npy"))
        #expect(short.message.contains("truncated data"))
        #expect(short.message.contains("needs 24 bytes, found 19"))
        let long = try #require(throws: NetworksError.self) {
            try NPY.decode(original + Data([0, 0]), name: "long.npy")
        }
        #expect(long.message.contains("needs 24 bytes, found 26"))
        let header = try #require(throws: NetworksError.self) {
            try NPY.decode(original.prefix(40), name: "cut.npy")
        }
        #expect(header.message.contains("cut.npy") && header.message.contains("truncated header"))
    }

    @Test(
        "unsupported dtypes are rejected, naming the path and descr",
        arguments: [("c8.npy", "'<c8'"), ("object.npy", "'|O'")])
    func unsupportedDType(file: String, descr: String) throws {
        let url = try fixture(file)
        let error = try #require(throws: NetworksError.self) { try NPY.read(url) }
        #expect(error.kind == .fileFormat)
        #expect(error.message.contains(url.path))
        #expect(error.message.contains("unsupported dtype \(descr)"))
    }

    @Test("malformed headers and versions are rejected")
    func malformedHeaders() throws {
        var data = try Data(contentsOf: fixture("f32_2x3.npy"))
        data[6] = 4
        let version = try #require(throws: NetworksError.self) { try NPY.decode(data, name: "v4.npy") }
        #expect(version.message.contains("v4.npy") && version.message.contains("version 4.0"))
        let structured = Self.npyFile(header: "{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,), }")
        let error = try #require(throws: NetworksError.self) {
            try NPY.decode(structured + Data(count: 4), name: "s.npy")
        }
        #expect(error.message.contains("s.npy") && error.message.contains("structured dtypes"))
        let noShape = Self.npyFile(header: "{'descr': '<f4', 'fortran_order': False, }")
        let missing = try #require(throws: NetworksError.self) { try NPY.decode(noShape, name: "m.npy") }
        #expect(missing.message.contains("missing one of the keys"))
        // Double quotes, no trailing comma and no padding are valid Python too.
        let terse = Self.npyFile(header: "{\"descr\":\"<i4\",\"shape\":(2,),\"fortran_order\":False}")
        #expect(try NPY.decode(terse + Data([1, 0, 0, 0, 2, 0, 0, 0]), name: "t.npy").doubles() == [1, 2])
    }

    /// A version 1.0 `.npy` prefix with `header` as is (no padding).
    static func npyFile(header: String) -> Data {
        let text = Array((header + "\n").utf8)
        return Data(
            [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 1, 0, UInt8(text.count & 0xFF), UInt8(text.count >> 8)] + text)
    }

    @Test("a missing file is an I/O error naming the path")
    func missingFile() throws {
        let url = URL(fileURLWithPath: "/nonexistent/aimc/weights.npy")
        let error = try #require(throws: NetworksError.self) { try NPY.read(url) }
        #expect(error.kind == .io && error.message.contains(url.path))
        let npz = try #require(throws: NetworksError.self) {
            try NPZ.read(URL(fileURLWithPath: "/nonexistent/aimc/weights.npz"))
        }
        #expect(npz.kind == .io && npz.message.contains("/nonexistent/aimc/weights.npz"))
    }

    @Test(
        "a corrupt .npz names the archive and the entry",
        arguments: [("layer_savez.npz", 56 + 130), ("layer_savez_compressed.npz", 56 + 50)])
    func corruptArchive(file: String, offset: Int) throws {
        try withTemporaryDirectory { directory in
            // Flip a byte inside W0.npy's data (its local header is 30 + 6 + 20 bytes):
            // the CRC-32 check or the inflater must fail.
            var data = try Data(contentsOf: fixture(file))
            data[offset] ^= 0xFF
            let url = directory.appendingPathComponent("corrupt.npz")
            try data.write(to: url)
            let error = try #require(throws: NetworksError.self) { try NPZ.read(url) }
            #expect(error.kind == .fileFormat)
            #expect(error.message.contains(url.path) && error.message.contains("'W0.npy'"))

            let notZip = directory.appendingPathComponent("plain.npz")
            try NPY.write(NumpyArray(floats: [1], shape: [1]), to: notZip)
            let zipError = try #require(throws: NetworksError.self) { try NPZ.read(notZip) }
            #expect(zipError.kind == .fileFormat && zipError.message.contains(notZip.path))
        }
    }

    // MARK: - AtomicFile

    @Test("AtomicFile replaces the file and leaves no temporary behind")
    func atomicReplace() throws {
        try withTemporaryDirectory { directory in
            let url = directory.appendingPathComponent("result.json")
            try AtomicFile.write(Data("first".utf8), to: url)
            try AtomicFile.write(Data("second".utf8), to: url)
            #expect(try Data(contentsOf: url) == Data("second".utf8))
            #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["result.json"])
            let missing = directory.appendingPathComponent("no/such/dir/result.json")
            let error = try #require(throws: NetworksError.self) { try AtomicFile.write(Data(), to: missing) }
            #expect(error.kind == .io && error.message.contains(missing.path))
        }
    }
}

// MARK: - Helpers shared by the Networks tests

/// The URL of a committed fixture file.
func fixture(_ file: String) throws -> URL {
    let name = (file as NSString).deletingPathExtension
    let ext = (file as NSString).pathExtension
    return try #require(
        Bundle.module.url(forResource: name, withExtension: ext, subdirectory: "Fixtures"),
        "fixture \(file) is missing; run Tests/NetworksTests/Fixtures/make_fixtures.py")
}

/// Runs `body` with a fresh temporary directory that is removed afterwards.
func withTemporaryDirectory(_ body: (URL) throws -> Void) throws {
    let directory = FileManager.default.temporaryDirectory
        .appendingPathComponent("aimc-networks-tests-\(UUID().uuidString)", isDirectory: true)
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    try body(directory)
}

/// Access to `python3` with NumPy, for checking that NumPy reads our files.
enum PythonNumPy {
    /// Whether `python3 -c "import numpy"` succeeds on this machine.
    static let isAvailable: Bool = (try? run("import numpy", arguments: [])) != nil

    /// Runs a Python script and returns its standard output, trimmed.
    static func run(_ script: String, arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script] + arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw NetworksError(.io, "python3 exited with status \(process.terminationStatus)")
        }
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

@Suite struct MLPWeightsTests {
    /// An archive written by NumPy's `np.savez` (W0 float32 [4 × 3], b0 [4]) loads as a
    /// one-layer MLP (`Architectures.mlp`, arrays W0, b0) with exactly those values.
    @Test(arguments: ["layer_savez", "layer_savez_compressed"])
    func numpyWrittenArchiveLoadsAsANetwork(kind: String) throws {
        let url = try #require(Bundle.module.url(forResource: kind, withExtension: "npz", subdirectory: "Fixtures"))
        let arrays = try NPZ.read(url)
        let net = try Architectures.mlp(features: 3, hidden: [], classes: 4).build(arrays: arrays, file: url.path)
        guard case .dense(let d) = net.layers[0] else { Issue.record("not a dense layer"); return }
        #expect(net.layers.count == 1)
        #expect(d.weight.values == arrays["W0"]!.floats())
        #expect(d.bias == arrays["b0"]!.floats())
        // The widths are checked against the file.
        #expect(throws: NetworksError.self) { try Architectures.mlp(features: 3, hidden: [], classes: 5).build(arrays: arrays, file: url.path) }
    }

    /// An MLP saves as W0, b0, W1, b1 and loads back exactly.
    @Test func saveThenLoadIsExact() throws {
        let description = Architectures.mlp(features: 784, hidden: [20], classes: 10)
        let net = try description.build(arrays: nil, seed: 3)
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("mlp-\(UUID().uuidString).npz")
        defer { try? FileManager.default.removeItem(at: url) }
        try description.save(net, npz: url)
        #expect(try description.build(arrays: try NPZ.read(url), file: url.path) == net)
        let names = try NPZ.read(url).keys.sorted()
        #expect(names == ["W0", "W1", "b0", "b1"])
    }
}

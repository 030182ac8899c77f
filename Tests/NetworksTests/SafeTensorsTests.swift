import Foundation
import NumericKernels
import TestSupport
import Testing

import Networks

@Suite struct SafeTensorsTests {
    private func tempURL(_ name: String) -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("aimc-st-\(UUID().uuidString)-\(name)")
    }

    /// Swift writes, Swift reads: names, dtypes, shapes and values survive exactly.
    @Test func roundTrip() throws {
        let url = tempURL("a.safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        let arrays: [(String, NumpyArray)] = [
            ("conv.weight", NumpyArray(floats: (0..<54).map { Float($0) * 0.25 - 3 }, shape: [2, 3, 3, 3])),
            ("conv.bias", NumpyArray(doubles: [1.5, -2.25], shape: [2])),
            ("steps", NumpyArray(int64s: [7], shape: [])),
        ]
        try SafeTensors.write(arrays, to: url)
        let back = try SafeTensors.read(url)
        #expect(back.count == 3)
        for (name, a) in arrays { #expect(back[name] == a) }
        // The data starts 8-byte aligned after the header.
        let bytes = [UInt8](try Data(contentsOf: url))
        let n = bytes[0..<8].enumerated().reduce(0) { $0 | Int($1.1) << (8 * $1.0) }
        #expect((8 + n) % 8 == 0)
    }

    /// F16 and BF16 are widened exactly: 1.0, −2.5, 65504 (F16 max), 2⁻²⁴ (F16 subnormal);
    /// BF16 1.0, −2.5, 3.3895314e38.
    @Test func halfPrecisionDecodesExactly() throws {
        func file(_ dtype: String, _ words: [UInt16]) -> [UInt8] {
            let header = Array("{\"t\":{\"dtype\":\"\(dtype)\",\"shape\":[\(words.count)],\"data_offsets\":[0,\(2 * words.count)]}}".utf8)
            var out: [UInt8] = (0..<8).map { UInt8((header.count >> (8 * $0)) & 0xff) }
            out += header
            for w in words { out += [UInt8(w & 0xff), UInt8(w >> 8)] }
            return out
        }
        let f16 = try SafeTensors.parse(file("F16", [0x3C00, 0xC100, 0x7BFF, 0x0001]), file: "f16")
        #expect(f16["t"]?.floats() == [1, -2.5, 65504, Float(1) / 16_777_216])
        let bf16 = try SafeTensors.parse(file("BF16", [0x3F80, 0xC020, 0x7F7F]), file: "bf16")
        #expect(bf16["t"]?.floats() == [1, -2.5, Float(bitPattern: 0x7F7F_0000)])
    }

    /// Malformed files throw `NetworksError(.fileFormat)`, one case per line.
    @Test func malformedFilesThrow() throws {
        func make(_ header: String, data: Int, length: Int? = nil) -> [UInt8] {
            let h = Array(header.utf8)
            let n = length ?? h.count
            return (0..<8).map { UInt8((n >> (8 * $0)) & 0xff) } + h + [UInt8](repeating: 0, count: data)
        }
        let bad: [[UInt8]] = [
            [1, 2, 3],                                                                                    // shorter than the length field
            make("{}", data: 0, length: 1000),                                                            // header longer than the file
            make("[1, 2]", data: 0),                                                                      // header not an object
            make("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,4]}}", data: 8),            // 4 bytes for 2 floats
            make("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", data: 4),            // data past the end
            make("{\"a\":{\"dtype\":\"C64\",\"shape\":[1],\"data_offsets\":[0,8]}}", data: 8),            // unknown dtype
            make("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", data: 8),  // overlap
            make("{\"a\":{\"dtype\":\"F32\",\"shape\":[1]}}", data: 4),                                   // no offsets
        ]
        for (i, b) in bad.enumerated() {
            #expect(throws: NetworksError.self, "case \(i)") { try SafeTensors.parse(b, file: "bad\(i)") }
        }
    }

    /// A file written by NumPy (the safetensors layout written by hand in
    /// Examples/import/export_numpy.py) reads back the arrays NumPy saved in an .npz, and F16
    /// and BF16 files read back NumPy's own rounding of those values exactly.
    @Test(.enabled(if: PythonNumPy.isAvailable)) func readsFilesWrittenByNumPy() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("aimc-st-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Examples/import/export_numpy.py").path
        _ = try PythonNumPy.run("import runpy, sys; sys.argv = sys.argv[1:]; runpy.run_path(sys.argv[0], run_name='__main__')", arguments: [script, dir.path, "--reference"])
        let npz = try NPZ.read(dir.appendingPathComponent("lenet.npz"))
        let st = try SafeTensors.read(dir.appendingPathComponent("lenet.safetensors"))
        #expect(Set(npz.keys) == Set(st.keys))
        for (k, v) in npz { #expect(st[k]?.floats() == v.floats(), "\(k)") }
        for kind in ["f16", "bf16"] {
            let half = try SafeTensors.read(dir.appendingPathComponent("lenet_\(kind).safetensors"))
            let ref = try NPZ.read(dir.appendingPathComponent("reference_\(kind).npz"))
            #expect(!ref.isEmpty)
            for (k, v) in ref { #expect(half[k]?.floats() == v.floats(), "\(kind) \(k)") }
        }
    }

    /// A network's parameters saved under their path names load back into the same
    /// architecture exactly (built-in ResNet with residual blocks and batch norm).
    @Test func namedArraysRoundTrip() throws {
        let description = try Architectures.resnet(width: 4)
        let net = try description.build(arrays: nil, seed: 5)
        let url = tempURL("r.npz")
        defer { try? FileManager.default.removeItem(at: url) }
        try net.save(npz: url)
        #expect(try description.build(arrays: try NPZ.read(url), file: url.path) == net)
        // A missing array or a wrong shape is reported with its name.
        var arrays = try NPZ.read(url)
        arrays["layers.3.body.0.weight"] = NumpyArray(floats: [1, 2], shape: [2])
        do {
            _ = try description.build(arrays: arrays, file: "x.npz")
            Issue.record("expected a shape error")
        } catch let e as NetworksError {
            #expect(e.message.contains("layers.3.body.0.weight") && e.message.contains("[4, 4, 3, 3]"))
        }
    }

    /// Shapes whose element or byte count overflows are refused with a message, not a trap
    /// ([2^32, 2^32] of F32; [2^61] of F64, whose byte count overflows).
    @Test(arguments: [("F32", "[4294967296,4294967296]"), ("F64", "[2305843009213693952]"), ("F32", "[1e30,6]"), ("BF16", "[9223372036854775807,2]")])
    func overflowingShapesAreRefused(_ dtype: String, _ shape: String) throws {
        let header = Array("{\"w\":{\"dtype\":\"\(dtype)\",\"shape\":\(shape),\"data_offsets\":[0,0]}}".utf8)
        var bytes: [UInt8] = (0..<8).map { UInt8(truncatingIfNeeded: header.count >> (8 * $0)) }
        bytes += header
        #expect(throws: NetworksError.self) { try SafeTensors.parse(bytes, file: "x.safetensors") }
    }
}

import Foundation
import NumericKernels

/// Reads and writes `.safetensors` files (Hugging Face's format, what
/// `safetensors.torch.save_file(model.state_dict(), path)` writes):
///
///     [8 bytes: N, little-endian u64] [N bytes: JSON header] [data]
///
/// The header maps each tensor name to `{"dtype", "shape", "data_offsets": [begin, end]}`
/// (byte offsets into the data that follows the header, little-endian, C order) and may
/// hold a `"__metadata__"` map of strings. Supported dtypes: F32, F64 (kept), F16 and BF16
/// (widened exactly to float32), I32, I64, U8, BOOL.
public enum SafeTensors {
    /// Largest header accepted (bytes): guards against a corrupt length.
    static let maxHeader = 100_000_000

    /// Every tensor of the file by name.
    /// - Throws: `NetworksError(.fileFormat)` naming the file and the problem (truncated file,
    ///   bad header, unknown dtype, offsets that do not match the shape, overlapping or
    ///   out-of-range data); `.io` when the file cannot be read.
    public static func read(_ url: URL) throws -> [String: NumpyArray] {
        let contents: Data?
        do {
            contents = try BoundedFile.read(url.path, limit: try MemoryBudget.limit(), what: ".safetensors file")
        } catch let e as ResourceLimitError {
            throw NetworksError(.io, e.message)
        }
        guard let data = contents else {
            throw NetworksError(.io, "\(url.path): cannot read the file (missing, a directory or unreadable)")
        }
        return try parse([UInt8](data), file: url.path)
    }

    /// Parses the bytes of a `.safetensors` file (`file` names it in errors).
    public static func parse(_ bytes: [UInt8], file: String) throws -> [String: NumpyArray] {
        func fail(_ m: String) -> NetworksError { NetworksError(.fileFormat, "\(file): \(m)") }
        guard bytes.count >= 8 else { throw fail("\(bytes.count) bytes is too short for a safetensors file (8-byte header length)") }
        var n: UInt64 = 0
        for i in 0..<8 { n |= UInt64(bytes[i]) << (8 * UInt64(i)) }
        guard n <= UInt64(maxHeader), 8 + Int(n) <= bytes.count else {
            throw fail("header length \(n) exceeds the file (\(bytes.count) bytes) or \(maxHeader) bytes")
        }
        let headerBytes = bytes[8..<(8 + Int(n))]
        guard let json = try? JSONSerialization.jsonObject(with: Data(headerBytes)), let header = json as? [String: Any] else {
            throw fail("the header is not a JSON object")
        }
        let base = 8 + Int(n)
        let dataCount = bytes.count - base
        var out: [String: NumpyArray] = [:]
        var spans: [(Int, Int, String)] = []
        for (name, value) in header where name != "__metadata__" {
            guard let entry = value as? [String: Any], let dtype = entry["dtype"] as? String,
                let shapeAny = entry["shape"] as? [Any], let offsAny = entry["data_offsets"] as? [Any], offsAny.count == 2
            else { throw fail("tensor '\(name)' needs dtype, shape and data_offsets [begin, end]") }
            let shape = try shapeAny.map { v -> Int in
                guard let i = (v as? Int) ?? (v as? NSNumber).flatMap({ Int(exactly: $0.doubleValue) }), i >= 0 else { throw fail("tensor '\(name)' has shape \(Clip.middle("\(shapeAny)", 200)); expected a list of integers ≥ 0") }
                return i
            }
            let offs = try offsAny.map { v -> Int in
                guard let i = (v as? Int) ?? (v as? NSNumber).flatMap({ Int(exactly: $0.doubleValue) }), i >= 0 else { throw fail("tensor '\(name)' has data_offsets \(Clip.middle("\(offsAny)", 200)); expected two integers ≥ 0") }
                return i
            }
            let (begin, end) = (offs[0], offs[1])
            guard begin <= end, end <= dataCount else {
                throw fail("tensor '\(name)' data_offsets [\(begin), \(end)] lie outside the \(dataCount) data bytes")
            }
            let size: Int
            switch dtype {
            case "F64", "I64": size = 8
            case "F32", "I32": size = 4
            case "F16", "BF16": size = 2
            case "U8", "BOOL": size = 1
            default: throw fail("tensor '\(name)' has dtype \(dtype); supported: F32, F64, F16, BF16, I32, I64, U8, BOOL")
            }
            // Sizes from the header are checked for overflow: [2^32, 2^32] must not trap.
            guard let count = NumpyArray.elementCount(shape) else {
                throw fail("tensor '\(name)' of dtype \(dtype) has shape \(Clip.middle("\(shape)", 200)), whose element count overflows")
            }
            let (needed, overflow) = count.multipliedReportingOverflow(by: size)
            guard !overflow, end - begin == needed else {
                throw fail("tensor '\(name)' of dtype \(dtype) and shape \(Clip.middle("\(shape)", 200)) needs \(overflow ? "more than Int.max" : String(needed)) bytes but data_offsets give \(end - begin)")
            }
            spans.append((begin, end, name))
            let raw = Array(bytes[(base + begin)..<(base + end)])
            switch dtype {
            case "F32": out[name] = try NumpyArray(dtype: .float32, shape: shape, bytes: raw)
            case "F64": out[name] = try NumpyArray(dtype: .float64, shape: shape, bytes: raw)
            case "I32": out[name] = try NumpyArray(dtype: .int32, shape: shape, bytes: raw)
            case "I64": out[name] = try NumpyArray(dtype: .int64, shape: shape, bytes: raw)
            case "U8": out[name] = try NumpyArray(dtype: .uint8, shape: shape, bytes: raw)
            case "BOOL": out[name] = try NumpyArray(dtype: .bool, shape: shape, bytes: raw)
            default:
                var f = [Float](repeating: 0, count: count)
                for i in 0..<count {
                    let h = UInt16(raw[2 * i]) | UInt16(raw[2 * i + 1]) << 8
                    f[i] = dtype == "BF16" ? Float(bitPattern: UInt32(h) << 16) : Float(Float16(bitPattern: h))
                }
                out[name] = NumpyArray(floats: f, shape: shape)
            }
        }
        spans.sort { $0.0 < $1.0 }
        for i in 1..<max(spans.count, 1) where spans[i].0 < spans[i - 1].1 {
            throw fail("tensors '\(spans[i - 1].2)' and '\(spans[i].2)' overlap in the data")
        }
        return out
    }

    /// Writes float32/float64/int arrays as a `.safetensors` file (atomically), tensors in
    /// the given order, data 8-byte aligned by padding the header with spaces.
    public static func write(_ arrays: [(String, NumpyArray)], to url: URL) throws {
        var entries: [String] = []
        var data: [UInt8] = []
        for (name, a) in arrays {
            let dtype: String
            switch a.dtype {
            case .float32: dtype = "F32"
            case .float64: dtype = "F64"
            case .int32: dtype = "I32"
            case .int64: dtype = "I64"
            case .uint8: dtype = "U8"
            case .bool: dtype = "BOOL"
            }
            let escaped = name.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            entries.append("\"\(escaped)\":{\"dtype\":\"\(dtype)\",\"shape\":[\(a.shape.map(String.init).joined(separator: ","))],\"data_offsets\":[\(data.count),\(data.count + a.bytes.count)]}")
            data += a.bytes
        }
        var header = Array(("{" + entries.joined(separator: ",") + "}").utf8)
        while (8 + header.count) % 8 != 0 { header.append(0x20) }
        var out: [UInt8] = []
        var n = UInt64(header.count)
        for _ in 0..<8 {
            out.append(UInt8(n & 0xff))
            n >>= 8
        }
        out += header
        out += data
        try AtomicFile.write(Data(out), to: url)
    }
}

import Foundation
import NumericKernels

/// Reads and writes NumPy `.npy` files, the format of `numpy.save` and `numpy.load`.
///
/// Layout (NEP 1, "A simple file format for NumPy arrays"): the magic `\x93NUMPY`,
/// a major and minor version byte, the header length (little-endian `UInt16` for
/// version 1.0, `UInt32` for 2.0 and 3.0), then an ASCII (1.0, 2.0) or UTF-8 (3.0)
/// Python dict literal such as `{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }`
/// padded with spaces and a newline, then the raw elements.
///
/// Reading accepts versions 1.0, 2.0 and 3.0, little- and big-endian `f4 f8 i4 i8`,
/// `u1`, `b1`, and Fortran-order arrays (transposed into C order). Writing always
/// produces version 1.0 (2.0 if the header would not fit) in C order, byte for byte
/// what `numpy.save` writes for the same array.
public enum NPY {
    /// The six magic bytes every `.npy` file starts with: `\x93NUMPY`.
    static let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]
    /// NumPy aligns the start of the data to this many bytes.
    static let alignment = 64
    /// NumPy leaves room for this many digits in the growth axis of the shape.
    static let growthAxisMaxDigits = 21

    /// Decodes a complete `.npy` file held in memory.
    ///
    /// - Parameters:
    ///   - data: the whole file.
    ///   - name: the file's path or archive entry, used in error messages.
    /// - Returns: the array in C order with little-endian storage.
    /// - Throws: `NetworksError(.fileFormat)` naming `name` for a bad magic string, an
    ///   unsupported version, a malformed header, an unsupported dtype (complex, object,
    ///   structured…), or data shorter or longer than the shape requires.
    public static func decode(_ data: Data, name: String) throws -> NumpyArray {
        let bytes = [UInt8](data)
        func fail(_ message: String) -> NetworksError {
            NetworksError(.fileFormat, "\(name): not a valid .npy file: \(message)")
        }
        guard bytes.count >= magic.count, Array(bytes[0..<magic.count]) == magic else {
            let found = bytes.prefix(magic.count).map { String(format: "%02x", $0) }.joined(separator: " ")
            throw fail(
                "bad magic string: expected 93 4e 55 4d 50 59 (\"\\x93NUMPY\"), found "
                    + (found.isEmpty ? "an empty file" : found))
        }
        guard bytes.count >= 10 else { throw fail("file ends inside the header (\(bytes.count) bytes)") }
        let major = bytes[6]
        let minor = bytes[7]
        let headerStart: Int
        let headerLength: Int
        switch major {
        case 1:
            headerStart = 10
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
        case 2, 3:
            guard bytes.count >= 12 else { throw fail("file ends inside the header length") }
            headerStart = 12
            headerLength = (0..<4).reduce(0) { $0 | Int(bytes[8 + $1]) << (8 * $1) }
        default:
            throw fail("unsupported format version \(major).\(minor) (supported: 1.0, 2.0, 3.0)")
        }
        guard minor == 0 else {
            throw fail("unsupported format version \(major).\(minor) (supported: 1.0, 2.0, 3.0)")
        }
        let dataStart = headerStart + headerLength
        guard dataStart <= bytes.count else {
            throw fail("truncated header: expected \(headerLength) bytes, found \(bytes.count - headerStart)")
        }
        let headerBytes = bytes[headerStart..<dataStart]
        let headerText =
            major == 3
            ? String(decoding: headerBytes, as: UTF8.self)
            : String(headerBytes.map { Character(Unicode.Scalar($0)) })  // Latin-1
        let header: Header
        do {
            header = try Header(parsing: headerText)
        } catch let error as HeaderError {
            throw fail(
                "malformed header \(headerText.trimmingCharacters(in: .whitespacesAndNewlines)): \(error.reason)")
        }
        guard let (dtype, bigEndian) = NumpyDType.parse(descr: header.descr) else {
            throw fail(
                "unsupported dtype '\(header.descr)'\(header.descr.contains("O") ? " (object arrays need pickle)" : "")"
                    + "; supported: '<f4', '<f8', '<i4', '<i8', '|u1', '|b1' and their big-endian forms")
        }
        guard let count = NumpyArray.elementCount(header.shape) else {
            throw fail("invalid shape \(NumpyArray.describe(header.shape))")
        }
        let (expected, overflow) = count.multipliedReportingOverflow(by: dtype.itemSize)
        let found = bytes.count - dataStart
        guard !overflow, found == expected else {
            let what = overflow || found < expected ? "truncated data" : "trailing data after the array"
            throw fail(
                "\(what): shape \(NumpyArray.describe(header.shape)) of \(header.descr) needs "
                    + "\(overflow ? "more than Int.max" : String(expected)) bytes, found \(found)")
        }
        var payload = Array(bytes[dataStart...])
        if bigEndian { swapBytes(&payload, itemSize: dtype.itemSize) }
        if dtype == .bool, let bad = payload.first(where: { $0 > 1 }) {
            throw fail("boolean array holds byte \(bad); expected 0 or 1")
        }
        if header.fortranOrder && header.shape.count > 1 {
            payload = fortranToC(payload, shape: header.shape, itemSize: dtype.itemSize)
        }
        return NumpyArray(unchecked: dtype, shape: header.shape, bytes: payload)
    }

    /// Encodes an array as a `.npy` file, identical to `numpy.save`'s output.
    ///
    /// Version 1.0 (2.0 when the header exceeds 65535 bytes), C order, the header
    /// padded with spaces so the data starts at a multiple of 64 bytes, including
    /// NumPy's 21-digit growth room after the dict.
    public static func encode(_ array: NumpyArray) -> Data {
        var dict =
            "{'descr': '\(array.dtype.descr)', 'fortran_order': False, 'shape': \(NumpyArray.describe(array.shape)), }"
        if let first = array.shape.first {
            dict += String(repeating: " ", count: max(0, growthAxisMaxDigits - String(first).count))
        }
        let text = Array(dict.utf8)
        var out = Data()
        for (major, lengthBytes) in [(UInt8(1), 2), (UInt8(2), 4)] {
            let unpadded = magic.count + 2 + lengthBytes + text.count + 1
            let padding = alignment - unpadded % alignment
            let headerLength = text.count + padding + 1
            guard headerLength < 1 << (8 * lengthBytes) else { continue }
            out.reserveCapacity(unpadded + padding + array.bytes.count)
            out.append(contentsOf: magic)
            out.append(contentsOf: [major, 0])
            for i in 0..<lengthBytes { out.append(UInt8(truncatingIfNeeded: headerLength >> (8 * i))) }
            out.append(contentsOf: text)
            out.append(contentsOf: [UInt8](repeating: 0x20, count: padding))
            out.append(0x0A)
            break
        }
        out.append(contentsOf: array.bytes)
        return out
    }

    /// Reads a `.npy` file.
    ///
    /// - Throws: `NetworksError(.io)` naming the path when the file cannot be read,
    ///   and the errors of `decode(_:name:)`.
    public static func read(_ url: URL) throws -> NumpyArray {
        try decode(readFile(url), name: url.path)
    }

    /// Writes a `.npy` file atomically (temporary file in the same directory, then rename).
    ///
    /// - Throws: `NetworksError(.io)` naming the path when the file cannot be written.
    public static func write(_ array: NumpyArray, to url: URL) throws {
        try AtomicFile.write(encode(array), to: url)
    }

    /// The contents of `url`, or `NetworksError(.io)` naming the path.
    /// Files larger than the memory limit (`MemoryBudget`), FIFOs and devices that never
    /// end are refused before they fill memory.
    static func readFile(_ url: URL) throws -> Data {
        do {
            if let data = try BoundedFile.read(url.path, limit: try MemoryBudget.limit(), what: "input file") { return data }
        } catch let e as ResourceLimitError {
            throw NetworksError(.io, "cannot read \(e.message)")
        }
        var isDirectory: ObjCBool = false
        let exists = FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory)
        let reason = !exists ? "no such file" : isDirectory.boolValue ? "it is a directory" : "permission denied or unreadable"
        throw NetworksError(.io, "cannot read \(url.path): \(reason)")
    }

    /// Reverses the byte order of every `itemSize`-byte element in place.
    static func swapBytes(_ bytes: inout [UInt8], itemSize: Int) {
        guard itemSize > 1 else { return }
        bytes.withUnsafeMutableBufferPointer { buffer in
            var start = 0
            while start + itemSize <= buffer.count {
                var lo = start
                var hi = start + itemSize - 1
                while lo < hi {
                    buffer.swapAt(lo, hi)
                    lo += 1
                    hi -= 1
                }
                start += itemSize
            }
        }
    }

    /// Reorders elements stored in Fortran (column-major) order into C (row-major) order.
    ///
    /// The C-order element `(i0, …, ik)` is read from Fortran offset
    /// `i0 + s0·(i1 + s1·(i2 + …))`.
    package static func fortranToC(_ bytes: [UInt8], shape: [Int], itemSize: Int) -> [UInt8] {
        let count = shape.reduce(1, *)
        guard count > 1 else { return bytes }
        // Fortran strides in elements: s_F[0] = 1, s_F[d] = s_F[d-1]·shape[d-1].
        var fortranStride = [Int](repeating: 1, count: shape.count)
        for d in 1..<shape.count { fortranStride[d] = fortranStride[d - 1] * shape[d - 1] }
        var out = [UInt8](repeating: 0, count: bytes.count)
        var index = [Int](repeating: 0, count: shape.count)
        var source = 0
        bytes.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for c in 0..<count {
                    for b in 0..<itemSize { dst[c * itemSize + b] = src[source * itemSize + b] }
                    // Advance the C-order multi-index (last axis fastest).
                    var d = shape.count - 1
                    while d >= 0 {
                        index[d] += 1
                        source += fortranStride[d]
                        if index[d] < shape[d] { break }
                        source -= fortranStride[d] * shape[d]
                        index[d] = 0
                        d -= 1
                    }
                }
            }
        }
        return out
    }
}

/// The three keys of a `.npy` header dict.
private struct Header {
    var descr: String
    var fortranOrder: Bool
    var shape: [Int]

    /// Parses the Python dict literal of a `.npy` header, e.g.
    /// `{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }`.
    init(parsing text: String) throws {
        var parser = LiteralParser(text)
        var descr: String?
        var fortranOrder: Bool?
        var shape: [Int]?
        try parser.expect("{")
        while !parser.consume("}") {
            let key = try parser.string()
            try parser.expect(":")
            switch key {
            case "descr":
                guard let value = try parser.stringIfPresent() else {
                    throw HeaderError(reason: "structured dtypes (a list 'descr') are not supported")
                }
                descr = value
            case "fortran_order": fortranOrder = try parser.bool()
            case "shape": shape = try parser.intTuple()
            default: throw HeaderError(reason: "unexpected key '\(key)'")
            }
            if !parser.consume(",") {
                try parser.expect("}")
                break
            }
        }
        guard parser.atEnd else { throw HeaderError(reason: "unexpected text after the dict") }
        guard let descr, let fortranOrder, let shape else {
            throw HeaderError(reason: "missing one of the keys 'descr', 'fortran_order', 'shape'")
        }
        self.descr = descr
        self.fortranOrder = fortranOrder
        self.shape = shape
    }
}

private struct HeaderError: Error {
    let reason: String
}

/// A tiny scanner for the Python literals that appear in `.npy` headers.
private struct LiteralParser {
    private let scalars: [Unicode.Scalar]
    private var position = 0

    init(_ text: String) { scalars = Array(text.unicodeScalars) }

    var atEnd: Bool {
        mutating get {
            skipSpace()
            return position == scalars.count
        }
    }

    private mutating func skipSpace() {
        while position < scalars.count, scalars[position].properties.isWhitespace { position += 1 }
    }

    mutating func consume(_ token: String) -> Bool {
        skipSpace()
        let tokenScalars = Array(token.unicodeScalars)
        guard position + tokenScalars.count <= scalars.count,
            Array(scalars[position..<(position + tokenScalars.count)]) == tokenScalars
        else { return false }
        position += tokenScalars.count
        return true
    }

    mutating func expect(_ token: String) throws {
        guard consume(token) else { throw HeaderError(reason: "expected '\(token)'") }
    }

    mutating func string() throws -> String {
        guard let value = try stringIfPresent() else { throw HeaderError(reason: "expected a quoted string") }
        return value
    }

    mutating func stringIfPresent() throws -> String? {
        skipSpace()
        guard position < scalars.count, scalars[position] == "'" || scalars[position] == "\"" else { return nil }
        let quote = scalars[position]
        position += 1
        var value = String.UnicodeScalarView()
        while position < scalars.count, scalars[position] != quote {
            value.append(scalars[position])
            position += 1
        }
        guard position < scalars.count else { throw HeaderError(reason: "unterminated string") }
        position += 1
        return String(value)
    }

    mutating func bool() throws -> Bool {
        if consume("True") { return true }
        if consume("False") { return false }
        throw HeaderError(reason: "expected True or False")
    }

    mutating func intTuple() throws -> [Int] {
        try expect("(")
        var values: [Int] = []
        while !consume(")") {
            skipSpace()
            var digits = ""
            if position < scalars.count, scalars[position] == "-" {
                digits.append("-")
                position += 1
            }
            while position < scalars.count, ("0"..."9").contains(scalars[position]) {
                digits.unicodeScalars.append(scalars[position])
                position += 1
            }
            // Python 2 era NumPy wrote long integers with an 'L' suffix.
            if position < scalars.count, scalars[position] == "L" { position += 1 }
            guard let value = Int(digits) else { throw HeaderError(reason: "expected an integer in the shape") }
            values.append(value)
            if !consume(",") {
                try expect(")")
                break
            }
        }
        return values
    }
}

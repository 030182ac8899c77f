import Foundation
import NumericKernels

#if canImport(CZlibSystem)
    // The package's zlib shim (named so as not to clash with ZIPFoundation's `CZlib`).
    import CZlibSystem
#else
    // Apple SDKs ship zlib as a module.
    import zlib
#endif

/// Reads IDX files, the format of the MNIST and Fashion-MNIST datasets.
///
/// Layout (Y. LeCun, C. Cortes, C. J. C. Burges, "The MNIST database of handwritten
/// digits", http://yann.lecun.com/exdb/mnist/): a 4-byte magic number whose first two
/// bytes are zero, the third the element type (`0x08` unsigned byte, the only type
/// read here) and the fourth the rank; then one big-endian `UInt32` per dimension;
/// then the elements in C (row-major) order. Files compressed with gzip (first bytes
/// `1f 8b`) are decompressed transparently with zlib.
public enum IDX {
    /// The IDX type code of unsigned bytes.
    public static let unsignedByteType: UInt8 = 0x08

    /// Reads an unsigned-byte IDX file, plain or gzip-compressed.
    ///
    /// - Parameter url: the file, e.g. `t10k-images-idx3-ubyte.gz`.
    /// - Returns: the dimensions, outermost first (e.g. `[10000, 28, 28]`), and the
    ///   elements in C order, `product(dimensions)` bytes.
    /// - Throws: `NetworksError(.io)` when the file cannot be read;
    ///   `NetworksError(.fileFormat)` naming the path when the gzip stream is corrupt
    ///   or truncated, the magic number's first two bytes are not zero, the type is not
    ///   `0x08`, the rank is not 1…4, or the data are shorter or longer than the
    ///   dimensions require (the message gives both byte counts).
    public static func read(_ url: URL) throws -> (dimensions: [Int], bytes: [UInt8]) {
        try decode([UInt8](try NPY.readFile(url)), path: url.path)
    }

    /// Decodes the bytes of an IDX file (plain or gzip) held in memory; `path` names it in
    /// errors. The errors of `read(_:)`.
    public static func decode(_ input: [UInt8], path: String) throws -> (dimensions: [Int], bytes: [UInt8]) {
        var bytes = input
        let compressed = bytes.count >= 2 && bytes[0] == 0x1F && bytes[1] == 0x8B
        if compressed { bytes = try gunzip(bytes, path: path) }
        let after = compressed ? " after gzip decompression" : ""
        func fail(_ message: String) -> NetworksError {
            NetworksError(.fileFormat, "\(path): not a valid IDX file: \(message)")
        }
        guard bytes.count >= 4 else {
            throw fail("\(bytes.count) bytes\(after), too short for the 4-byte magic number")
        }
        let magic = bytes[0..<4].map { String(format: "%02x", $0) }.joined()
        guard bytes[0] == 0, bytes[1] == 0 else {
            throw fail("bad magic number 0x\(magic): the first two bytes must be zero")
        }
        guard bytes[2] == unsignedByteType else {
            throw fail(
                "element type 0x\(String(format: "%02x", bytes[2])) in magic number 0x\(magic) "
                    + "is not supported; only unsigned bytes (0x08) are")
        }
        let rank = Int(bytes[3])
        guard (1...4).contains(rank) else {
            throw fail("rank \(rank) in magic number 0x\(magic) is not supported; expected 1 to 4")
        }
        let headerSize = 4 + 4 * rank
        guard bytes.count >= headerSize else {
            throw fail(
                "truncated header: rank \(rank) needs \(headerSize) bytes, found \(bytes.count)\(after)")
        }
        var dimensions: [Int] = []
        var expected = 1
        for axis in 0..<rank {
            let offset = 4 + 4 * axis
            let extent = (0..<4).reduce(0) { $0 << 8 | Int(bytes[offset + $1]) }
            dimensions.append(extent)
            let (product, overflow) = expected.multipliedReportingOverflow(by: extent)
            expected = overflow ? Int.max : product
        }
        let found = bytes.count - headerSize
        guard found == expected else {
            let what = found < expected ? "truncated data" : "over-long data"
            throw fail(
                "\(what): dimensions \(dimensions.map(String.init).joined(separator: "×")) need "
                    + "\(expected) bytes, found \(found)\(after)")
        }
        return (dimensions, Array(bytes[headerSize...]))
    }

    /// Decompresses one or more concatenated gzip members (RFC 1952) with zlib's
    /// `inflate`, window bits `16 + MAX_WBITS` (gzip wrapper, CRC-32 and length checked).
    static func gunzip(_ input: [UInt8], path: String) throws -> [UInt8] {
        func fail(_ message: String) -> NetworksError {
            NetworksError(.fileFormat, "\(path): corrupt gzip data: \(message)")
        }
        // A small gzip stream can inflate to gigabytes: stop at the memory limit.
        let cap: Int
        do { cap = try MemoryBudget.limit() } catch let e as ResourceLimitError { throw NetworksError(.io, e.message) }
        var output: [UInt8] = []
        output.reserveCapacity(min(input.count * 4, cap))
        var chunk = [UInt8](repeating: 0, count: 1 << 18)
        var stream = z_stream()
        guard inflateInit2_(&stream, 16 + MAX_WBITS, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK
        else {
            throw NetworksError(.io, "\(path): zlib could not initialise inflate")
        }
        defer { inflateEnd(&stream) }
        var consumed = 0
        try input.withUnsafeBufferPointer { inputBuffer in
            guard let inputBase = inputBuffer.baseAddress else { return }
            while consumed < input.count {
                let available = min(input.count - consumed, Int(UInt32.max))
                stream.next_in = UnsafeMutablePointer(mutating: inputBase + consumed)
                stream.avail_in = UInt32(available)
                var status: Int32 = Z_OK
                repeat {
                    status = chunk.withUnsafeMutableBufferPointer { out in
                        stream.next_out = out.baseAddress
                        stream.avail_out = UInt32(out.count)
                        return inflate(&stream, Z_NO_FLUSH)
                    }
                    output.append(contentsOf: chunk[0..<(chunk.count - Int(stream.avail_out))])
                    if output.count > cap {
                        throw fail("it inflates to more than the memory limit of \(MemoryBudget.format(cap)) (\(MemoryBudget.environmentVariable))")
                    }
                } while status == Z_OK && (stream.avail_in > 0 || stream.avail_out == 0)
                consumed += available - Int(stream.avail_in)
                switch status {
                case Z_STREAM_END:
                    // Another gzip member may follow; anything else must be zero padding.
                    let rest = input[consumed...]
                    if rest.count >= 2 && rest.first == 0x1F && rest.dropFirst().first == 0x8B {
                        guard inflateReset(&stream) == Z_OK else { throw fail("cannot reset inflate") }
                    } else if rest.allSatisfy({ $0 == 0 }) {
                        return
                    } else {
                        throw fail("\(rest.count) bytes of trailing data after the gzip stream")
                    }
                case Z_OK, Z_BUF_ERROR:
                    if consumed >= input.count {
                        throw fail(
                            "the stream is truncated (\(input.count) compressed bytes end before the gzip trailer)")
                    }
                default:
                    let message = stream.msg.map { String(cString: $0) } ?? "zlib error \(status)"
                    throw fail(message)
                }
            }
        }
        return output
    }
}

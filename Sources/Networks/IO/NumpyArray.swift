import NumericKernels

/// The element types `NPY` and `NPZ` read and write, named after NumPy's dtypes.
///
/// On disk each is a `descr` string (NEP 1, "A simple file format for NumPy
/// arrays"): `'<f4'`, `'<f8'`, `'<i4'`, `'<i8'`, `'|u1'`, `'|b1'`. Big-endian
/// (`'>f4'`, `'>i8'`…) and native (`'=f4'`) descriptors are read too and converted
/// to this type's little-endian storage. Complex, object, string and structured
/// dtypes are not supported.
public enum NumpyDType: String, CaseIterable, Sendable {
    /// IEEE 754 binary32, `'<f4'`.
    case float32
    /// IEEE 754 binary64, `'<f8'`.
    case float64
    /// Two's-complement 32-bit integer, `'<i4'`.
    case int32
    /// Two's-complement 64-bit integer, `'<i8'`.
    case int64
    /// Unsigned byte, `'|u1'`.
    case uint8
    /// Boolean stored as one byte, 0 or 1, `'|b1'`.
    case bool

    /// Bytes per element: 4, 8, 4, 8, 1, 1.
    public var itemSize: Int {
        switch self {
        case .float32, .int32: 4
        case .float64, .int64: 8
        case .uint8, .bool: 1
        }
    }

    /// The little-endian NumPy descriptor written to `.npy` headers, e.g. `'<f4'`.
    public var descr: String {
        switch self {
        case .float32: "<f4"
        case .float64: "<f8"
        case .int32: "<i4"
        case .int64: "<i8"
        case .uint8: "|u1"
        case .bool: "|b1"
        }
    }

    /// Parses a NumPy type descriptor such as `'<f4'` or `'>i8'`.
    ///
    /// - Returns: the dtype and whether its bytes are big-endian on disk, or `nil`
    ///   when the descriptor is not one of the supported kinds (`f4 f8 i4 i8 u1 b1`).
    static func parse(descr: String) -> (dtype: NumpyDType, bigEndian: Bool)? {
        guard let order = descr.first, "<>|=".contains(order) else { return nil }
        let kind = String(descr.dropFirst())
        let dtype: NumpyDType
        switch kind {
        case "f4": dtype = .float32
        case "f8": dtype = .float64
        case "i4": dtype = .int32
        case "i8": dtype = .int64
        case "u1": dtype = .uint8
        case "b1": dtype = .bool
        default: return nil
        }
        // '|' (not applicable) is only meaningful for one-byte types; '=' is native,
        // and every platform Swift runs this package on is little-endian.
        if order == "|" && dtype.itemSize != 1 { return nil }
        return (dtype, order == ">" && dtype.itemSize > 1)
    }
}

/// An n-dimensional NumPy array held as raw little-endian bytes in C (row-major) order.
///
/// The element at multi-index `(i0, …, ik)` of shape `(s0, …, sk)` starts at byte
/// `itemSize · (((i0·s1 + i1)·s2 + i2)… + ik)`. A 0-d array (`shape == []`) holds one
/// element; an array with a zero in its shape holds none. Use `floats()` or
/// `doubles()` to get values of any dtype, and `matrix()` for a 2-D weight matrix.
/// Two arrays are equal when shape, dtype and bytes agree, so NaNs with equal bit
/// patterns compare equal and `0.0` differs from `-0.0`.
/// Format: NEP 1, "A simple file format for NumPy arrays".
public struct NumpyArray: Equatable, Sendable {
    /// Extent of each axis, outermost first; `[]` for a 0-d array.
    public let shape: [Int]
    /// Element type.
    public let dtype: NumpyDType
    /// The elements as little-endian bytes in C order, `count · dtype.itemSize` bytes.
    public let bytes: [UInt8]

    /// Number of elements: the product of `shape`, 1 for a 0-d array.
    public var count: Int { shape.reduce(1, *) }

    /// An array over existing little-endian C-order bytes.
    ///
    /// - Parameters:
    ///   - dtype: element type.
    ///   - shape: extent of each axis, all ≥ 0.
    ///   - bytes: `product(shape) · dtype.itemSize` bytes.
    /// - Throws: `NetworksError(.shape)` when a dimension is negative, the element
    ///   count overflows, or `bytes` has the wrong length.
    public init(dtype: NumpyDType, shape: [Int], bytes: [UInt8]) throws {
        guard let elements = NumpyArray.elementCount(shape) else {
            throw NetworksError(
                .shape, "invalid array shape \(NumpyArray.describe(shape)): dimensions must be ≥ 0")
        }
        let (expected, overflow) = elements.multipliedReportingOverflow(by: dtype.itemSize)
        guard !overflow, bytes.count == expected else {
            throw NetworksError(
                .shape,
                "array of shape \(NumpyArray.describe(shape)) and dtype \(dtype.rawValue) needs "
                    + "\(overflow ? "more than Int.max" : String(expected)) bytes, got \(bytes.count)")
        }
        self.shape = shape
        self.dtype = dtype
        self.bytes = bytes
    }

    /// Internal initializer for callers that have already checked the byte count.
    init(unchecked dtype: NumpyDType, shape: [Int], bytes: [UInt8]) {
        self.shape = shape
        self.dtype = dtype
        self.bytes = bytes
    }

    /// A `float32` array; `floats.count` must equal the product of `shape`.
    public init(floats: [Float], shape: [Int]) {
        self.init(elements: floats, dtype: .float32, shape: shape) { $0.bitPattern.littleEndian }
    }

    /// A `float64` array; `doubles.count` must equal the product of `shape`.
    public init(doubles: [Double], shape: [Int]) {
        self.init(elements: doubles, dtype: .float64, shape: shape) { $0.bitPattern.littleEndian }
    }

    /// An `int32` array; `int32s.count` must equal the product of `shape`.
    public init(int32s: [Int32], shape: [Int]) {
        self.init(elements: int32s, dtype: .int32, shape: shape) { $0.littleEndian }
    }

    /// An `int64` array; `int64s.count` must equal the product of `shape`.
    public init(int64s: [Int64], shape: [Int]) {
        self.init(elements: int64s, dtype: .int64, shape: shape) { $0.littleEndian }
    }

    /// A `uint8` array; `uint8s.count` must equal the product of `shape`.
    public init(uint8s: [UInt8], shape: [Int]) {
        self.init(elements: uint8s, dtype: .uint8, shape: shape) { $0 }
    }

    /// A `bool` array (one byte per element, 0 or 1); `bools.count` must equal the
    /// product of `shape`.
    public init(bools: [Bool], shape: [Int]) {
        self.init(elements: bools, dtype: .bool, shape: shape) { UInt8($0 ? 1 : 0) }
    }

    /// A 2-D `float32` array `[rows × columns]` holding `matrix`'s row-major values.
    public init(_ matrix: Matrix) {
        self.init(floats: matrix.values, shape: [matrix.rows, matrix.columns])
    }

    private init<Element, Stored: FixedWidthInteger>(
        elements: [Element], dtype: NumpyDType, shape: [Int], littleEndian: (Element) -> Stored
    ) {
        precondition(MemoryLayout<Stored>.size == dtype.itemSize)
        guard let expected = NumpyArray.elementCount(shape) else {
            preconditionFailure("invalid array shape \(NumpyArray.describe(shape))")
        }
        precondition(
            elements.count == expected,
            "\(elements.count) elements do not fill shape \(NumpyArray.describe(shape))")
        var bytes = [UInt8](repeating: 0, count: expected * dtype.itemSize)
        bytes.withUnsafeMutableBytes { raw in
            for (i, element) in elements.enumerated() {
                raw.storeBytes(of: littleEndian(element), toByteOffset: i * dtype.itemSize, as: Stored.self)
            }
        }
        self.init(unchecked: dtype, shape: shape, bytes: bytes)
    }

    /// The elements in C order converted to `Float`, whatever the dtype.
    ///
    /// `float64` and large integers round to the nearest `Float`; `bool` gives 0 or 1.
    public func floats() -> [Float] {
        switch dtype {
        case .float32: return elements { Float(bitPattern: UInt32(littleEndian: $0)) }
        case .float64: return elements { Float(Double(bitPattern: UInt64(littleEndian: $0))) }
        case .int32: return elements { Float(Int32(littleEndian: $0)) }
        case .int64: return elements { Float(Int64(littleEndian: $0)) }
        case .uint8, .bool: return bytes.map { Float($0) }
        }
    }

    /// The elements in C order converted to `Double`, whatever the dtype.
    ///
    /// Exact for every dtype except `int64` values beyond ±2⁵³; `bool` gives 0 or 1.
    public func doubles() -> [Double] {
        switch dtype {
        case .float32: return elements { Double(Float(bitPattern: UInt32(littleEndian: $0))) }
        case .float64: return elements { Double(bitPattern: UInt64(littleEndian: $0)) }
        case .int32: return elements { Double(Int32(littleEndian: $0)) }
        case .int64: return elements { Double(Int64(littleEndian: $0)) }
        case .uint8, .bool: return bytes.map { Double($0) }
        }
    }

    /// The array as a `Matrix` of `Float`, `[shape[0] × shape[1]]`.
    ///
    /// - Throws: `NetworksError(.shape)` naming the shape unless the array is 2-D.
    public func matrix() throws -> Matrix {
        guard shape.count == 2 else {
            throw NetworksError(
                .shape, "expected a 2-D array for a matrix, found shape \(NumpyArray.describe(shape))")
        }
        return Matrix(rows: shape[0], columns: shape[1], values: floats())
    }

    /// The same elements under another shape with the same element count.
    ///
    /// - Throws: `NetworksError(.shape)` naming both shapes when the counts differ.
    public func reshaped(_ newShape: [Int]) throws -> NumpyArray {
        guard let newCount = NumpyArray.elementCount(newShape), newCount == count else {
            throw NetworksError(
                .shape,
                "cannot reshape an array of shape \(NumpyArray.describe(shape)) "
                    + "to \(NumpyArray.describe(newShape))")
        }
        return NumpyArray(unchecked: dtype, shape: newShape, bytes: bytes)
    }

    /// Loads every element as `Raw` (a little-endian bit pattern) and converts it.
    private func elements<Raw: FixedWidthInteger, Value>(_ convert: (Raw) -> Value) -> [Value] {
        precondition(MemoryLayout<Raw>.size == dtype.itemSize)
        let n = bytes.count / MemoryLayout<Raw>.size
        return bytes.withUnsafeBytes { raw in
            (0..<n).map { convert(raw.loadUnaligned(fromByteOffset: $0 * MemoryLayout<Raw>.size, as: Raw.self)) }
        }
    }

    /// Product of `shape`, or `nil` when a dimension is negative or the product overflows.
    static func elementCount(_ shape: [Int]) -> Int? {
        var total = 1
        for extent in shape {
            guard extent >= 0 else { return nil }
            let (product, overflow) = total.multipliedReportingOverflow(by: extent)
            guard !overflow else { return nil }
            total = product
        }
        return total
    }

    /// A shape as Python writes it: `()`, `(3,)`, `(2, 3)`.
    static func describe(_ shape: [Int]) -> String {
        switch shape.count {
        case 0: "()"
        case 1: "(\(shape[0]),)"
        default: "(" + shape.map(String.init).joined(separator: ", ") + ")"
        }
    }
}

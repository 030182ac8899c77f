/// A dense row-major matrix of `Float`, the currency type of the simulator.
///
/// Element `(r, c)` lives at `values[r * columns + c]`. Weight matrices are stored
/// `[outputs × inputs]`; activations and batches `[batch × features]`.
public struct Matrix: Equatable, Sendable {
    /// Number of rows.
    public let rows: Int
    /// Number of columns.
    public let columns: Int
    /// Row-major storage, `rows * columns` elements.
    public var values: [Float]

    /// A matrix filled with `value`.
    public init(rows: Int, columns: Int, repeating value: Float = 0) {
        precondition(rows >= 0 && columns >= 0, "Matrix dimensions must be non-negative")
        self.rows = rows
        self.columns = columns
        self.values = [Float](repeating: value, count: rows * columns)
    }

    /// A matrix whose every element `write` stores (row-major, `rows * columns` of them),
    /// without filling it first: for outputs that a kernel overwrites whole (sgemm with
    /// β = 0, im2col, layout changes), saving a pass over memory that can be large. The
    /// elements are uninitialised until `write` stores them; `write` must store all.
    public init(rows: Int, columns: Int, writingEvery write: (UnsafeMutablePointer<Float>) -> Void) {
        precondition(rows >= 0 && columns >= 0, "Matrix dimensions must be non-negative")
        self.rows = rows
        self.columns = columns
        let count = rows * columns
        self.values = [Float](unsafeUninitializedCapacity: count) { buffer, n in
            if let base = buffer.baseAddress, count > 0 { write(base) }
            n = count
        }
    }

    /// A matrix over existing row-major values; `values.count` must equal `rows * columns`.
    public init(rows: Int, columns: Int, values: [Float]) {
        precondition(rows >= 0 && columns >= 0, "Matrix dimensions must be non-negative")
        precondition(
            values.count == rows * columns,
            "Matrix storage has \(values.count) elements, expected \(rows) × \(columns)")
        self.rows = rows
        self.columns = columns
        self.values = values
    }

    /// Element at row `r`, column `c`.
    @inlinable
    public subscript(r: Int, c: Int) -> Float {
        get { values[r * columns + c] }
        set { values[r * columns + c] = newValue }
    }

    /// The shape as `[rows, columns]`, handy for error messages.
    public var shape: [Int] { [rows, columns] }

    /// Rows `range` as a new matrix.
    public func rows(_ range: Range<Int>) -> Matrix {
        precondition(range.lowerBound >= 0 && range.upperBound <= rows)
        return Matrix(
            rows: range.count, columns: columns,
            values: Array(values[(range.lowerBound * columns)..<(range.upperBound * columns)]))
    }

    /// The sub-block `rowRange × columnRange` as a new matrix.
    public func block(rows rowRange: Range<Int>, columns columnRange: Range<Int>) -> Matrix {
        precondition(rowRange.lowerBound >= 0 && rowRange.upperBound <= rows)
        precondition(columnRange.lowerBound >= 0 && columnRange.upperBound <= columns)
        var out = Matrix(rows: rowRange.count, columns: columnRange.count)
        values.withUnsafeBufferPointer { src in
            out.values.withUnsafeMutableBufferPointer { dst in
                for (i, r) in rowRange.enumerated() {
                    let s = r * columns + columnRange.lowerBound
                    for j in 0..<columnRange.count { dst[i * columnRange.count + j] = src[s + j] }
                }
            }
        }
        return out
    }

    /// The transpose, `[columns × rows]`.
    public var transposed: Matrix {
        var out = Matrix(rows: columns, columns: rows)
        values.withUnsafeBufferPointer { src in
            out.values.withUnsafeMutableBufferPointer { dst in
                for r in 0..<rows { for c in 0..<columns { dst[c * rows + r] = src[r * columns + c] } }
            }
        }
        return out
    }

    /// Largest absolute element, 0 for an empty matrix.
    public var maxAbs: Float {
        values.withUnsafeBufferPointer { p in
            var m: Float = 0
            for v in p { m = Swift.max(m, Swift.abs(v)) }
            return m
        }
    }
}

/// Finite-value scans for input validation in hot paths.
public enum FiniteCheck {
    /// Index of the first NaN or ±Inf in `values`, or nil when all are finite.
    ///
    /// Scans blocks of 1024 with a branch-free exponent test that the compiler vectorises
    /// (an exponent field of all ones marks NaN and ±Inf); only a block that holds a
    /// non-finite value is searched element by element.
    public static func firstNonFinite(_ values: UnsafeBufferPointer<Float>) -> Int? {
        guard let base = values.baseAddress else { return nil }
        let n = values.count
        var start = 0
        while start < n {
            let m = min(1024, n - start)
            let p = base + start
            var flag: UInt32 = 0
            for i in 0..<m { flag |= (p[i].bitPattern & 0x7F80_0000) == 0x7F80_0000 ? 1 : 0 }
            if flag != 0 {
                for i in 0..<m where !base[start + i].isFinite { return start + i }
            }
            start += m
        }
        return nil
    }
}

extension FiniteCheck {
    /// max |x_i| over `count` values, or nil when one of them is NaN or ±Inf: one vectorised
    /// pass over the bit patterns (for non-negative floats the integer order of the bit
    /// patterns is the numeric order, so the maximum is exact; a pattern at or above the
    /// infinity exponent marks NaN or ±Inf). Equals `BLAS.absMax` for finite input;
    /// 0 for `count` ≤ 0.
    public static func absMax(_ x: UnsafePointer<Float>, count: Int) -> Float? {
        var largest: Int32 = 0
        for i in 0..<max(count, 0) {
            largest = max(largest, Int32(bitPattern: x[i].bitPattern & 0x7FFF_FFFF))
        }
        if largest >= 0x7F80_0000 { return nil }
        return Float(bitPattern: UInt32(largest))
    }
}

/// Finite-value scans for input validation in hot paths (vectorised, see `Kernels`).
public enum FiniteCheck {
    /// Index of the first NaN or ±Inf in `values`, or nil when all are finite.
    ///
    /// Scans blocks of 1024 with a branch-free exponent test (an exponent field of all ones
    /// marks NaN and ±Inf); only a block that holds a non-finite value is searched element
    /// by element.
    public static func firstNonFinite(_ values: UnsafeBufferPointer<Float>) -> Int? {
        guard let base = values.baseAddress else { return nil }
        let n = values.count
        var start = 0
        while start < n {
            let m = min(1024, n - start)
            if Kernels.containsNonFinite(base + start, count: m) {
                for i in 0..<m where !base[start + i].isFinite { return start + i }
            }
            start += m
        }
        return nil
    }
}

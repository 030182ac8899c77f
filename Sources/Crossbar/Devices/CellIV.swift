import NumericKernels

/// Cell current–voltage nonlinearity (`device.iv_nonlinearity`): a cell of conductance G
/// driven at V passes I = G·V0·sinh(V/V0), the sinh law of the ASU/Stanford oxide RRAM
/// compact model (X. Guan, S. Yu, H.-S. P. Wong, "A SPICE compact model of metal oxide
/// resistive switching memory with variations", IEEE Electron Device Lett. 33, 1405 (2012):
/// I = I0·exp(−g/g0)·sinh(V/V0)). Ohmic for V ≪ V0, superlinear towards full scale.
///
/// With k = V_read/V0 (V_read the word-line voltage of a full-scale input) and DAC levels x
/// in [−R, R], the array stage multiplies the conductances by the drive
/// f(x) = (R/k)·sinh(k·x/R) instead of x: slope 1 at 0, sinh(k)/k at full scale. The
/// digital periphery (abs-max rescaling, digital offsets) still works with x, so the
/// nonlinearity shows as an input-dependent gain error, as on a chip. Bit-serial inputs
/// drive each plane's 1-bit levels (0, ±1) through f as well.
public struct SinhCellIV: Sendable, Equatable {
    /// k = V_read/V0 (> 0).
    public let k: Float
    /// The DAC range R of full-scale inputs.
    public let range: Float

    public init(k: Float, range: Float) {
        precondition(k > 0 && range > 0)
        self.k = k
        self.range = range
    }

    /// f(x) = (R/k)·sinh(k·x/R).
    @inlinable
    public func drive(_ x: Float) -> Float { range / k * _sinhf(k * x / range) }

    /// Applies `drive` to `count` levels.
    func drive(_ x: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count { out[i] = drive(x[i]) }
    }
}

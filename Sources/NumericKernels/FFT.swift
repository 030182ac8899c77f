import CFFTW
import Foundation

/// Real-input discrete Fourier transforms through FFTW (`fftwf_plan_dft_r2c_1d`,
/// single precision, `FFTW_ESTIMATE` plans).
///
/// FFTW's planner is not thread-safe, so plan creation and destruction are serialised by a
/// lock; executing a plan is. Transforms are unnormalised, as FFTW's: X_k = Σ x_n e^{−2πikn/N}.
public enum FFT {
    private static let plannerLock = NSLock()

    /// The FFTW library version string, e.g. "fftw-3.3.10-sse2-avx".
    public static var version: String { String(cString: aimc_fftwf_version()) }

    /// The non-negative-frequency half of the DFT of a real signal: `n/2 + 1` complex bins
    /// (re, im).
    public static func realForward(_ x: [Float]) -> [(re: Float, im: Float)] {
        let n = x.count
        if n == 0 { return [] }
        let bins = n / 2 + 1
        let input = fftwf_alloc_real(n)!
        let output = fftwf_alloc_complex(bins)!
        defer {
            fftwf_free(input)
            fftwf_free(output)
        }
        plannerLock.lock()
        let plan = fftwf_plan_dft_r2c_1d(Int32(n), input, output, UInt32(FFTW_ESTIMATE))
        plannerLock.unlock()
        for i in 0..<n { input[i] = x[i] }
        fftwf_execute(plan)
        var out: [(re: Float, im: Float)] = []
        out.reserveCapacity(bins)
        for k in 0..<bins { out.append((output[k].0, output[k].1)) }
        plannerLock.lock()
        fftwf_destroy_plan(plan)
        plannerLock.unlock()
        return out
    }

    /// One-sided periodogram |X_k|² / N for k = 0 … N/2 (no window, no normalisation by
    /// sampling rate).
    public static func periodogram(_ x: [Float]) -> [Float] {
        let n = Float(x.count)
        return realForward(x).map { ($0.re * $0.re + $0.im * $0.im) / n }
    }
}

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

    /// Inverse real DFTs of `howMany` Hermitian half-spectra with one plan
    /// (`fftwf_plan_many_dft_c2r`), unnormalised as FFTW's: x_n = Σ_{k=0}^{N−1} X_k e^{+2πikn/N}
    /// with X_{N−k} = conj(X_k), so `realInverse(realForward(x))` is N·x.
    ///
    /// - Parameters:
    ///   - spectra: `[howMany × (n/2 + 1)]` bins (re, im); the imaginary parts of bin 0 and,
    ///     for even n, of bin n/2 are ignored (a real signal has none).
    ///   - n: length of each output signal (≥ 1).
    ///   - howMany: number of transforms (≥ 0).
    /// - Returns: `[howMany × n]` real signals.
    public static func realInverse(_ spectra: [(re: Float, im: Float)], count n: Int, howMany: Int = 1) -> [Float] {
        precondition(n >= 1 && howMany >= 0, "realInverse: n = \(n), howMany = \(howMany)")
        let bins = n / 2 + 1
        precondition(
            spectra.count == howMany * bins,
            "realInverse: \(spectra.count) bins for \(howMany) spectra of \(bins) bins (n = \(n))")
        if howMany == 0 { return [] }
        let input = fftwf_alloc_complex(howMany * bins)!
        let output = fftwf_alloc_real(howMany * n)!
        defer {
            fftwf_free(input)
            fftwf_free(output)
        }
        var length = Int32(n)
        plannerLock.lock()
        let plan = fftwf_plan_many_dft_c2r(
            1, &length, Int32(howMany), input, nil, 1, Int32(bins), output, nil, 1, Int32(n), UInt32(FFTW_ESTIMATE))
        plannerLock.unlock()
        // Filled after planning (planning may overwrite the arrays); c2r destroys its input.
        for k in 0..<(howMany * bins) {
            input[k].0 = spectra[k].re
            input[k].1 = spectra[k].im
        }
        for s in 0..<howMany {
            input[s * bins].1 = 0
            if n % 2 == 0 { input[s * bins + n / 2].1 = 0 }
        }
        fftwf_execute(plan)
        let out = [Float](UnsafeBufferPointer(start: output, count: howMany * n))
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

import Foundation
import NumericKernels
import TestSupport
import Testing

@Suite struct FFTTests {
    /// A cosine of integer frequency k over N samples has all its energy in bin k:
    /// |X_k| = N/2, every other bin 0 (tolerance 1e-3·N in single precision).
    @Test(arguments: [(64, 5), (1000, 17), (4096, 1)])
    func cosineLandsInItsBin(n: Int, k: Int) {
        let x = (0..<n).map { Float(cos(2 * Double.pi * Double(k * $0) / Double(n))) }
        let spec = FFT.realForward(x)
        #expect(spec.count == n / 2 + 1)
        for (j, c) in spec.enumerated() {
            let mag = (c.re * c.re + c.im * c.im).squareRoot()
            #expect(abs(mag - (j == k ? Float(n) / 2 : 0)) < 1e-3 * Float(n), "bin \(j)")
        }
    }

    /// Parseval: Σ x² = (|X_0|² + 2 Σ_{0<k<N/2} |X_k|² + |X_{N/2}|²) / N for even N,
    /// relative tolerance 1e-4.
    @Test func parseval() {
        var rng = Xoshiro256(seed: 4)
        let x = rng.gaussians(2048)
        let p = FFT.periodogram(x)
        var e: Double = Double(p[0]) + Double(p[1024])
        for k in 1..<1024 { e += 2 * Double(p[k]) }
        let direct = x.reduce(0.0) { $0 + Double($1) * Double($1) }
        #expect(abs(e - direct) / direct < 1e-4)
        #expect(FFT.version.hasPrefix("fftw-3"))
    }
}

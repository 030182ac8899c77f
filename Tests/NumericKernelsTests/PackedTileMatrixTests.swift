import NumericKernels
import TestSupport
import Testing

/// The array stage's packed-matrix product: every output is the fused multiply-add chain
/// over the rows in order (checked bit for bit against a scalar `addingProduct` loop) on
/// every variant, it agrees with OpenBLAS's sgemm to float rounding, and it writes exactly
/// the rows and columns it owns.
@Suite("Packed tile matrix product")
struct PackedTileMatrixTests {
    static let variants = Kernels.InstructionSet.allCases.filter { $0 <= Kernels.supported }

    static func data(_ n: Int, seed: UInt64) -> [Float] {
        var g = Xoshiro256(seed: seed)
        // DAC-like levels (a quarter zero) and signed weights of mixed magnitude.
        return (0..<n).map { i in i % 4 == 0 ? 0 : (g.nextUniform() * 2 - 1) * (i % 3 == 0 ? 1e-3 : 1.7) }
    }

    /// The reference `[n × channels]`: c = 0, then c = fma(a_k, m_k, c) for k in order, + 0.
    static func chain(_ a: [Float], lda: Int, n: Int, _ m: [Float], channels: Int, rows: Int) -> [Float] {
        var expected = [Float](repeating: 0, count: n * channels)
        for i in 0..<n {
            for j in 0..<channels {
                var c: Float = 0
                for k in 0..<rows { c = c.addingProduct(a[i * lda + k], m[j * rows + k]) }
                expected[i * channels + j] = c + 0
            }
        }
        return expected
    }

    @Test("bit-identical to the scalar FMA chain on every variant; close to sgemm; padding and bounds",
          arguments: [(1, 1, 1), (5, 10, 128), (6, 16, 255), (12, 17, 256), (13, 33, 257), (29, 64, 513), (97, 256, 272)])
    func product(n: Int, channels: Int, rows: Int) {
        let lda = rows + 3
        let a = Self.data(n * lda, seed: UInt64(n * 1000 + rows))
        let m = Self.data(channels * rows, seed: UInt64(channels * 7 + 1))
        let packed = PackedTileMatrix(m, channels: channels, rows: rows)
        #expect(packed.unpacked == m)
        let ldy = packed.paddedChannels + 5
        let expected = Self.chain(a, lda: lda, n: n, m, channels: channels, rows: rows)
        var blas = [Float](repeating: 0, count: n * channels)
        a.withUnsafeBufferPointer { ap in
            m.withUnsafeBufferPointer { mp in
                blas.withUnsafeMutableBufferPointer { bp in
                    BLAS.sgemm(transA: false, transB: true, m: n, n: channels, k: rows, alpha: 1, a: ap.baseAddress!, lda: lda,
                               b: mp.baseAddress!, ldb: rows, beta: 0, c: bp.baseAddress!, ldc: channels)
                }
            }
        }
        // |Σ a·m| error bound of a float sum of `rows` products: rows · ε · Σ|a·m|.
        for i in 0..<n {
            for j in 0..<channels {
                var magnitude: Float = 0
                for k in 0..<rows { magnitude += abs(a[i * lda + k] * m[j * rows + k]) }
                #expect(abs(expected[i * channels + j] - blas[i * channels + j]) <= Float(rows) * 1.2e-7 * magnitude + 1e-30)
            }
        }
        let sentinel: Float = -7.25
        for isa in Self.variants {
            var y = [Float](repeating: sentinel, count: (n + 1) * ldy)
            var work = [Float](repeating: 0, count: packed.workspaceCount(samples: n))
            a.withUnsafeBufferPointer { ap in
                y.withUnsafeMutableBufferPointer { packed.multiply(ap.baseAddress!, lda: lda, count: n, into: $0.baseAddress!, ldy: ldy, workspace: &work, isa: isa) }
            }
            var got: [Float] = []
            for i in 0..<n { got += y[(i * ldy)..<(i * ldy + channels)] }
            #expect(got.map(\.bitPattern) == expected.map(\.bitPattern), "\(isa)")
            for i in 0..<n {
                #expect(y[(i * ldy + channels)..<(i * ldy + packed.paddedChannels)].allSatisfy { $0 == 0 }, "\(isa): padding of sample \(i)")
                #expect(y[(i * ldy + packed.paddedChannels)..<((i + 1) * ldy)].allSatisfy { $0 == sentinel }, "\(isa): beyond the row of sample \(i)")
            }
            #expect(y[(n * ldy)...].allSatisfy { $0 == sentinel }, "\(isa): beyond sample \(n - 1)")
        }
    }

    /// Inputs with zero rows as the kernels meet them (image borders, dead units, ±0, whole
    /// zero samples and blocks, gaps shorter and longer than the kernels skip) and products
    /// that underflow to zeros of either sign: every variant still gives the chain over all
    /// rows + 0 bit for bit, whichever zero rows it skips, and a sample's outputs do not
    /// depend on the zeros of the other samples in its block.
    @Test("skipping rows of zero inputs changes no bit", arguments: [(1, 40), (12, 300), (25, 513), (37, 64)])
    func zeroRows(n: Int, rows: Int) {
        let channels = 35
        var g = Xoshiro256(seed: UInt64(n * 31 + rows))
        var a = [Float](repeating: 0, count: n * rows)
        for i in 0..<n {
            for k in 0..<rows {
                let border = k < 5 || k >= rows - 4 || (k / 7) % 5 == 3  // zero for every sample
                let dead = k % 11 == 4 && i % 12 != 7  // zero but for one sample of a block
                let short = k % 4 == 1  // gaps of one row
                var v: Float = (border || dead || short || i % 9 == 8) ? 0 : (g.nextUniform() * 2 - 1)
                if v == 0 && g.next() % 3 == 0 { v = -0.0 }
                // Samples of tiny inputs, whose products with tiny weights underflow to ±0.
                if i % 6 == 5 { v *= 1e-30 }
                a[i * rows + k] = v
            }
        }
        var m = (0..<(channels * rows)).map { _ in g.nextUniform() * 2 - 1 }
        for j in 0..<channels where j % 5 == 2 { for k in 0..<rows { m[j * rows + k] *= 1e-20 } }
        let expected = Self.chain(a, lda: rows, n: n, m, channels: channels, rows: rows)
        let packed = PackedTileMatrix(m, channels: channels, rows: rows)
        let ldy = packed.paddedChannels
        for isa in Self.variants {
            var y = [Float](repeating: .nan, count: n * ldy)
            var work = [Float](repeating: .nan, count: packed.workspaceCount(samples: n))
            packed.multiply(a, lda: rows, count: n, into: &y, ldy: ldy, workspace: &work, isa: isa)
            var got: [Float] = []
            for i in 0..<n { got += y[(i * ldy)..<(i * ldy + channels)] }
            #expect(got.map(\.bitPattern) == expected.map(\.bitPattern), "\(isa)")
            for s in Set([0, min(7, n - 1), n - 1]) {
                var one = [Float](repeating: .nan, count: ldy)
                a.withUnsafeBufferPointer { packed.multiply($0.baseAddress! + s * rows, lda: rows, count: 1, into: &one, ldy: ldy, workspace: &work, isa: isa) }
                #expect(one.map(\.bitPattern) == Array(y[(s * ldy)..<((s + 1) * ldy)]).map(\.bitPattern), "\(isa), sample \(s) alone")
            }
        }
        // Without the final + 0, skipping zero rows would show: the chain over the non-zero
        // inputs alone ends in −0 for some outputs (their products underflow), which the
        // chain over every row does not.
        var negativeZeros = 0
        for i in 0..<n where i % 6 == 5 {
            for j in 0..<channels where j % 5 == 2 {
                var c: Float = 0
                for k in 0..<rows where a[i * rows + k] != 0 { c = c.addingProduct(a[i * rows + k], m[j * rows + k]) }
                if c == 0 && c.sign == .minus { negativeZeros += 1 }
            }
        }
        #expect(n < 6 || negativeZeros > 0)
    }

    @Test("a sample's outputs do not depend on the other samples of the block")
    func rowIndependence() {
        let rows = 300, channels = 40, n = 25
        let a = Self.data(n * rows, seed: 5)
        let packed = PackedTileMatrix(Self.data(channels * rows, seed: 6), channels: channels, rows: rows)
        let ldy = packed.paddedChannels
        for isa in Self.variants {
            var work = [Float](repeating: 0, count: packed.workspaceCount(samples: n))
            var all = [Float](repeating: 0, count: n * ldy)
            a.withUnsafeBufferPointer { packed.multiply($0.baseAddress!, lda: rows, count: n, into: &all, ldy: ldy, workspace: &work, isa: isa) }
            for s in [0, 11, 12, 24] {
                var one = [Float](repeating: 0, count: ldy)
                a.withUnsafeBufferPointer { packed.multiply($0.baseAddress! + s * rows, lda: rows, count: 1, into: &one, ldy: ldy, workspace: &work, isa: isa) }
                #expect(one.map(\.bitPattern) == Array(all[(s * ldy)..<((s + 1) * ldy)]).map(\.bitPattern), "\(isa), sample \(s)")
            }
        }
    }

    /// Two rows: y = fma(a₂, m₂, a₁·m₁), with operands of random sign and exponent and many
    /// near-cancellations, against `addingProduct` (one rounding); the portable variant emulates
    /// the FMA (round-to-odd in double), the others use the instruction.
    @Test("the emulated FMA of the portable variant is the correctly rounded a·b + c")
    func emulatedFMA() {
        var g = Xoshiro256(seed: 99)
        func value() -> Float {
            let v = (g.nextUniform() + 0.5) * Float(sign: .plus, exponent: Int(g.next() % 40) - 20, significand: 1)
            return g.next() % 2 == 0 ? v : -v
        }
        let n = 4000, channels = 16
        var a = [Float](repeating: 0, count: n * 2), m = [Float](repeating: 0, count: channels * 2)
        for j in 0..<channels { m[2 * j] = value(); m[2 * j + 1] = value() }
        for i in 0..<n {
            a[2 * i] = value()
            // Half the samples nearly cancel the first product in channel i % 16.
            let j = i % channels
            a[2 * i + 1] = i % 2 == 0 ? value() : -(a[2 * i] * m[2 * j]) / m[2 * j + 1] * (1 + Float(Int(g.next() % 9) - 4) * .ulpOfOne)
        }
        var expected = [Float](repeating: 0, count: n * channels)
        for i in 0..<n {
            for j in 0..<channels { expected[i * channels + j] = (a[2 * i] * m[2 * j]).addingProduct(a[2 * i + 1], m[2 * j + 1]) }
        }
        let packed = PackedTileMatrix(m, channels: channels, rows: 2)
        for isa in Self.variants {
            var y = [Float](repeating: 0, count: n * channels)
            var work = [Float](repeating: 0, count: packed.workspaceCount(samples: n))
            packed.multiply(a, lda: 2, count: n, into: &y, ldy: channels, workspace: &work, isa: isa)
            #expect(y.map(\.bitPattern) == expected.map(\.bitPattern), "\(isa)")
        }
    }
}

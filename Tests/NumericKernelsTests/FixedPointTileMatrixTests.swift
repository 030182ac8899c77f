import NumericKernels
import TestSupport
import Testing

/// The integer array stage: the weights' 16-bit representation within its stated resolution,
/// the product equal bit for bit to the exact integer sum scaled once (on every variant, any
/// block of samples, zero inputs skipped or not), no overflow at the documented limit, and
/// the distance to the real-valued product within the bound that follows.
@Suite("Fixed-point tile matrix product")
struct FixedPointTileMatrixTests {
    static let variants = Kernels.InstructionSet.allCases.filter { $0 <= Kernels.supported }

    /// Weights of mixed magnitude per channel (one all-zero channel) and level indices with
    /// zero runs (borders, dead rows, whole zero samples).
    static func operands(n: Int, channels: Int, rows: Int, maxLevel: Int, seed: UInt64) -> (w: [Float], levels: [Int16]) {
        var g = Xoshiro256(seed: seed)
        var w = [Float](repeating: 0, count: channels * rows)
        for j in 0..<channels where j % 7 != 3 {
            let magnitude: Float = j % 3 == 0 ? 1e-3 : 1.7
            for k in 0..<rows { w[j * rows + k] = (g.nextUniform() * 2 - 1) * magnitude * (k % 5 == 0 ? 0.01 : 1) }
        }
        let stride = rows + rows % 2
        var levels = [Int16](repeating: 0, count: n * stride)
        for i in 0..<n where i % 9 != 8 {
            for k in 0..<rows where !(k < 3 || (k / 6) % 4 == 2 || (k % 13 == 5 && i % 12 != 4)) {
                levels[i * stride + k] = Int16(Int(g.next() % UInt64(2 * maxLevel + 1)) - maxLevel)
            }
        }
        return (w, levels)
    }

    @Test("the exact integer sum scaled once, on every variant; padding and bounds",
          arguments: [(1, 1, 1), (5, 10, 127), (12, 17, 256), (13, 33, 257), (29, 64, 513), (61, 256, 512), (97, 48, 272)])
    func exactSum(n: Int, channels: Int, rows: Int) {
        let maxLevel = 63
        let (w, levels) = Self.operands(n: n, channels: channels, rows: rows, maxLevel: maxLevel, seed: UInt64(n * 100 + rows))
        let m = FixedPointTileMatrix(w, channels: channels, rows: rows)
        let q = m.dequantized
        let step: Float = 1 / 63
        let stride = m.levelStride
        // Reference: Σ ℓ·q in Int64 from the dequantised weights' integers.
        var expected = [Float](repeating: 0, count: n * channels)
        for i in 0..<n {
            for j in 0..<channels {
                var sum: Int64 = 0
                if m.scales[j] > 0 {
                    for k in 0..<rows { sum += Int64(levels[i * stride + k]) * Int64((Double(q[j * rows + k]) / m.scales[j]).rounded()) }
                }
                expected[i * channels + j] = Float(Double(sum) * (m.scales[j] * Double(step)))
            }
        }
        let ldy = m.paddedChannels + 3
        let sentinel: Float = -7.25
        for isa in Self.variants {
            var y = [Float](repeating: sentinel, count: (n + 1) * ldy)
            var work = [Int32](repeating: -1, count: m.workspaceCount(samples: n))
            levels.withUnsafeBufferPointer { lp in
                m.multiply(levels: lp.baseAddress!, lda: stride, count: n, step: step, into: &y, ldy: ldy, workspace: &work, isa: isa)
            }
            var got: [Float] = []
            for i in 0..<n { got += y[(i * ldy)..<(i * ldy + channels)] }
            #expect(got.map(\.bitPattern) == expected.map(\.bitPattern), "\(isa)")
            for i in 0..<n {
                #expect(y[(i * ldy + channels)..<(i * ldy + m.paddedChannels)].allSatisfy { $0 == 0 }, "\(isa): padding of sample \(i)")
                #expect(y[(i * ldy + m.paddedChannels)..<((i + 1) * ldy)].allSatisfy { $0 == sentinel }, "\(isa): beyond the row of sample \(i)")
            }
            #expect(y[(n * ldy)...].allSatisfy { $0 == sentinel }, "\(isa): beyond sample \(n - 1)")
            // A sample alone gives what it gave in the block.
            for s in Set([0, n / 2, n - 1]) {
                var one = [Float](repeating: sentinel, count: ldy)
                levels.withUnsafeBufferPointer { lp in
                    m.multiply(levels: lp.baseAddress! + s * stride, lda: stride, count: 1, step: step, into: &one, ldy: ldy, workspace: &work, isa: isa)
                }
                #expect(one.map(\.bitPattern) == Array(y[(s * ldy)..<((s + 1) * ldy)]).map(\.bitPattern), "\(isa), sample \(s) alone")
            }
        }
    }

    @Test("16-bit weights within 1/65534 of each channel's largest |w|, the largest at ±32767")
    func quantisation() {
        let channels = 40, rows = 301
        let (w, _) = Self.operands(n: 1, channels: channels, rows: rows, maxLevel: 1, seed: 5)
        let m = FixedPointTileMatrix(w, channels: channels, rows: rows)
        let q = m.dequantized
        for j in 0..<channels {
            let largest = (0..<rows).map { abs(w[j * rows + $0]) }.max()!
            if largest == 0 {
                #expect(m.scales[j] == 0 && (0..<rows).allSatisfy { q[j * rows + $0] == 0 })
                continue
            }
            #expect(m.scales[j] == Double(largest) / 32767)
            for k in 0..<rows {
                // s·q is rounded to float once more: half an ulp of |w| on top.
                #expect(abs(Double(q[j * rows + k]) - Double(w[j * rows + k])) <= Double(largest) / 65534 * (1 + 1e-9) + Double(abs(w[j * rows + k]).ulp))
            }
            #expect((0..<rows).contains { abs(Double(q[j * rows + $0]) / m.scales[j]).rounded() == 32767 })
        }
    }

    @Test("non-finite entries (a failed stage's) pack as 0 without trapping, outside the scale")
    func nonFiniteEntries() {
        let w: [Float] = [0.5, .nan, -1, .infinity, 0.25, -.infinity, .nan, .nan]  // two channels of 4 rows
        let m = FixedPointTileMatrix(w, channels: 2, rows: 4)
        #expect(m.scales == [1.0 / 32767, 0.25 / 32767])
        #expect(m.dequantized.map { $0 == 0 } == [false, true, false, true, false, true, true, true])
    }

    @Test("no overflow at rows × largest level = 65538 with every product at its extreme")
    func overflowLimit() {
        // 516 rows of levels ±127: 65532 ≤ 65538; the sum 516·127·32767 = 2 147 354 436 < 2³¹.
        let rows = 516, channels = 16, n = 13
        #expect(rows * 127 <= FixedPointTileMatrix.maxLevelRows)
        let w = (0..<(channels * rows)).map { i in Float(i / rows % 2 == 0 ? 1 : -1) }
        let m = FixedPointTileMatrix(w, channels: channels, rows: rows)
        let levels = [Int16](repeating: 127, count: n * rows)
        for isa in Self.variants {
            var y = [Float](repeating: 0, count: n * channels)
            var work = [Int32](repeating: 0, count: m.workspaceCount(samples: n))
            m.multiply(levels: levels, lda: rows, count: n, step: 1, into: &y, ldy: channels, workspace: &work, isa: isa)
            for i in 0..<n {
                for j in 0..<channels {
                    let exact = Double(rows * 127 * 32767) * m.scales[j] * (j % 2 == 0 ? 1 : -1)
                    #expect(y[i * channels + j] == Float(exact), "\(isa)")
                }
            }
        }
    }

    /// |y − Σ_k x_k·w_jk| ≤ Σ_k |x_k| · max_k |w_jk| / 65534 (half a step of the 16-bit weights) plus
    /// the final roundings (2⁻²³ |y|), with x = ℓ·Δ: against the real product in Double.
    @Test("the product within the weights' resolution of the real-valued product")
    func distanceToRealProduct() {
        let n = 50, channels = 70, rows = 300
        let (w, levels) = Self.operands(n: n, channels: channels, rows: rows, maxLevel: 63, seed: 8)
        let m = FixedPointTileMatrix(w, channels: channels, rows: rows)
        let step: Float = 1 / 63
        var y = [Float](repeating: 0, count: n * m.paddedChannels)
        var work = [Int32](repeating: 0, count: m.workspaceCount(samples: n))
        m.multiply(levels: levels, lda: rows, count: n, step: step, into: &y, ldy: m.paddedChannels, workspace: &work)
        var worst = 0.0
        for i in 0..<n {
            for j in 0..<channels {
                var exact = 0.0, l1 = 0.0, largest = 0.0
                for k in 0..<rows {
                    let x = Double(levels[i * rows + k]) * Double(step)
                    exact += x * Double(w[j * rows + k])
                    l1 += abs(x)
                    largest = max(largest, abs(Double(w[j * rows + k])))
                }
                let bound = l1 * largest / 65534 + abs(exact) * 1.2e-7 + 1e-30
                let err = abs(Double(y[i * m.paddedChannels + j]) - exact)
                #expect(err <= bound)
                worst = max(worst, err / bound)
            }
        }
        // The bound is not vacuous: some outputs come within a tenth of it.
        #expect(worst > 0.01)
    }
}

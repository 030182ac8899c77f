import CTileKernels

/// A tile's matrix `[channels × rows]` held as 16-bit integers for the array stage's integer
/// product (`multiply`): channel j's weights are w_jk ≈ s_j·q_jk with
/// s_j = max_k |w_jk| / 32767 and q_jk = round(w_jk / s_j) (half to even, in `Double`), so
/// |q| ≤ 32767 and |w_jk − s_j·q_jk| ≤ s_j/2 = max_k |w_jk| / 65534 (steps of 3.1·10⁻⁵ of
/// the channel's largest weight, each weight within half a step).
///
/// `multiply` takes the DAC's integer level indices ℓ (inputs x = ℓ·Δ) and returns
/// y_ij = RN_float(RN_double(Σ_k ℓ_ik·q_jk) · s_j·Δ): the sum is an exact integer (the caller
/// keeps rows · max|ℓ| ≤ `maxLevelRows`, so it stays inside int32), hence every variant
/// (AVX-512 VNNI or BW, AVX2, portable) and every blocking gives the same bits, and skipping
/// zero inputs is exact. On CPUs with AVX-512 VNNI one instruction makes 32 products, twice a
/// float FMA's 16 (`CTileKernels/tile_gemm_int16.c`). Immutable after `init`.
public final class FixedPointTileMatrix: @unchecked Sendable {
    /// Inputs (word lines) of the tile.
    public let rows: Int
    /// Output channels (bit lines × slices).
    public let channels: Int
    /// Panels of 16 channels.
    public let panels: Int
    /// The largest |q|: 32767.
    public static let bound = 32767
    /// The largest rows · max|ℓ| for which every dot product fits int32:
    /// ⌊(2³¹ − 1) / 32767⌋ = 65538 (e.g. 512 rows of 7-bit signed levels, |ℓ| ≤ 63 or 127).
    public static let maxLevelRows = Int(Int32.max) / bound
    /// s_j per channel, `[channels]` (0 for a channel of zeros).
    public let scales: [Double]
    let storage: UnsafeMutablePointer<Int16>
    let count: Int

    /// Quantises and packs `matrix` `[channels × rows]` (row-major). Non-finite entries (which
    /// only a failed stage can leave, and which the readout reports as an error before any
    /// read) are stored as 0 and left out of the channel's scale, so packing never traps.
    public init(_ matrix: [Float], channels: Int, rows: Int) {
        precondition(channels >= 0 && rows >= 0 && matrix.count == channels * rows, "FixedPointTileMatrix: \(matrix.count) values for [\(channels) × \(rows)]")
        self.rows = rows
        self.channels = channels
        panels = (channels + 15) / 16
        let pairs = (rows + 1) / 2
        count = max(panels * pairs * 32, 32)
        storage = UnsafeMutableRawPointer.allocate(byteCount: count * MemoryLayout<Int16>.size, alignment: 64)
            .bindMemory(to: Int16.self, capacity: count)
        storage.initialize(repeating: 0, count: count)
        var s = [Double](repeating: 0, count: channels)
        for j in 0..<channels {
            var largest: Float = 0
            for k in 0..<rows where matrix[j * rows + k].isFinite { largest = max(largest, abs(matrix[j * rows + k])) }
            guard largest > 0 else { continue }
            let scale = Double(largest) / Double(Self.bound)
            s[j] = scale
            let panel = storage + (j / 16) * pairs * 32 + (j % 16) * 2
            for k in 0..<rows {
                guard matrix[j * rows + k].isFinite else { continue }
                let q = (Double(matrix[j * rows + k]) / scale).rounded(.toNearestOrEven)
                panel[(k / 2) * 32 + k % 2] = Int16(min(max(q, -Double(Self.bound)), Double(Self.bound)))
            }
        }
        scales = s
    }

    deinit { storage.deallocate() }

    /// The instructions the integer product runs on for `isa` on this CPU: `vpdpwssd` (AVX-512
    /// VNNI), `vpmaddwd` (AVX-512 BW or AVX2) or portable C.
    public static func kernelName(isa: Kernels.InstructionSet = Kernels.active) -> String {
        switch isa {
        case .avx512: aimc_tile_int16_has_vnni() != 0 ? "vpdpwssd, AVX-512 VNNI" : "vpmaddwd, AVX-512 BW"
        case .avx2: "vpmaddwd, AVX2"
        case .portable: "portable C"
        }
    }

    /// Row stride of `multiply`'s output: the channels rounded up to whole panels of 16.
    public var paddedChannels: Int { panels * 16 }

    /// The row stride of `multiply`'s level indices: the rows rounded up to an even count.
    public var levelStride: Int { rows + rows % 2 }

    /// Bytes of the packed integers.
    public var byteCount: Int { count * MemoryLayout<Int16>.size }

    /// s_j·q_jk, `[channels × rows]`: the weights the product uses.
    public var dequantized: [Float] {
        let pairs = (rows + 1) / 2
        return [Float](unsafeUninitializedCapacity: channels * rows) { out, n in
            for j in 0..<channels {
                let panel = storage + (j / 16) * pairs * 32 + (j % 16) * 2
                for k in 0..<rows { out[j * rows + k] = Float(scales[j] * Double(panel[(k / 2) * 32 + k % 2])) }
            }
            n = channels * rows
        }
    }

    /// Words of workspace `multiply` needs for `n` samples.
    public func workspaceCount(samples n: Int) -> Int { Int(aimc_tile_gemm_int16_workspace(n, rows)) }

    /// `y[i, j] = RN_float(RN_double(Σ_k ℓ[i · lda + k] · q_jk) · s_j · step)` for samples
    /// i < n and j < `paddedChannels` (0 beyond `channels`): `levels` `[n × lda]` with
    /// lda ≥ `levelStride` even and, for an odd row count, 0 after each sample's last row;
    /// rows · max|ℓ| must not exceed `maxLevelRows`. `y` `[n × ldy]`, ldy ≥ `paddedChannels`,
    /// every element written.
    /// - Parameter workspace: at least `workspaceCount(samples: n)` words.
    public func multiply(
        levels: UnsafePointer<Int16>, lda: Int, count n: Int, step: Float, into y: UnsafeMutablePointer<Float>, ldy: Int,
        workspace: UnsafeMutablePointer<Int32>, isa: Kernels.InstructionSet = Kernels.active
    ) {
        precondition(lda >= levelStride && lda % 2 == 0 && ldy >= paddedChannels, "FixedPointTileMatrix.multiply: lda \(lda), ldy \(ldy) for [\(channels) × \(rows)]")
        withUnsafeTemporaryAllocation(of: Double.self, capacity: paddedChannels) { f in
            for j in 0..<paddedChannels { f[j] = j < channels ? scales[j] * Double(step) : 0 }
            aimc_tile_gemm_int16(isa.cVariant, levels, lda, n, rows, storage, panels, f.baseAddress!, y, ldy, workspace)
        }
    }
}

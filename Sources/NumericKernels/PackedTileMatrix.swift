import CTileKernels

/// A tile's matrix `[channels × rows]` packed once for the array stage of its reads
/// (`multiply`): panels of 16 channels, each row k of a panel 16 consecutive floats, 64-byte
/// aligned, zeros beyond the last channel (`CTileKernels/include/CTileKernels.h`).
///
/// `multiply` is the simulator's own matrix product for tile reads, in place of a BLAS sgemm:
/// the packing happens once per readout instead of once per call, so that a read can run in
/// small blocks of samples whose DAC levels and outputs stay in cache; and every output is
/// one fused multiply-add chain over the rows in order, so the AVX-512, AVX2 and portable
/// variants give bit-identical results (tested), as `Kernels` does for its loops. The array
/// stage of `array_precision` float32 (and of reads the integer stage cannot serve:
/// `FixedPointTileMatrix`). Immutable after `init`.
public final class PackedTileMatrix: @unchecked Sendable {
    /// Inputs (word lines) of the tile: the inner dimension.
    public let rows: Int
    /// Output channels (bit lines × slices).
    public let channels: Int
    /// Panels of `panelWidth` channels.
    public let panels: Int
    /// Channels per panel.
    public static let panelWidth = Int(AIMC_TILE_PANEL)
    /// Samples that `multiply` blocks by internally (workspace rounding).
    public static let rowBlock = Int(AIMC_TILE_ROW_BLOCK)
    let storage: UnsafeMutablePointer<Float>

    /// Packs `matrix` `[channels × rows]` (row-major: channel j's weights at `j · rows`).
    public init(_ matrix: [Float], channels: Int, rows: Int) {
        precondition(channels >= 0 && rows >= 0 && matrix.count == channels * rows, "PackedTileMatrix: \(matrix.count) values for [\(channels) × \(rows)]")
        self.rows = rows
        self.channels = channels
        let w = Self.panelWidth
        panels = (channels + w - 1) / w
        let count = max(panels * rows * w, 1)
        storage = UnsafeMutableRawPointer.allocate(byteCount: count * MemoryLayout<Float>.size, alignment: 64)
            .bindMemory(to: Float.self, capacity: count)
        storage.initialize(repeating: 0, count: count)
        matrix.withUnsafeBufferPointer { m in
            for j in 0..<channels {
                let panel = storage + (j / w) * rows * w + j % w
                let src = m.baseAddress! + j * rows
                for k in 0..<rows { panel[k * w] = src[k] }
            }
        }
    }

    deinit { storage.deallocate() }

    /// Row stride of `multiply`'s output: the channels rounded up to whole panels.
    public var paddedChannels: Int { panels * Self.panelWidth }

    /// The matrix unpacked, `[channels × rows]`.
    public var unpacked: [Float] {
        let w = Self.panelWidth
        return [Float](unsafeUninitializedCapacity: channels * rows) { out, n in
            for j in 0..<channels {
                let panel = storage + (j / w) * rows * w + j % w
                for k in 0..<rows { out[j * rows + k] = panel[k * w] }
            }
            n = channels * rows
        }
    }

    /// Floats of workspace `multiply` needs for `n` samples.
    public func workspaceCount(samples n: Int) -> Int { Int(aimc_tile_gemm_workspace(n, rows)) }

    /// `y[i, j] = Σ_k a[i · lda + k] · M[j, k]` for samples i < n and j < `paddedChannels`
    /// (channels beyond `channels` get 0): `a` `[n × lda]`, lda ≥ rows; `y` `[n × ldy]`,
    /// ldy ≥ `paddedChannels`, every element written. Each output is one fused multiply-add
    /// chain over k = 0 … rows − 1 from +0, then + 0 (rows whose inputs are zero may be
    /// skipped, which changes nothing): the same bits on every variant and whatever the other
    /// samples. The matrix must be finite.
    /// - Parameter workspace: at least `workspaceCount(samples: n)` floats (any alignment;
    ///   the runs of non-zero inputs and a last partial block of samples go there).
    public func multiply(
        _ a: UnsafePointer<Float>, lda: Int, count n: Int, into y: UnsafeMutablePointer<Float>, ldy: Int,
        workspace: UnsafeMutablePointer<Float>, isa: Kernels.InstructionSet = Kernels.active
    ) {
        precondition(lda >= rows && ldy >= paddedChannels, "PackedTileMatrix.multiply: lda \(lda) < \(rows) or ldy \(ldy) < \(paddedChannels)")
        aimc_tile_gemm(isa.cVariant, a, lda, n, rows, storage, panels, y, ldy, workspace)
    }
}

import ExperimentKit
import Foundation
import Networks
import NumericKernels
import TestSupport
import Testing

/// The memory estimate of any architecture, checked before a network is built (the CLI refusal
/// of custom dense and convolutional networks: Tests/hostile).
@Suite struct NetworkMemoryTests {
    /// One-column tiles pad each tile's packed read matrix to 16 channels (16 × the weights):
    /// the estimate covers that, so a narrow tiling cannot allocate far beyond it.
    @Test func narrowTilesCoverThePackedPadding() throws {
        let rows = 511, outputs = 256
        // Per one-column tile: the float panel (16 × rows floats) and the integer one (16 ×
        // rows rounded up to even, int16).
        let packed = PackedTileMatrix([Float](repeating: 1, count: rows), channels: 1, rows: rows)
        let fixed = FixedPointTileMatrix([Float](repeating: 1, count: rows), channels: 1, rows: rows)
        #expect(packed.paddedChannels == PackedTileMatrix.panelWidth)
        let packedBytes = outputs * (rows * packed.paddedChannels * MemoryLayout<Float>.size + fixed.byteCount)
        #expect(MemoryEstimate.matrix(outputs: outputs, inputs: rows, tileRows: rows, tileColumns: 1) >= packedBytes)
    }

    /// The estimate walks any architecture: a convolution's output and im2col sizes, pooling,
    /// flatten, residual blocks.
    @Test func shapesOfAConvolutionalNetwork() {
        var conv = LayerDescription.conv2d(1, 6, kernel: 5, padding: 2)
        conv.name = "c1"
        let d = NetworkDescription(inputShape: [1, 28, 28], layers: [
            conv, .init(.relu), .pool(.maxPool, kernel: 2),
            .residual(body: [.conv2d(6, 6, kernel: 3, padding: 1), .init(.relu)]),
            .init(.flatten), .linear(1176, 10),
        ])
        let m = NetworkMemory(d, tileRows: 256, tileColumns: 256)
        let expectedWeights = MemoryEstimate.matrix(outputs: 6, inputs: 25, tileRows: 256, tileColumns: 256)
            + MemoryEstimate.matrix(outputs: 6, inputs: 54, tileRows: 256, tileColumns: 256)
            + MemoryEstimate.matrix(outputs: 10, inputs: 1176, tileRows: 256, tileColumns: 256)
        #expect(m.weights == expectedWeights)
        #expect(m.largestActivation == 6 * 28 * 28)
        #expect(m.largestIm2col == 25 * 28 * 28)
        // conv, relu (6·28·28 each), pool, residual body conv + relu, the block, flatten (6·14·14 each), linear (10)
        #expect(m.activationsPerSample == 2 * 4704 + 5 * 1176 + 10)
        #expect(m.largestLayer.path == "layers.5" && m.largestLayer.outputs == 10 && m.largestLayer.inputs == 1176)
        let evaluation = m.bytes(trainingBatch: 0, evaluationBatch: 100, threads: 2)
        #expect(evaluation == m.weights + 4 * 2 * (3 * 100 * 4704 + 100 * 19600))
        #expect(m.bytes(trainingBatch: 64, evaluationBatch: 100, threads: 2) == evaluation + 4 * (2 * 64 * m.activationsPerSample + 2 * 64 * 19600))
    }

    @Test func hugeSizesSaturateInsteadOfOverflowing() {
        let d = NetworkDescription(inputShape: [1 << 20, 1 << 20, 1 << 20], layers: [.conv2d(1 << 20, 1 << 20, kernel: 1 << 10)])
        let m = NetworkMemory(d, tileRows: 1, tileColumns: 1)
        #expect(m.bytes(trainingBatch: 128, evaluationBatch: 1000, threads: 8) == Int.max)
    }
}

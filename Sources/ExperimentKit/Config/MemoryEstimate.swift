import Crossbar
import Foundation
import Networks
import NumericKernels

/// Rough up-front memory estimates, checked against `MemoryBudget` before anything is
/// allocated, so that a size inside a key's documented range but far beyond the machine
/// (`network.layers: [784, 100000, 100000, 10]`, a 20 000 × 20 000 W on 1 × 1 tiles) is
/// refused with a message instead of dying on allocation.
public enum MemoryEstimate {
    /// Bytes held per weight of a dense layer while it is trained and simulated: FP32
    /// weights, gradient and two Adam moments; the programmed and drifted conductances of
    /// the differential pair; read buffers (12 floats); the 16-bit copy of the integer
    /// array stage (`FixedPointTileMatrix`).
    public static let bytesPerWeight = 50
    /// Bytes of bookkeeping per crossbar tile (objects, per-column state, converters).
    public static let bytesPerTile = 4096
    /// Bytes per sweep point held before it runs (its resolved config).
    public static let bytesPerSweepPoint = 64 << 10

    /// Tiles of `tileRows × tileColumns` that a `[outputs × inputs]` matrix needs.
    public static func tiles(outputs: Int, inputs: Int, tileRows: Int, tileColumns: Int) -> Int {
        MemoryBudget.product((inputs + tileRows - 1) / max(tileRows, 1), (outputs + tileColumns - 1) / max(tileColumns, 1))
    }

    /// Bytes per tile row of the packed read matrices' padding, at most: a tile's channels are
    /// rounded up to whole panels of 16 (`PackedTileMatrix`, `FixedPointTileMatrix`), 15
    /// floats and 15 int16 per row at worst.
    public static let paddingBytesPerTileRow = 15 * 4 + 15 * 2

    /// One `[outputs × inputs]` matrix mapped onto tiles.
    public static func matrix(outputs: Int, inputs: Int, tileRows: Int, tileColumns: Int) -> Int {
        let n = tiles(outputs: outputs, inputs: inputs, tileRows: tileRows, tileColumns: tileColumns)
        // The integer copy pads an odd row count with one row of (columns + 15) int16.
        let oddRow = MemoryBudget.product(n, MemoryBudget.sum(min(max(tileColumns, 1), max(outputs, 1)), 15), 2)
        return MemoryBudget.sum(
            MemoryBudget.sum(MemoryBudget.product(outputs, inputs, bytesPerWeight), MemoryBudget.product(n, bytesPerTile)),
            MemoryBudget.sum(MemoryBudget.product(n, min(max(tileRows, 1), max(inputs, 1)), paddingBytesPerTileRow), oddRow))
    }

    /// A chain of dense layers of the given widths (input first).
    public static func denseChain(_ widths: [Int], tileRows: Int, tileColumns: Int) -> Int {
        var total = 0
        for (a, b) in zip(widths, widths.dropFirst()) {
            total = MemoryBudget.sum(total, matrix(outputs: b, inputs: a, tileRows: tileRows, tileColumns: tileColumns))
        }
        return total
    }
}

/// The memory a network of any architecture needs, from its description and the sample
/// shape alone (nothing is allocated): every weighted layer's matrix (`matrix`, with tiles),
/// the activations of a training batch kept for the backward pass (with their gradients),
/// and the activations of the evaluation batches of all worker threads, including a
/// convolution's im2col block (at most `im2colFloats` per batch, as `SequentialReadout`
/// chunks it).
public struct NetworkMemory: Sendable, Equatable {
    /// Bytes of the weighted layers (weights, optimiser state, conductances, tiles).
    public var weights = 0
    /// Floats of all layer outputs of one sample (what training keeps).
    public var activationsPerSample = 0
    /// Floats of the largest layer input or output of one sample.
    public var largestActivation = 0
    /// Floats of the largest im2col block of one sample.
    public var largestIm2col = 0
    /// The largest single matrix, for the message: `[outputs × inputs]` and its layer path.
    public var largestLayer = (path: "", outputs: 0, inputs: 0)

    public static func == (a: NetworkMemory, b: NetworkMemory) -> Bool {
        a.weights == b.weights && a.activationsPerSample == b.activationsPerSample && a.largestActivation == b.largestActivation
            && a.largestIm2col == b.largestIm2col && a.largestLayer == b.largestLayer
    }

    /// Largest im2col block materialised at once (floats), as in `SequentialReadout`.
    public static let im2colFloats = 1 << 23

    /// Walks `description` from its input shape.
    public init(_ description: NetworkDescription, tileRows: Int, tileColumns: Int) {
        var shape = description.inputShape
        walk(description.layers, path: "layers", shape: &shape, tileRows: tileRows, tileColumns: tileColumns)
    }

    mutating func walk(_ layers: [LayerDescription], path: String, shape: inout [Int], tileRows: Int, tileColumns: Int) {
        func note(_ s: [Int]) {
            let n = MemoryBudget.product(s.map { max($0, 0) })
            activationsPerSample = MemoryBudget.sum(activationsPerSample, n)
            largestActivation = max(largestActivation, n)
        }
        func weighted(_ p: String, outputs: Int, inputs: Int) {
            weights = MemoryBudget.sum(weights, MemoryEstimate.matrix(outputs: outputs, inputs: inputs, tileRows: tileRows, tileColumns: tileColumns))
            if MemoryBudget.product(outputs, inputs) > MemoryBudget.product(largestLayer.outputs, largestLayer.inputs) {
                largestLayer = (p, outputs, inputs)
            }
        }
        func spatial(_ size: Int, kernel: Int, stride: Int, padding: Int, dilation: Int = 1) -> Int {
            // In Double: a hostile padding or size must not trap on overflow.
            let k = Double(dilation) * Double(max(kernel - 1, 0)) + 1
            let out = ((Double(size) + 2 * Double(padding) - k) / Double(max(stride, 1))).rounded(.down) + 1
            return out <= 0 ? 0 : out >= 9e18 ? Int.max : Int(out)
        }
        for (i, d) in layers.enumerated() {
            let p = "\(path).\(i)\(d.name.map { " (\($0))" } ?? "")"
            switch d.kind {
            case .linear:
                weighted(p, outputs: d.outFeatures, inputs: d.inFeatures)
                shape = shape.count == 2 ? [shape[0], d.outFeatures] : [d.outFeatures]
            case .conv2d:
                let field = MemoryBudget.product(d.inChannels, d.kernelSize, d.kernelSize)
                weighted(p, outputs: d.outChannels, inputs: field)
                let h = shape.count == 3 ? shape[1] : 1, w = shape.count == 3 ? shape[2] : 1
                let oh = spatial(h, kernel: d.kernelSize, stride: d.stride, padding: d.padding, dilation: d.dilation)
                let ow = spatial(w, kernel: d.kernelSize, stride: d.stride, padding: d.padding, dilation: d.dilation)
                largestIm2col = max(largestIm2col, MemoryBudget.product(field, oh, ow))
                shape = [d.outChannels, oh, ow]
            case .maxPool, .avgPool:
                if shape.count == 3 {
                    let st = d.strideGiven ? d.stride : d.kernelSize
                    shape = [shape[0], spatial(shape[1], kernel: d.kernelSize, stride: st, padding: d.padding),
                             spatial(shape[2], kernel: d.kernelSize, stride: st, padding: d.padding)]
                }
            case .globalAvgPool: shape = [shape.first ?? 1]
            case .flatten: shape = [MemoryBudget.product(shape.map { max($0, 0) })]
            case .residual:
                var body = shape, shortcut = shape
                walk(d.body, path: p + ".body", shape: &body, tileRows: tileRows, tileColumns: tileColumns)
                walk(d.shortcut, path: p + ".shortcut", shape: &shortcut, tileRows: tileRows, tileColumns: tileColumns)
                shape = body
            case .batchNorm, .relu, .dropout, .layerNorm, .gelu, .posEmbedding: break
            case .tokens: if shape.count == 3 { shape = [MemoryBudget.product(shape[1], shape[2]), shape[0]] }
            case .classToken: if shape.count == 2 { shape = [MemoryBudget.sum(shape[0], 1), shape[1]] }
            case .tokenPool: shape = [shape.last ?? 1]
            case .attention:
                weighted(p + ".qkv", outputs: MemoryBudget.product(3, d.dim), inputs: d.dim)
                weighted(p + ".proj", outputs: d.dim, inputs: d.dim)
                // The qkv activations and one head's scores [T × T] at a time.
                let t = shape.first ?? 1
                note([3, t, d.dim])
                note([t, t])
            case .moe:
                weighted(p + ".router", outputs: d.experts, inputs: d.dim)
                for e in 0..<d.experts {
                    weighted("\(p).experts.\(e).fc1", outputs: d.hidden, inputs: d.dim)
                    weighted("\(p).experts.\(e).fc2", outputs: d.dim, inputs: d.hidden)
                }
                note(shape.dropLast() + [d.hidden])
            }
            note(shape)
        }
    }

    /// Bytes for training with `trainingBatch` samples (0: no training) and evaluating
    /// `evaluationBatch` samples on each of `threads` workers.
    public func bytes(trainingBatch: Int, evaluationBatch: Int, threads: Int) -> Int {
        let im2colPerBatch = { (batch: Int) in min(MemoryBudget.product(batch, largestIm2col), NetworkMemory.im2colFloats) }
        // Training: every layer output and its gradient, plus one im2col block and its gradient.
        let training = MemoryBudget.product(
            4, MemoryBudget.sum(MemoryBudget.product(2, trainingBatch, activationsPerSample), MemoryBudget.product(2, im2colPerBatch(trainingBatch))))
        // Evaluation: per worker, the layer input and output (and a scratch copy) and one im2col block.
        let evaluation = MemoryBudget.product(
            4, max(threads, 1), MemoryBudget.sum(MemoryBudget.product(3, evaluationBatch, largestActivation), im2colPerBatch(evaluationBatch)))
        return MemoryBudget.sum(MemoryBudget.sum(weights, trainingBatch > 0 ? training : 0), evaluation)
    }
}

extension ExperimentConfig {
    /// Checks a network of any architecture (MLP, LeNet-5, ResNet, a custom definition)
    /// against the memory limit before it is built: its weighted layers on tiles, a
    /// training batch (when it trains) and the evaluation batches of every worker thread.
    /// - Throws: `ConfigError` naming the config, the network, the estimate and the limit.
    func checkNetworkMemory(_ description: NetworkDescription, trains: Bool) throws {
        let m = NetworkMemory(description, tileRows: hardware.tileRows, tileColumns: hardware.tileColumns)
        let bytes = m.bytes(trainingBatch: trains ? training.batchSize : 0, evaluationBatch: evaluationBatchSize, threads: threads)
        let what = "\(file): network \(architecture.rawValue) (input \(description.inputShape), largest matrix \(m.largestLayer.path) [\(m.largestLayer.outputs) × \(m.largestLayer.inputs)], \(m.activationsPerSample) activations per sample; \(trains ? "training.batch_size \(training.batchSize), " : "")evaluation.batch_size \(evaluationBatchSize) × \(threads) threads) on \(hardware.tileRows) × \(hardware.tileColumns) tiles"
        do {
            try MemoryBudget.check(bytes, what)
        } catch let e as ResourceLimitError {
            throw ConfigError(e.message)
        }
    }

    /// Checks the network's dense widths against the memory limit (the input width of
    /// `network.hidden` is known only once the data are read; the hidden widths are
    /// checked among themselves).
    /// - Throws: `ResourceLimitError` naming the key, the estimate and the limit.
    func checkMemory() throws {
        guard architecture == .mlp else { return }
        let widths = layerWidths ?? hiddenWidths
        let key = layerWidths != nil ? "network.layers" : "network.hidden"
        let bytes = MemoryEstimate.denseChain(widths, tileRows: hardware.tileRows, tileColumns: hardware.tileColumns)
        try MemoryBudget.check(bytes, "\(file): \(key) = \(widths) on \(hardware.tileRows) × \(hardware.tileColumns) tiles")
    }
}

import Crossbar
import Foundation
import NumericKernels

/// Rough up-front memory estimates, checked against `MemoryBudget` before anything is
/// allocated, so that a size inside a key's documented range but far beyond the machine
/// (`network.layers: [784, 100000, 100000, 10]`, a 20 000 × 20 000 W on 1 × 1 tiles) is
/// refused with a message instead of dying on allocation.
public enum MemoryEstimate {
    /// Bytes held per weight of a dense layer while it is trained and simulated: FP32
    /// weights, gradient and two Adam moments; the programmed and drifted conductances of
    /// the differential pair; read buffers (12 floats).
    public static let bytesPerWeight = 48
    /// Bytes of bookkeeping per crossbar tile (objects, per-column state, converters).
    public static let bytesPerTile = 4096
    /// Bytes per sweep point held before it runs (its resolved config).
    public static let bytesPerSweepPoint = 64 << 10

    /// Tiles of `tileRows × tileColumns` that a `[outputs × inputs]` matrix needs.
    public static func tiles(outputs: Int, inputs: Int, tileRows: Int, tileColumns: Int) -> Int {
        MemoryBudget.product((inputs + tileRows - 1) / max(tileRows, 1), (outputs + tileColumns - 1) / max(tileColumns, 1))
    }

    /// One `[outputs × inputs]` matrix mapped onto tiles.
    public static func matrix(outputs: Int, inputs: Int, tileRows: Int, tileColumns: Int) -> Int {
        MemoryBudget.sum(
            MemoryBudget.product(outputs, inputs, bytesPerWeight),
            MemoryBudget.product(tiles(outputs: outputs, inputs: inputs, tileRows: tileRows, tileColumns: tileColumns), bytesPerTile))
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

extension ExperimentConfig {
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

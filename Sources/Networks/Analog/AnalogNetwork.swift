import Crossbar
import NumericKernels

/// An `MLP` mapped onto analogue tiles: every layer's W on crossbars, biases and
/// activations digital.
public struct AnalogNetwork: Sendable {
    /// The digital network it was mapped from.
    public let model: MLP
    /// One tiled matrix per layer.
    public let layers: [AnalogMatrix]

    /// Maps every layer of `model` onto `spec`.
    /// - Throws: `CrossbarError` for invalid hardware.
    public init(model: MLP, spec: HardwareSpec) throws {
        self.model = model
        self.layers = try model.layers.map { try AnalogMatrix(weights: $0.weight, spec: spec) }
    }

    /// Programs every layer; layer i uses the seed `mix(seed, [i])`.
    public func program(seed: UInt64) -> ProgrammedNetwork {
        ProgrammedNetwork(
            model: model,
            layers: layers.enumerated().map { i, l in l.program(seed: Xoshiro256.mix(seed, [UInt64(i)])) })
    }
}

/// A programmed network, from which each evaluation time is read.
public struct ProgrammedNetwork: Sendable {
    public let model: MLP
    public let layers: [ProgrammedMatrix]

    /// The network's state `tInference` seconds after programming (drift and accumulated
    /// read noise applied, compensation factors computed).
    public func readout(tInference: Double) -> NetworkReadout {
        NetworkReadout(model: model, layers: layers.map { $0.readout(tInference: tInference) })
    }
}

/// A network at one evaluation time.
public struct NetworkReadout: Sendable {
    public let model: MLP
    public let layers: [AnalogReadout]

    /// Logits `[batch × classes]` of `x` `[batch × inputs]` through the analogue layers.
    /// - Parameters:
    ///   - rng: output-noise source; consumed layer by layer, tile by tile.
    ///   - stats: per-layer converter counts, added to (resized to the layer count).
    /// - Throws: `CrossbarError` for a non-finite input.
    public func forward(
        _ x: Matrix, compensation: DriftCompensation, rng: inout Xoshiro256, stats: inout [ConversionStats]
    ) throws -> Matrix {
        if stats.count != layers.count { stats = Array(repeating: ConversionStats(), count: layers.count) }
        var a = x
        for (i, l) in layers.enumerated() {
            a = try l.forward(a, compensation: compensation, rng: &rng, stats: &stats[i])
            addBias(&a, model.layers[i].bias)
            stats[i].biasAdds += a.values.count
            if i < layers.count - 1 {
                relu(&a)
                stats[i].activations += a.values.count
            }
        }
        return a
    }
}

import Crossbar
import NumericKernels

/// An `MLP` mapped onto analogue tiles: every layer's W on crossbars, biases and
/// activations digital.
public struct AnalogNetwork: Sendable {
    /// The digital network it was mapped from.
    public let model: MLP
    /// One tiled matrix per layer.
    public let layers: [AnalogMatrix]
    /// Network inputs `[batch × inputs]` that calibrate the ADC ranges of every readout
    /// when `spec.adcRangePolicy` is not `fixed` (nil: none; the MVM then throws).
    public let calibration: Matrix?

    /// Maps every layer of `model` onto `spec`.
    /// - Parameter calibration: the ADC calibration batch (network inputs), used only by
    ///   calibrated ADC range policies.
    /// - Throws: `CrossbarError` for invalid hardware.
    public init(model: MLP, spec: HardwareSpec, calibration: Matrix? = nil) throws {
        self.model = model
        self.layers = try model.layers.map { try AnalogMatrix(weights: $0.weight, spec: spec) }
        self.calibration = calibration
    }

    /// Programs every layer; layer i uses the seed `mix(seed, [i])`.
    public func program(seed: UInt64) -> ProgrammedNetwork {
        ProgrammedNetwork(
            model: model,
            layers: layers.enumerated().map { i, l in l.program(seed: Xoshiro256.mix(seed, [UInt64(i)])) },
            calibration: calibration)
    }
}

/// A programmed network, from which each evaluation time is read.
public struct ProgrammedNetwork: Sendable {
    public let model: MLP
    public let layers: [ProgrammedMatrix]
    /// The ADC calibration batch (see `AnalogNetwork.calibration`).
    public var calibration: Matrix? = nil

    /// The network's state `tInference` seconds after programming (drift and accumulated
    /// read noise applied, compensation factors computed, ADC ranges calibrated when the
    /// policy asks for it — a calibration failure is thrown by `forward`).
    public func readout(tInference: Double) -> NetworkReadout {
        let r = NetworkReadout(model: model, layers: layers.map { $0.readout(tInference: tInference) })
        guard let first = layers.first, first.spec.adcRangePolicy != .fixed, let calibration else { return r }
        do {
            return try r.calibratingADC(calibration, seeds: layers.map(\.seed))
        } catch let e as CrossbarError {
            var failed = r
            failed.calibrationError = e
            return failed
        } catch {
            var failed = r
            failed.calibrationError = CrossbarError("\(error)")
            return failed
        }
    }
}

/// A network at one evaluation time.
public struct NetworkReadout: Sendable {
    public let model: MLP
    public let layers: [AnalogReadout]
    /// A failed ADC calibration; `forward` throws it.
    public internal(set) var calibrationError: CrossbarError? = nil

    /// Logits `[batch × classes]` of `x` `[batch × inputs]` through the analogue layers.
    /// - Parameters:
    ///   - rng: output-noise source; consumed layer by layer, tile by tile.
    ///   - stats: per-layer converter counts, added to (resized to the layer count).
    /// - Throws: `CrossbarError` for a non-finite input.
    public func forward(
        _ x: Matrix, compensation: DriftCompensation, rng: inout Xoshiro256, stats: inout [ConversionStats]
    ) throws -> Matrix {
        if let calibrationError { throw calibrationError }
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

extension NetworkReadout {
    /// This readout with every layer's ADC ranges calibrated on the network inputs `x`
    /// `[batch × inputs]`: layer i is calibrated on the analogue outputs of layers 0…i−1
    /// (bias and ReLU applied), which are computed with output noise from stream
    /// `[8, bits(t_inference)]` of the layer's programming seed.
    /// - Throws: `CrossbarError` when a layer cannot be calibrated.
    public func calibratingADC(_ x: Matrix, seeds: [UInt64]) throws -> NetworkReadout {
        var calibrated: [AnalogReadout] = []
        var a = x
        for (i, l) in layers.enumerated() {
            var rng = Xoshiro256(seed: seeds[i], stream: [8, l.tInference.bitPattern])
            let c = try l.calibratingADC(a, rng: &rng)
            calibrated.append(c)
            if i < layers.count - 1 {
                var st = ConversionStats()
                a = try c.forward(a, compensation: .none, rng: &rng, stats: &st)
                addBias(&a, model.layers[i].bias)
                relu(&a)
            }
        }
        return NetworkReadout(model: model, layers: calibrated)
    }
}

import Crossbar
import NumericKernels

/// A `SequentialNetwork` mapped onto analogue tiles: every dense and convolutional layer's
/// weight matrix placed `.analog` (the default; attention's and a mixture of experts' too)
/// on crossbars, every one placed `.digital` run FP32 in the digital periphery, exactly as
/// the digital network computes it (no tiles, no converters) (`AnalogMatrix`, so devices, converters, drift
/// compensation, faults, mappings and IR drop apply to convolutions exactly as to dense
/// layers); biases, pooling, activations, residual additions and batch norms that cannot be
/// folded stay digital. Batch norm is folded into the preceding layer before mapping.
///
/// A convolution is lowered with im2col: its `[outChannels × inChannels·kh·kw]` matrix
/// performs one MVM per output pixel. When that matrix has more rows (inputs) than a tile,
/// it is split at kernel boundaries — ⌊tile.rows / (kh·kw)⌋ whole input channels per
/// tile row-block, each block its own `AnalogMatrix` whose partial sums are added
/// digitally — so that no kernel straddles two tiles; a kernel larger than a tile
/// (kh·kw > tile.rows) falls back to the plain split of `AnalogMatrix`.
public struct AnalogSequentialNetwork: Sendable {
    /// The network with batch norm folded and dropout removed.
    public let network: SequentialNetwork
    /// One entry per weighted layer, depth first (residual body before shortcut).
    public let units: [AnalogUnit]
    /// ADC calibration batch (network inputs) for calibrated ADC range policies.
    public let calibration: Matrix?

    /// - Throws: `CrossbarError` for invalid hardware or weights.
    public init(network: SequentialNetwork, spec: HardwareSpec, calibration: Matrix? = nil) throws {
        let folded = network.foldingBatchNorm()
        self.network = folded
        self.units = try folded.weightedLayers.map { wl in
            let (layer, w) = (wl.layer, wl.weight)
            if wl.placement == .digital { return AnalogUnit(digital: w) }
            var groups = [0..<w.columns]
            if case .conv2d(let c) = layer {
                groups = Self.kernelAlignedGroups(channels: c.inChannels, kernelSize: c.kernelHeight * c.kernelWidth, tileRows: spec.tileRows, split: spec.splitLayers)
            }
            let matrices = try groups.map { r in
                try AnalogMatrix(weights: r.count == w.columns ? w : w.block(rows: 0..<w.rows, columns: r), spec: spec)
            }
            return AnalogUnit(groups: groups, matrices: matrices)
        }
        self.calibration = calibration
    }

    /// Input-column ranges of a convolution's matrix, one per tile row-block: whole input
    /// channels (kernelSize columns each), as many as fit in `tileRows`; a single range when
    /// the matrix fits, when splitting is off, or when one kernel exceeds a tile.
    public static func kernelAlignedGroups(channels: Int, kernelSize: Int, tileRows: Int, split: Bool) -> [Range<Int>] {
        let k = channels * kernelSize
        let perTile = tileRows / kernelSize
        if k <= tileRows || !split || perTile < 1 { return [0..<k] }
        return stride(from: 0, to: channels, by: perTile).map { c0 in (c0 * kernelSize)..<(min(c0 + perTile, channels) * kernelSize) }
    }

    /// Programs every matrix: weighted layer i uses seed `mix(seed, [i])` (a layer split at
    /// kernel boundaries: block g uses `mix(seed, [i, g])`).
    public func program(seed: UInt64) -> ProgrammedSequentialNetwork {
        ProgrammedSequentialNetwork(
            network: network,
            units: units.enumerated().map { i, u in
                u.matrices.enumerated().map { g, m in
                    m.program(seed: Xoshiro256.mix(seed, u.matrices.count == 1 ? [UInt64(i)] : [UInt64(i), UInt64(g)]))
                }
            },
            groups: units.map(\.groups), calibration: calibration)
    }
}

/// One weighted layer: on tiles, a matrix per kernel-aligned block of inputs; placed
/// digitally (`Placement.digital`), no tiles: its products run FP32 through BLAS in the
/// digital periphery, exactly as `SequentialNetwork.forward` computes them.
public struct AnalogUnit: Sendable {
    /// Input-column range of each block (one range for a digital layer).
    public let groups: [Range<Int>]
    /// Empty for a digital layer.
    public let matrices: [AnalogMatrix]
    public let placement: Placement
    /// Inputs × outputs of the whole layer matrix.
    public let inputs: Int
    public let outputs: Int
    /// Tiles of all blocks (0 for a digital layer).
    public var tileCount: Int { matrices.reduce(0) { $0 + $1.tiles.count } }

    init(groups: [Range<Int>], matrices: [AnalogMatrix]) {
        self.groups = groups
        self.matrices = matrices
        placement = .analog
        inputs = groups.last?.upperBound ?? 0
        outputs = matrices.first?.outputs ?? 0
    }

    /// A digitally placed layer of matrix `w` `[outputs × inputs]`.
    init(digital w: Matrix) {
        groups = [0..<w.columns]
        matrices = []
        placement = .digital
        inputs = w.columns
        outputs = w.rows
    }
}

/// A programmed network, from which each evaluation time is read.
public struct ProgrammedSequentialNetwork: Sendable {
    public let network: SequentialNetwork
    /// Per weighted layer, per block.
    public let units: [[ProgrammedMatrix]]
    let groups: [[Range<Int>]]
    public var calibration: Matrix?

    /// The state `tInference` seconds after programming (see `ProgrammedMatrix.readout`),
    /// with ADC ranges calibrated on the calibration batch when the policy asks for it (a
    /// calibration failure is thrown by `forward`).
    public func readout(tInference: Double) -> SequentialReadout {
        var r = SequentialReadout(network: network, units: units.map { $0.map { $0.readout(tInference: tInference) } }, groups: groups)
        guard let first = units.lazy.compactMap(\.first).first, first.spec.adcRangePolicy != .fixed, let calibration else { return r }
        do {
            r = try r.calibratingADC(calibration, seeds: units.map { $0.map(\.seed) })
        } catch let e as CrossbarError {
            r.calibrationError = e
        } catch {
            r.calibrationError = CrossbarError("\(error)")
        }
        return r
    }
}

/// A network at one evaluation time.
public struct SequentialReadout: Sendable {
    public let network: SequentialNetwork
    public internal(set) var units: [[AnalogReadout]]
    let groups: [[Range<Int>]]
    /// A failed ADC calibration; `forward` throws it.
    public internal(set) var calibrationError: CrossbarError? = nil

    /// Largest im2col block materialised at once (floats); bigger batches are processed
    /// in chunks of whole samples, in order.
    static let chunkFloats = 1 << 23

    /// Logits `[batch × classes]` of `x` `[batch × inputCount]` through the analogue layers.
    /// - Parameters:
    ///   - rng: output-noise source, consumed layer by layer, block by block, chunk by chunk.
    ///   - stats: per weighted layer converter counts, added to (resized to the layer count).
    /// - Throws: `NetworksError(.shape)` for an input of the wrong size, `CrossbarError` for
    ///   a non-finite input or a failed readout stage.
    public func forward(
        _ x: Matrix, compensation: DriftCompensation, rng: inout Xoshiro256, stats: inout [ConversionStats]
    ) throws -> Matrix {
        if let calibrationError { throw calibrationError }
        if stats.count != units.count { stats = Array(repeating: ConversionStats(), count: units.count) }
        var unit = 0
        var mode = Mode.evaluate(compensation)
        return try run(network.layers[...], try network.input(x), unit: &unit, mode: &mode, rng: &rng, stats: &stats).data
    }

    enum Mode {
        case evaluate(DriftCompensation)
        /// Calibrate each block's ADC on its inputs, with per-block generators.
        case calibrate(seeds: [[UInt64]], calibrated: [[AnalogReadout]])
    }

    /// Runs `layers` (a slice of the network's or a residual block's layers; messages name
    /// their indices in it) on `x`, weighted layers reading `units[unit…]`.
    func run(
        _ layers: ArraySlice<Layer>, _ x: Tensor, unit: inout Int, mode: inout Mode, rng: inout Xoshiro256, stats: inout [ConversionStats]
    ) throws -> Tensor {
        var a = x
        for (i, l) in zip(layers.indices, layers) {
            do {
                switch l {
                case .dense, .conv2d:
                    let u = unit
                    if isDigital(u) {
                        // FP32 in the digital periphery: the digital layer's own forward.
                        a = try l.forward(a)
                        Self.countDigital(&stats[u], outputElements: a.data.values.count, outputs: l.outputChannels)
                    } else {
                        a = try weighted(l, a) { x in [try mvm(x, unit: u, mode: &mode, rng: &rng, stats: &stats[u])] }[0]
                        stats[u].operations.biasAdds += a.data.values.count
                    }
                    unit += 1
                case .residual(let r):
                    var body = try run(r.body[...], a, unit: &unit, mode: &mode, rng: &rng, stats: &stats)
                    let shortcut = try run(r.shortcut[...], a, unit: &unit, mode: &mode, rng: &rng, stats: &stats)
                    guard body.shape == shortcut.shape else {
                        throw NetworksError(.shape, "residual: body gives \(body.shape) but shortcut gives \(shortcut.shape)")
                    }
                    addInPlace(&body.data, shortcut.data)
                    a = body
                case .attention, .mixtureOfExperts:
                    // Their matrices are units base, base + 1, … in site order.
                    // Digitally placed ones through BLAS (`Layer.digitalProduct`).
                    let base = unit
                    a = try l.forward(a) { site, d, x in
                        let u = base + site
                        if isDigital(u) {
                            Self.countDigital(&stats[u], outputElements: x.rows * d.outputs, outputs: d.outputs)
                            return Layer.digitalProduct(site, d, x)
                        }
                        let y = try mvm(x, unit: u, mode: &mode, rng: &rng, stats: &stats[u])
                        stats[u].operations.biasAdds += y.values.count
                        return y
                    }
                    unit += l.denseSites.count
                case .relu:
                    relu(&a.data)  // in place: the activations are not shared
                    if unit > 0 { stats[unit - 1].operations.activations += a.data.values.count }
                default:
                    a = try l.forward(a)
                }
            } catch let e as NetworksError {
                throw NetworksError(.shape, "layer \(i) (\(l.kindName)): \(e.message)")
            } catch let e as CrossbarError {
                // Name the layer (a non-finite activation, a failed readout stage).
                throw CrossbarError("layer \(i) (\(l.kindName)): \(e.message)")
            }
        }
        return a
    }

    /// Whether weighted layer `u` is placed digitally (it has no tiles).
    func isDigital(_ u: Int) -> Bool { units[u].isEmpty }

    /// The counts of a digitally placed layer's products: no converter or tile counts; the
    /// input vectors and the bias additions (one per output element), from which the energy
    /// model prices its FP32 MACs (`AnalogEnergyEstimate`).
    static func countDigital(_ stats: inout ConversionStats, outputElements: Int, outputs: Int) {
        stats.operations.inputVectors += outputElements / max(outputs, 1)
        stats.operations.biasAdds += outputElements
    }

    /// A dense or convolutional layer on `a`, bias added, for every variant that `read`
    /// returns (the layer matrix times a block of input vectors `[rows × inputs]`, one
    /// `[rows × outputs]` result per variant): a dense layer reads `a` at once, a
    /// convolution its im2col rows in chunks of whole samples, in order.
    func weighted(_ layer: Layer, _ a: Tensor, read: (Matrix) throws -> [Matrix]) throws -> [Tensor] {
        switch layer {
        case .dense(let d):
            let shape = try Layer.checkDense(d, a.shape)
            var ys = try read(Matrix(rows: a.data.values.count / d.inputs, columns: d.inputs, values: a.data.values))
            for i in ys.indices { addBias(&ys[i], d.bias) }
            return ys.map { Tensor(unchecked: Matrix(rows: a.batch, columns: shape.reduce(1, *), values: $0.values), shape: shape) }
        case .conv2d(let c):
            let g = try c.geometry(a.shape)
            let chunk = max(1, Self.chunkFloats / max(g.p * g.k, 1))
            var pixels: [Matrix] = []
            for s0 in stride(from: 0, to: max(a.batch, 1), by: chunk) {  // once for an empty batch
                let ys = try read(Conv2d.im2col(a.data.rows(s0..<min(s0 + chunk, a.batch)), g))
                if pixels.isEmpty { pixels = ys.map { _ in Matrix(rows: a.batch * g.p, columns: c.outChannels) } }
                let base = s0 * g.p * c.outChannels
                for i in ys.indices {
                    pixels[i].values.withUnsafeMutableBufferPointer { dst in
                        ys[i].values.withUnsafeBufferPointer { src in for k in 0..<src.count { dst[base + k] = src[k] } }
                    }
                }
            }
            var out: [Tensor] = []
            for i in pixels.indices {
                out.append(Tensor(unchecked: Conv2d.toNCHW(pixels[i], batch: a.batch, pixels: g.p, bias: c.bias), shape: [c.outChannels, g.outH, g.outW]))
                pixels[i] = Matrix(rows: 0, columns: 0)
            }
            return out
        default:
            preconditionFailure("weighted: \(layer.kindName) is not a weighted layer")
        }
    }

    /// The layer matrix times `x` `[rows × inputs]`: blocks read in order and summed.
    func mvm(_ x: Matrix, unit: Int, mode: inout Mode, rng: inout Xoshiro256, stats: inout ConversionStats) throws -> Matrix {
        precondition(!isDigital(unit), "mvm: weighted layer \(unit) is placed digitally")
        let blocks = groups[unit]
        var out: Matrix? = nil
        for (g, r) in blocks.enumerated() {
            let xg = blocks.count == 1 ? x : x.block(rows: 0..<x.rows, columns: r)
            let y: Matrix
            switch mode {
            case .evaluate(let compensation):
                y = try units[unit][g].forward(xg, compensation: compensation, rng: &rng, stats: &stats)
            case .calibrate(let seeds, var calibrated):
                var crng = Xoshiro256(seed: seeds[unit][g], .adcCalibration, units[unit][g].tInference.bitPattern)
                let c = try units[unit][g].calibratingADC(xg, rng: &crng)
                calibrated[unit][g] = c
                mode = .calibrate(seeds: seeds, calibrated: calibrated)
                var st = ConversionStats()
                y = try c.forward(xg, compensation: .none, rng: &crng, stats: &st)
            }
            if out == nil { out = y } else { addInPlace(&out!, y) }
        }
        return out!
    }

    /// This readout with every block's ADC ranges calibrated on the network inputs `x`:
    /// each block on its own inputs computed through the calibrated layers before it
    /// (output noise from stream `[8, bits(t_inference)]` of the block's programming seed).
    /// - Throws: `CrossbarError` when a block cannot be calibrated, `NetworksError` for a
    ///   misshaped batch.
    public func calibratingADC(_ x: Matrix, seeds: [[UInt64]]) throws -> SequentialReadout {
        var mode = Mode.calibrate(seeds: seeds, calibrated: units)
        var unit = 0
        var rng = Xoshiro256(seed: 0)
        var stats = Array(repeating: ConversionStats(), count: units.count)
        _ = try run(network.layers[...], try network.input(x), unit: &unit, mode: &mode, rng: &rng, stats: &stats)
        guard case .calibrate(_, let calibrated) = mode else { return self }
        var r = self
        r.units = calibrated
        return r
    }
}

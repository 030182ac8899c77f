import Crossbar
import NumericKernels

extension SequentialReadout {
    /// Logits of `x` `[batch × inputCount]` under several drift-compensation methods,
    /// sharing the first weighted layer's analogue read between them: its input is the
    /// same for every method (only digital layers come before it), so its tiles are read
    /// once (`AnalogReadout.forward(_:compensations:rng:stats:)`: one DAC pass, one array product,
    /// one output-noise draw, one ADC pass per tile, each method's factors applied to the
    /// digitised outputs), then each method continues through the later layers with its own
    /// copy of `rng` as it stands after the first layer. Result `i` equals
    /// `forward(x, compensation: methods[i], …)` started from the same `rng`, up to the
    /// rounding order of the compensation factor in the first layer (exactly for `.none`).
    ///
    /// A network whose first weighted layer sits inside a residual block runs each method
    /// separately from the same `rng` (the same results, without the sharing).
    ///
    /// - Parameter stats: per weighted layer converter counts of the *first* method, added
    ///   to (resized to the layer count).
    /// - Returns: one `[batch × classes]` matrix per method, in order.
    /// - Throws: `NetworksError(.shape)` for an input of the wrong size, `CrossbarError` for
    ///   a non-finite input or a failed readout stage.
    public func forward(
        _ x: Matrix, compensations methods: [DriftCompensation], rng: inout Xoshiro256, stats: inout [ConversionStats]
    ) throws -> [Matrix] {
        if let calibrationError { throw calibrationError }
        if stats.count != units.count { stats = Array(repeating: ConversionStats(), count: units.count) }
        guard !methods.isEmpty else { return [] }
        let layers = network.layers
        // The shared read needs the first weighted layer on tiles (a digital one is exact
        // and the same for every method anyway).
        guard let f = layers.firstIndex(where: \.isWeightedOrBlock), layers[f].isWeighted, !units.isEmpty, !isDigital(0) else {
            return try separately(x, methods, rng: &rng, stats: &stats)
        }
        // Digital layers before the first weighted one: the same for every method.
        var unit = 0
        var mode = Mode.evaluate(.none)
        let input = try run(layers[..<f], try network.input(x), unit: &unit, mode: &mode, rng: &rng, stats: &stats)
        var firstOutputs: [Tensor]
        do {
            firstOutputs = try weighted(layers[f], input) { x in try sharedMVM(x, methods, rng: &rng, stats: &stats[0]) }
            stats[0].operations.biasAdds += firstOutputs[0].data.values.count
        } catch let e as NetworksError {
            throw NetworksError(.shape, "layer \(f) (\(layers[f].kindName)): \(e.message)")
        }
        let afterFirst = rng
        var results: [Matrix] = []
        for mi in methods.indices {
            var r = afterFirst
            var next = 1
            var m = Mode.evaluate(methods[mi])
            let y: Tensor
            if mi == 0 {
                y = try run(layers[(f + 1)...], firstOutputs[mi], unit: &next, mode: &m, rng: &r, stats: &stats)
            } else {
                var discard = ConversionStats()
                discard.countsEnergy = false
                var ignored = Array(repeating: discard, count: units.count)
                y = try run(layers[(f + 1)...], firstOutputs[mi], unit: &next, mode: &m, rng: &r, stats: &ignored)
            }
            firstOutputs[mi] = Tensor(unchecked: Matrix(rows: 0, columns: 0), shape: [0])
            if mi == methods.count - 1 { rng = r }
            results.append(y.data)
        }
        return results
    }

    /// Every method from the same `rng`, statistics of the first.
    func separately(
        _ x: Matrix, _ methods: [DriftCompensation], rng: inout Xoshiro256, stats: inout [ConversionStats]
    ) throws -> [Matrix] {
        let start = rng
        var results: [Matrix] = []
        for (mi, method) in methods.enumerated() {
            var r = start
            if mi == 0 {
                results.append(try forward(x, compensation: method, rng: &r, stats: &stats))
            } else {
                var discard = ConversionStats()
                discard.countsEnergy = false
                var ignored = Array(repeating: discard, count: units.count)
                results.append(try forward(x, compensation: method, rng: &r, stats: &ignored))
            }
            if mi == methods.count - 1 { rng = r }
        }
        return results
    }

    /// Unit 0's matrix times `x` under every method: blocks read in order and summed.
    func sharedMVM(_ x: Matrix, _ methods: [DriftCompensation], rng: inout Xoshiro256, stats: inout ConversionStats) throws -> [Matrix] {
        let blocks = groups[0]
        var out: [Matrix] = []
        for (g, r) in blocks.enumerated() {
            let xg = blocks.count == 1 ? x : x.block(rows: 0..<x.rows, columns: r)
            let ys = try units[0][g].forward(xg, compensations: methods, rng: &rng, stats: &stats)
            if out.isEmpty { out = ys } else { for mi in ys.indices { addInPlace(&out[mi], ys[mi]) } }
        }
        return out
    }
}

extension Layer {
    /// A dense or convolutional layer (mapped onto tiles).
    var isWeighted: Bool {
        switch self {
        case .dense, .conv2d: true
        default: false
        }
    }

    /// A dense layer's outputs or a convolution's output channels (the length of one output
    /// vector of its matrix); 1 for other layers.
    var outputChannels: Int {
        switch self {
        case .dense(let d): d.outputs
        case .conv2d(let c): c.outChannels
        default: 1
        }
    }

    /// A weighted layer or a layer that may hold them (a residual block, attention, a
    /// mixture of experts).
    var isWeightedOrBlock: Bool {
        switch self {
        case .residual, .attention, .mixtureOfExperts: true
        default: isWeighted
        }
    }
}

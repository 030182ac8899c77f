import Crossbar
import NumericKernels

extension NetworkReadout {
    /// Logits of `x` under several drift-compensation methods, sharing the first layer's
    /// analogue read between them (its input is the same for every method): the first
    /// layer's tiles are read once, then each method continues through the later layers
    /// with its own copy of `rng` as it stands after the first layer. Result `i` equals
    /// `forward(x, compensation: methods[i], …)` started from the same `rng`, up to the
    /// rounding order of the compensation factor in the first layer (exact for `.none`).
    ///
    /// - Parameter stats: per-layer converter counts of the *first* method.
    /// - Returns: one `[batch × classes]` matrix per method.
    /// - Throws: `CrossbarError` for a non-finite input or a failed stage.
    public func forward(
        _ x: Matrix, compensations methods: [DriftCompensation], rng: inout Xoshiro256, stats: inout [ConversionStats]
    ) throws -> [Matrix] {
        if let calibrationError { throw calibrationError }
        if stats.count != layers.count { stats = Array(repeating: ConversionStats(), count: layers.count) }
        guard let first = layers.first, !methods.isEmpty else { return methods.map { _ in x } }
        var firstOutputs = try first.forward(x, compensations: methods, rng: &rng, stats: &stats[0])
        var results: [Matrix] = []
        let afterFirst = rng
        for (mi, _) in methods.enumerated() {
            var a = firstOutputs[mi]
            var r = afterFirst
            addBias(&a, model.layers[0].bias)
            if mi == 0 { stats[0].biasAdds += a.values.count }
            if layers.count > 1 {
                relu(&a)
                if mi == 0 { stats[0].activations += a.values.count }
            }
            for i in 1..<layers.count {
                var discard = ConversionStats()
                discard.countsEnergy = false
                if mi == 0 {
                    a = try layers[i].forward(a, compensation: methods[mi], rng: &r, stats: &stats[i])
                } else {
                    a = try layers[i].forward(a, compensation: methods[mi], rng: &r, stats: &discard)
                }
                addBias(&a, model.layers[i].bias)
                if mi == 0 { stats[i].biasAdds += a.values.count }
                if i < layers.count - 1 {
                    relu(&a)
                    if mi == 0 { stats[i].activations += a.values.count }
                }
            }
            if mi == methods.count - 1 { rng = r }
            results.append(a)
            firstOutputs[mi] = Matrix(rows: 0, columns: 0)
        }
        return results
    }
}

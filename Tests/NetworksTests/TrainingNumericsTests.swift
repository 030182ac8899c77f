import Networks
import NumericKernels
import TestSupport
import Testing

/// Guards the weights cache: a change to what decides trained weights must come with a new
/// `TrainingNumerics.version`, or cached networks from the old code would be reused.
@Suite("training numerics version")
struct TrainingNumericsTests {
    /// Pinned for TrainingNumerics.version 3 (one trainer for every architecture, `NetworkTrainer`, on `Architectures.mlp`): RMS of each layer's initial weights, trained
    /// weights, trained biases and weight updates. Aggregates rather than single weights, so
    /// that another CPU's BLAS rounding (which can flip the sign of an Adam step whose
    /// gradient is within rounding of zero) cannot fail the test, while any change of the
    /// initialisation or the optimiser's arithmetic moves them well beyond 1e-4.
    static let pinnedVersion = 3
    static let pinned: [Double] = [
        0.3026664287332152, 0.3011932512630059, 0.009737876687519569, 0.009212545460695757,
        0.39672135831658956, 0.39505620333478286, 0.01212870211790215, 0.00942237387263246,
    ]

    static func rms(_ v: [Float]) -> Double {
        (v.reduce(0.0) { $0 + Double($1) * Double($1) } / Double(max(v.count, 1))).squareRoot()
    }

    @Test("a short training run gives the pinned weights (relative 1e-4); else bump TrainingNumerics.version and re-pin")
    func pinnedShortRun() throws {
        var g = Xoshiro256(seed: 1)
        let x = Matrix(rows: 256, columns: 20, values: (0..<(256 * 20)).map { _ in g.nextUniform() })
        // Labels: which of 4 fixed groups of 5 inputs has the largest sum.
        let labels = (0..<256).map { r in
            (0..<4).max { a, b in
                (0..<5).reduce(Float(0)) { $0 + x[r, a * 5 + $1] } < (0..<5).reduce(Float(0)) { $0 + x[r, b * 5 + $1] }
            }!
        }
        var model = try Architectures.mlp(features: 20, hidden: [12], classes: 4).build(arrays: nil, seed: 5)
        func dense(_ n: SequentialNetwork) -> [DenseLayer] { n.layers.compactMap { if case .dense(let d) = $0 { d } else { nil } } }
        let initial = dense(model).map(\.weight.values)
        var settings = TrainingSettings()
        settings.epochs = 2
        settings.batchSize = 32
        settings.seed = 3
        BLAS.setThreads(1)
        try NetworkTrainer(settings: settings).train(&model, images: x, labels: labels)
        var probe: [Double] = []
        for (l, layer) in dense(model).enumerated() {
            probe += [Self.rms(initial[l]), Self.rms(layer.weight.values), Self.rms(layer.bias),
                      Self.rms(zip(layer.weight.values, initial[l]).map { $0 - $1 })]
        }
        #expect(TrainingNumerics.version == Self.pinnedVersion, "re-pin the values below for the new version")
        #expect(probe.count == Self.pinned.count)
        for (got, want) in zip(probe, Self.pinned) {
            #expect(abs(got - want) <= 1e-4 * abs(want),
                    "trained weights changed (\(got) vs pinned \(want)): bump TrainingNumerics.version and re-pin")
        }
    }
}

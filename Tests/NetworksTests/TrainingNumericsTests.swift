import Networks
import NumericKernels
import Testing

/// Guards the weights cache: a change to what decides trained weights must come with a new
/// `TrainingNumerics.version`, or cached networks from the old code would be reused.
@Suite("training numerics version")
struct TrainingNumericsTests {
    /// Pinned for TrainingNumerics.version 2: initial and trained probe weights.
    static let pinnedVersion = 2
    static let pinnedInitial: [Float] = [0.13056052, 0.46457404, 0.0, 0.38247928, -0.33054662, 0.0]
    static let pinnedTrained: [Float] = [0.13056052, 0.45471942, -0.013000238, 0.3767107, -0.3188946, -0.011925551]

    static func probe(_ m: MLP) -> [Float] {
        [m.layers[0].weight.values[0], m.layers[0].weight.values[77], m.layers[0].bias[3],
         m.layers[1].weight.values[5], m.layers[1].weight.values[40], m.layers[1].bias[1]]
    }

    @Test("a short training run gives the pinned weights (relative 1e-4); else bump TrainingNumerics.version and re-pin")
    func pinnedShortRun() {
        var g = Xoshiro256(seed: 1)
        let x = Matrix(rows: 256, columns: 20, values: (0..<(256 * 20)).map { _ in g.nextUniform() })
        // Labels: which of 4 fixed groups of 5 inputs has the largest sum.
        let labels = (0..<256).map { r in
            (0..<4).max { a, b in
                (0..<5).reduce(Float(0)) { $0 + x[r, a * 5 + $1] } < (0..<5).reduce(Float(0)) { $0 + x[r, b * 5 + $1] }
            }!
        }
        var model = MLP(sizes: [20, 12, 4], seed: 5)
        let initial = Self.probe(model)
        var settings = TrainingSettings()
        settings.epochs = 2
        settings.batchSize = 32
        settings.seed = 3
        BLAS.setThreads(1)
        Trainer(settings: settings).train(&model, images: x, labels: labels)
        let trained = Self.probe(model)
        #expect(TrainingNumerics.version == Self.pinnedVersion, "re-pin the values below for the new version")
        for (got, want) in zip(initial + trained, Self.pinnedInitial + Self.pinnedTrained) {
            #expect(abs(got - want) <= 1e-4 * max(1, abs(want)),
                    "trained weights changed (\(got) vs pinned \(want)): bump TrainingNumerics.version and re-pin")
        }
        #expect(initial.count + trained.count == Self.pinnedInitial.count + Self.pinnedTrained.count)
    }
}

import Crossbar
import Networks
import NumericKernels
import Testing

@Suite struct SharedForwardTests {
    /// A PCM network with output noise, 8-bit converters and bound management, 3 tiles in
    /// the first layer, read 1 day after programming.
    func readout() throws -> NetworkReadout {
        var spec = HardwareSpec()
        spec.tileRows = 24
        spec.tileColumns = 16
        spec.dac = try Quantizer(bits: 7, range: 1)
        spec.adc = try Quantizer(bits: 8, range: 6)
        spec.outputNoise = 0.05
        spec.boundManagement = true
        let model = MLP(sizes: [60, 20, 10], seed: 4)
        return try AnalogNetwork(model: model, spec: spec).program(seed: 9).readout(tInference: 86400)
    }

    /// Sharing the first layer's read between compensation methods gives, for each method,
    /// what a separate forward pass from the same generator state gives: bit-identical for
    /// `.none`, and within 1e-5 of the logit scale for the others (only the rounding order
    /// of the factor differs); the generator ends where the last method's pass ends.
    @Test func sharedFirstLayerEqualsSeparatePasses() throws {
        let net = try readout()
        var g = Xoshiro256(seed: 1)
        let x = Matrix(rows: 33, columns: 60, values: (0..<(33 * 60)).map { _ in g.nextUniform() })
        let methods: [DriftCompensation] = [.none, .global, .globalExact, .column]
        var rng = Xoshiro256(seed: 5)
        var stats: [ConversionStats] = []
        let shared = try net.forward(x, compensations: methods, rng: &rng, stats: &stats)
        for (i, m) in methods.enumerated() {
            var r = Xoshiro256(seed: 5)
            var st: [ConversionStats] = []
            let separate = try net.forward(x, compensation: m, rng: &r, stats: &st)
            if m == .none {
                #expect(shared[i] == separate)
                #expect(st.map(\.adcClipped) == stats.map(\.adcClipped))
                #expect(st.map(\.adcConversions) == stats.map(\.adcConversions))
            } else {
                let scale = separate.maxAbs
                let worst = zip(shared[i].values, separate.values).map { abs($0 - $1) }.max() ?? 0
                #expect(worst <= 1e-5 * scale, "\(m): \(worst) vs scale \(scale)")
            }
            if i == methods.count - 1 { #expect(rng.next() == r.next()) }
        }
    }
}

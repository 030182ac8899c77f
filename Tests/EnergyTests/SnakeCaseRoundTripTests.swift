import Foundation
import Testing

import Energy

/// `summary.json` is written with snake-case keys and read back with them by sweeps and
/// merges (`SweepRunner.finishedRecords`); a property whose name does not survive the round
/// trip (an acronym such as `attentionMACsPerInference` → `attention_ma_cs_per_inference` →
/// `attentionMaCsPerInference`) makes every stored point unreadable.
@Suite struct SnakeCaseRoundTripTests {
    @Test func digitalMatrixEnergySurvivesTheRoundTrip() throws {
        var d = DigitalMatrixEnergy()
        d.matrices = 3
        d.macsPerInference = 1.5e4
        d.compute = 1e-9
        d.weightReads = 2e-9
        d.activations = 3e-9
        d.attentionMacsPerInference = 7.4e4
        d.attentionProducts = 4e-8
        let e = JSONEncoder()
        e.keyEncodingStrategy = .convertToSnakeCase
        let dec = JSONDecoder()
        dec.keyDecodingStrategy = .convertFromSnakeCase
        #expect(try dec.decode(DigitalMatrixEnergy.self, from: e.encode(d)) == d)
    }
}

import ExperimentKit
import Foundation
import Networks
import NumericKernels
import TestSupport
import Testing

/// Key messages: the converter-bit and conductance-level ranges as `aimc keys` prints them, and
/// a likely meaning for a stuck-at fraction given as a percentage.
@Suite struct KeyHintTests {
    @Test(arguments: [
        ("hardware.faults.stuck_at_g_max=1.5", "is a fraction of the devices, not a conductance: did you mean 0.015 (1.5 %)?"),
        ("hardware.faults.stuck_at_g_min=20", "did you mean 0.2 (20 %)?"),
        ("hardware.device.g_max=25", "conductances are in siemens: did you mean 25e-6 (µS)?"),
        ("hardware.adc.bits=1", "hardware.adc.bits = 1 is not allowed: expected 0 or an integer in 2…24"),
        ("hardware.dac.bits=25", "expected 0 or an integer in 2…24"),
        ("hardware.device.conductance_levels=1", "expected 0 or an integer in 2…65536"),
    ])
    func messagesNameTheRangeAndTheLikelyMeaning(set: String, needle: String) throws {
        let main = repositoryRoot.appendingPathComponent("Experiments/fashion-mlp-pcm.yaml").path
        do {
            _ = try ExperimentConfig.load(path: main, overrides: [set])
            Issue.record("\(set) must be rejected")
        } catch let e as ConfigError {
            #expect(e.message.contains(needle), "\(e.message)")
            if set.contains("stuck_at") { #expect(!e.message.contains("µS"), "\(e.message)") }
        }
    }

    @Test func zeroAndTheRangeAreAccepted() throws {
        let main = repositoryRoot.appendingPathComponent("Experiments/fashion-mlp-pcm.yaml").path
        for set in ["hardware.adc.bits=0", "hardware.adc.bits=2", "hardware.dac.bits=24", "hardware.device.conductance_levels=0", "hardware.device.conductance_levels=2"] {
            _ = try ExperimentConfig.load(path: main, overrides: [set])
        }
    }
}

import ExperimentKit
import Foundation
import TestSupport
import Testing

/// No silent no-op: every documented key, set to another allowed value, either changes the
/// run (`ExperimentConfig.effectiveSettings`) or is rejected at load; a key that applies
/// only in some context (another device model, optimiser, network…) is rejected outside
/// it and changes the run inside it.
@Suite struct KeyWalkTests {
    /// The base experiment: the MLP on the PCM preset with the HERMES energy model.
    static func base(_ dir: URL) throws -> String {
        try writeFile(dir, "base.yaml", """
            version: 1
            hardware:
              include: [\(repositoryRoot.appendingPathComponent("Circuits/presets/pcm-default.yaml").path), \(repositoryRoot.appendingPathComponent("Circuits/energy/hermes-14nm.yaml").path)]
            """)
    }

    /// Overrides that make a key apply; `rule` says whether outside them the key must be
    /// rejected as inapplicable (false where the context only satisfies a requirement).
    static func context(_ key: String) -> (sets: [String], rule: Bool) {
        let h = "hardware."
        switch key {
        case "network.definition": return (["network.architecture=custom", "network.definition=Examples/import/lenet.yaml"], true)
        case "network.vit.top_k", "network.vit.moe_every", "network.vit.balance_loss":
            return (["network.architecture=vit", "network.vit.experts=4", "network.vit.depth=2"], true)
        case "training.momentum": return (["training.optimizer=sgd"], true)
        case "training.noise.std": return (["training.noise.type=additive", "training.noise.std=0.1"], true)
        case "training.noise.type", "evaluation.compare_plain": return (["training.noise.type=additive", "training.noise.std=0.1"], false)
        case "training.drift_aware.t_inference", "training.drift_aware.learning_rate": return (["training.drift_aware.epochs=1"], true)
        case "training.adc_range": return (["training.adc_bits=8"], true)
        case "training.min_learning_rate": return (["training.lr_schedule=cosine", "training.learning_rate=0.1"], true)
        case "evaluation.adc_calibration_images", h + "adc.calibration_percentile": return ([h + "adc.range_policy=calibrated"], true)
        case h + "ir_drop.wire_resistance", h + "ir_drop.pair_layout": return ([h + "ir_drop.mode=approximate"], true)
        case h + "ir_drop.tolerance", h + "ir_drop.max_iterations": return ([h + "ir_drop.mode=exact"], true)
        case h + "mapping.offset_reference": return ([h + "mapping.scheme=offset"], true)
        case h + "adc.capacitor_mismatch", h + "adc.comparator_offset": return ([h + "adc.model=ramp"], true)
        case h + "adc.channels_per_converter": return ([h + "adc.model=sar"], true)
        case h + "bound_management.max_factor": return ([h + "bound_management.enabled=true"], false)
        case h + "energy.adc.table_bits", h + "energy.adc.table_energy":
            return ([h + "energy.adc.model=table", h + "energy.adc.table_bits=[4, 8]", h + "energy.adc.table_energy=[1e-13, 1e-12]",
                     h + "energy.adc.conversion_time=1e-8"], true)
        case h + "energy.adc.walden_fom", h + "energy.adc.conversion_time":
            return ([h + "energy.adc.model=walden", h + "energy.adc.walden_fom=1e-15", h + "energy.adc.conversion_time=1e-8"], true)
        case h + "energy.adc.power_per_bit", h + "energy.adc.power_offset", h + "energy.adc.clock_period":
            return ([h + "energy.adc.model=sar", h + "energy.adc.power_per_bit=5e-7", h + "energy.adc.power_offset=4e-6",
                     h + "energy.adc.clock_period=1e-9"], true)
        case h + "energy.adc.comparator_energy":
            return ([h + "energy.adc.model=flash", h + "energy.adc.comparator_energy=1e-14", h + "energy.adc.clock_period=1e-9"], true)
        case h + "energy.integration_time":
            return ([h + "energy.input_encoding=amplitude", h + "energy.integration_time=1e-8"], true)
        case h + "energy.digital.shift_add_energy":
            return ([h + "energy.input_encoding=bit_serial", h + "energy.integration_time=1e-8", h + "energy.digital.shift_add_energy=1e-15"], true)
        default:
            if key.hasPrefix("network.placement.") { return (["network.architecture=vit", "network.vit.experts=4", "network.vit.depth=2"], true) }
            if key.hasPrefix(h + "device.rram.") {
                let files = ["presets/pcm-default.yaml", "devices/rram-neurram.yaml", "energy/hermes-14nm.yaml"]
                return ([h + "include=[" + files.map { repositoryRoot.appendingPathComponent("Circuits/" + $0).path }.joined(separator: ", ") + "]"], true)
            }
            if key.hasPrefix(h + "device.pcm_hermes.") { return ([h + "device.model=pcm_hermes"], true) }
            if key.hasPrefix("network.vit.") { return (["network.architecture=vit"], true) }
            return ([], false)
        }
    }

    /// Another allowed value than `current` (YAML text), or nil when the key has one value.
    static func alternative(_ key: String, _ kind: KeyKind, current: ConfigValue?) -> String? {
        switch key {
        case "version": return nil
        case "experiment": return "other-name"
        case "output_dir": return "elsewhere"
        case "dataset.path": return "/tmp/fashion-elsewhere"
        case "network.definition": return "Examples/import/other.yaml"
        case "network.weights": return "w.npz"
        case "network.layers": return "[784, 64, 10]"
        case "evaluation.threads": return "3"
        case "hardware.include": return "[presets/pcm-default.yaml]"
        case "hardware.energy.name": return "renamed"
        case "hardware.energy.adc.table_bits": return "[4, 9]"
        case "baseline.gpus": return "[gpus/nvidia-a100-sxm.yaml]"
        case "hardware.faults.dead_rows", "hardware.faults.dead_columns": return "[1]"
        case "hardware.device.g_min": return "1.0e-6"
        case "hardware.device.rram.relaxation.times": return "[86400, 200000]"
        default: break
        }
        guard let current else { return nil }
        switch (kind, current) {
        case (.boolean, .boolean(let b)): return b ? "false" : "true"
        case (.integer(let r), .integer(let v)): return String(v + 1 <= r.upperBound ? v + 1 : v - 1)
        case (.integerOrZero(let r), .integer(let v)): return String(v == 0 ? r.lowerBound : v + 1 <= r.upperBound ? v + 1 : v == r.lowerBound ? 0 : v - 1)
        case (.number(let r), .number(let v)):
            var x = v == 0 ? min(r.upperBound, max(r.lowerBound, 0.01)) : v * 1.25
            if x > r.upperBound { x = v * 0.8 }
            if x == v { x = (r.lowerBound + r.upperBound) / 2 }
            return "\(x)"
        case (.choice(let options), .string(let s)): return options.first { $0 != s }
        case (.choiceList(let options), .strings(let s)): return "[" + (options.first { !s.contains($0) } ?? options[0]) + "]"
        case (.string, _): return "changed text"
        case (.numberList(let r, _), .numbers(let v)):
            guard !v.isEmpty else { return nil }
            var w = v
            w[w.count - 1] = w[w.count - 1] == 0 ? min(r.upperBound, 0.01) : w[w.count - 1] * 1.1
            if !r.contains(w[w.count - 1]) { w[w.count - 1] = v[v.count - 1] * 0.9 }
            return "[" + w.map { "\($0)" }.joined(separator: ", ") + "]"
        case (.integerList(let r, _), .integers(let v)):
            guard !v.isEmpty else { return "[\(r.lowerBound + 1)]" }
            var w = v
            w[0] = w[0] + 1 <= r.upperBound ? w[0] + 1 : w[0] - 1
            return "[" + w.map(String.init).joined(separator: ", ") + "]"
        default: return nil
        }
    }

    @Test func everyKeyChangesTheRunOrIsRejected() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let base = try Self.base(dir)
        var unchanged: [String] = [], rejected: [String] = [], changed = 0, acceptedOutsideContext: [String] = []
        var skipped: [String] = []
        for spec in ExperimentKeys.all {
            let (ctx, rule) = Self.context(spec.key)
            let reference: ExperimentConfig
            do { reference = try ExperimentConfig.load(path: base, overrides: ctx) } catch {
                Issue.record("\(spec.key): its context \(ctx) does not load: \(error)")
                continue
            }
            guard let alt = Self.alternative(spec.key, spec.kind, current: try? reference.resolved.value(spec.key)) else {
                skipped.append(spec.key)
                continue
            }
            do {
                let c = try ExperimentConfig.load(path: base, overrides: ctx + ["\(spec.key)=\(alt)"])
                if try c.effectiveSettings() == reference.effectiveSettings() { unchanged.append("\(spec.key)=\(alt)") } else { changed += 1 }
            } catch is ConfigError {
                rejected.append(spec.key)
            }
            if rule, (try? ExperimentConfig.load(path: base, overrides: ["\(spec.key)=\(alt)"])) != nil {
                acceptedOutsideContext.append(spec.key)
            }
        }
        #expect(unchanged.isEmpty, "accepted but change nothing: \(unchanged)")
        #expect(acceptedOutsideContext.isEmpty, "accepted where they do not apply: \(acceptedOutsideContext)")
        #expect(skipped == ["version"], "no alternative value tried: \(skipped)")
        // Most keys take effect; the ones rejected even in their context are listed for review.
        #expect(changed >= ExperimentKeys.all.count - 10, "changed \(changed) of \(ExperimentKeys.all.count); rejected: \(rejected)")
        print("key walk: \(changed) keys change the run, \(rejected.count) rejected in context (\(rejected)), \(skipped.count) skipped")
    }
}

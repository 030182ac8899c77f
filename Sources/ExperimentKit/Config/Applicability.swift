import Crossbar
import Networks

/// Which config keys apply in which context, so that no key is accepted and then ignored.
///
/// A key set in the experiment file or by `--set` that does not apply to the chosen
/// network, dataset or hardware is an error naming the key and why. Hardware keys that an
/// included `Circuits/` file sets for another context (a PCM preset's drift fit after
/// `--set hardware.device.model=rram`) are inert by design: they come back as warnings,
/// which the CLI prints.
enum Applicability {
    /// A rule: the keys (exact, or a prefix ending in `.`) apply only when `applies` holds;
    /// `why` says when they do.
    struct Rule: Sendable {
        let keys: [String]
        let why: String
        let applies: @Sendable (ExperimentConfig) throws -> Bool

        func matches(_ key: String) -> Bool {
            keys.contains { $0.hasSuffix(".") ? key.hasPrefix($0) : key == $0 }
        }
    }

    /// The rules of experiment keys (never from an include).
    static let experimentRules: [Rule] = [
        Rule(keys: ["network.hidden", "network.layers"], why: "applies to network.architecture = mlp only") { $0.architecture == .mlp },
        Rule(keys: ["network.definition"], why: "applies to network.architecture = custom only") { $0.architecture == .custom },
        Rule(keys: ["network.vit."], why: "applies to network.architecture = vit only") { $0.architecture == .vit },
        Rule(keys: ["network.vit.top_k", "network.vit.moe_every", "network.vit.balance_loss"], why: "applies only when network.vit.experts > 0") {
            $0.vit.experts > 0
        },
        Rule(keys: ["training."], why: "does not apply when network.weights loads a trained network (nothing is trained)") { $0.weightsFile == nil },
        Rule(keys: ["training.momentum"], why: "applies to training.optimizer = sgd only") { $0.training.optimizer == .sgd },
        Rule(keys: ["training.beta2"], why: "applies to training.optimizer = adam or adamw only") { $0.training.optimizer != .sgd },
        Rule(keys: ["training.min_learning_rate"], why: "applies to training.lr_schedule = cosine or cosine_per_step only") {
            try $0.learningRateSchedule() != .constant
        },
        Rule(keys: ["training.adc_range"], why: "applies only when training.adc_bits > 0") { try $0.resolved.int("training.adc_bits") > 0 },
        Rule(keys: ["training.noise.std"], why: "does not apply to training.noise.type = none") { try $0.resolved.string("training.noise.type") != "none" },
        Rule(keys: ["training.drift_aware.t_inference", "training.drift_aware.learning_rate"], why: "applies only when training.drift_aware.epochs > 0") {
            try $0.resolved.int("training.drift_aware.epochs") > 0
        },
        Rule(keys: ["network.placement.experts_digital_fraction", "network.placement.score", "network.placement.router"],
             why: "applies only to a network with a mixture-of-experts (moe) layer: network.architecture = vit with network.vit.experts > 0, or a custom architecture with a moe layer") { $0.networkHas(.moe) },
        Rule(keys: ["network.placement.attention"], why: "applies only to a network with an attention layer: network.architecture = vit, or a custom architecture with an attention layer") { $0.networkHas(.attention) },
        Rule(keys: ["dataset.train_limit"], why: "does not apply: network.weights loads a trained network and the ADC range is fixed (no training samples are read)") {
            $0.weightsFile == nil || $0.hardware.adcRangePolicy != .fixed
        },
        Rule(keys: ["evaluation.adc_calibration_images"], why: "applies only when hardware.adc.range_policy is calibrated or calibrated_per_column") {
            $0.hardware.adcRangePolicy != .fixed
        },
    ]

    /// The rules of hardware keys (relative to `hardware.`).
    static let hardwareRules: [Rule] = DeviceKeys.rules + [
        Rule(keys: ["ir_drop.wire_resistance", "ir_drop.pair_layout"], why: "applies only when ir_drop.mode is exact or approximate") {
            $0.hardware.irDrop.mode != .none
        },
        Rule(keys: ["ir_drop.tolerance", "ir_drop.max_iterations"], why: "applies to ir_drop.mode = exact only") { $0.hardware.irDrop.mode == .exact },
        Rule(keys: ["bound_management.max_factor"], why: "applies only when bound_management.enabled is true") { $0.hardware.boundManagement },
        Rule(keys: ["adc.calibration_percentile"], why: "applies only when adc.range_policy is calibrated or calibrated_per_column") {
            $0.hardware.adcRangePolicy != .fixed
        },
        Rule(keys: ["adc.capacitor_mismatch", "adc.comparator_offset"], why: "applies to adc.model = sar or ramp only") { $0.hardware.adcCircuit != .uniform },
        Rule(keys: ["adc.channels_per_converter"], why: "applies to adc.model = sar only") { $0.hardware.adcCircuit == .sar },
        Rule(keys: ["mapping.offset_reference"], why: "applies to mapping.scheme = offset only") { $0.hardware.mapping == .offset },
        Rule(keys: ["energy."], why: "applies only with an energy model (energy.name, set by a Circuits/energy file)") {
            try !$0.resolved.string("hardware.energy.name").isEmpty
        },
        Rule(keys: ["energy.adc.walden_fom"], why: "applies to energy.adc.model = walden only") { try $0.resolved.string("hardware.energy.adc.model") == "walden" },
        Rule(keys: ["energy.adc.conversion_time"], why: "applies to energy.adc.model = walden or table only (sar, ramp and flash derive it from the bits)") {
            try ["walden", "table"].contains($0.resolved.string("hardware.energy.adc.model"))
        },
        Rule(keys: ["energy.adc.power_per_bit", "energy.adc.power_offset"], why: "applies to energy.adc.model = sar only") {
            try $0.resolved.string("hardware.energy.adc.model") == "sar"
        },
        Rule(keys: ["energy.adc.clock_period"], why: "applies to energy.adc.model = sar or flash only") {
            try ["sar", "flash"].contains($0.resolved.string("hardware.energy.adc.model"))
        },
        Rule(keys: ["energy.adc.active_power", "energy.adc.lsb_time"], why: "applies to energy.adc.model = ramp only") {
            try $0.resolved.string("hardware.energy.adc.model") == "ramp"
        },
        Rule(keys: ["energy.adc.comparator_energy"], why: "applies to energy.adc.model = flash only") {
            try $0.resolved.string("hardware.energy.adc.model") == "flash"
        },
        Rule(keys: ["energy.dac.pulse_clock_period"], why: "applies to energy.input_encoding = pulse_width only") {
            try $0.resolved.string("hardware.energy.input_encoding") == "pulse_width"
        },
        Rule(keys: ["energy.integration_time"], why: "applies to energy.input_encoding = amplitude or bit_serial only (pulse_width derives it from energy.dac.pulse_clock_period)") {
            try $0.resolved.string("hardware.energy.input_encoding") != "pulse_width"
        },
        Rule(keys: ["energy.adc.table_bits", "energy.adc.table_energy"], why: "applies to energy.adc.model = table only") {
            try $0.resolved.string("hardware.energy.adc.model") == "table"
        },
        Rule(keys: ["energy.digital.shift_add_energy"], why: "applies to energy.input_encoding = bit_serial only") {
            try $0.resolved.string("hardware.energy.input_encoding") == "bit_serial"
        },
    ]

    /// Keys that only document (recorded in `resolved.yaml`, never inert in a harmful way).
    static let documentation: Set<String> = ["energy.name", "energy.source", "energy.technology_node_nm"]

    /// Whether `key` (a full experiment key) applies to `config`.
    static func applies(_ key: String, _ config: ExperimentConfig) -> Bool {
        let isHardware = key.hasPrefix("hardware.")
        let relative = isHardware ? String(key.dropFirst("hardware.".count)) : key
        if isHardware && documentation.contains(relative) { return true }
        for rule in isHardware ? hardwareRules : experimentRules where rule.matches(relative) {
            if (try? rule.applies(config)) != true { return false }
        }
        return true
    }

    /// Checks every set key of `config`.
    /// - Returns: warnings for inert keys that included hardware files set.
    /// - Throws: `ConfigError` for an explicitly set key that does not apply, naming it and why.
    static func check(_ config: ExperimentConfig) throws -> [String] {
        let t = config.resolved
        var warnings: [String: [(key: String, why: String)]] = [:]
        for spec in t.schema.keys where t.isSet(spec.key) {
            let key = spec.key
            let isHardware = key.hasPrefix("hardware.")
            let relative = isHardware ? String(key.dropFirst("hardware.".count)) : key
            let rules = isHardware ? hardwareRules : experimentRules
            for rule in rules where rule.matches(relative) && !(isHardware && documentation.contains(relative)) {
                if try rule.applies(config) { continue }
                if t.isExplicit(key) {
                    let origin = t.tree.value(at: key).map { "\($0.origin)" } ?? config.file
                    throw ConfigError("\(origin): \(key) \(rule.why); remove it or change the setting it depends on")
                }
                let from = t.tree.value(at: key)?.origin.file ?? "an included file"
                warnings[from, default: []].append((key, rule.why))
                break
            }
        }
        var out: [String] = []
        for (file, keys) in warnings.sorted(by: { $0.key < $1.key }) {
            out.append("warning: \(file) sets keys that this configuration does not use: \(summarise(keys).joined(separator: "; "))")
        }
        try checkRequirements(config)
        return out
    }

    /// Inert keys for a warning, in order: more than three with one reason are shown as
    /// their common section (`hardware.device.pcm.* (14 keys, applies to …)`), the rest one
    /// by one.
    static func summarise(_ keys: [(key: String, why: String)]) -> [String] {
        var reasons: [String] = []
        for k in keys where !reasons.contains(k.why) { reasons.append(k.why) }
        return reasons.flatMap { why -> [String] in
            let group = keys.filter { $0.why == why }.map(\.key)
            guard group.count > 3 else { return group.map { "\($0) (\(why))" } }
            var common = group[0].split(separator: ".").dropLast().map(String.init)
            for k in group.dropFirst() {
                let parts = k.split(separator: ".").map(String.init)
                while !common.isEmpty && !(parts.count > common.count && Array(parts.prefix(common.count)) == common) { common.removeLast() }
            }
            return ["\(common.isEmpty ? "" : common.joined(separator: ".") + ".")* (\(group.count) keys, \(why))"]
        }
    }

    /// Keys that need another key.
    static func checkRequirements(_ c: ExperimentConfig) throws {
        let t = c.resolved
        if c.architecture == .custom, try t.string("network.definition").isEmpty {
            throw ConfigError("\(c.file): network.architecture = custom needs network.definition (a YAML architecture file)")
        }
        _ = try c.hardwareAwareSettings()  // training.noise.std > 0 for additive and multiplicative noise
        if try t.bool("evaluation.compare_plain") {
            let hwa = try c.hardwareAwareSettings()
            guard hwa.isEnabled, c.weightsFile == nil else {
                throw ConfigError("\(c.file): evaluation.compare_plain needs hardware-aware training (training.noise, training.output_noise, training.adc_bits, training.weight_clip_sigma or training.drift_aware) and no network.weights")
            }
        }
    }
}

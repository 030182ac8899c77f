import Crossbar

/// The key section of one device model, `device.<model>.*` (relative to `hardware.`): its
/// keys and how they are read into the model. Defaults are the model struct's own (its
/// published constants), so each lives in one place.
protocol DeviceKeySection: Sendable {
    /// The model this section configures.
    static var kind: DeviceKind { get }
    /// The keys, relative to `device.<kind>.`.
    static var keys: [KeySpec] { get }
    /// Reads the section; `p` is its prefix (`hardware.device.pcm.` or `device.pcm.`).
    static func read(_ t: ResolvedTree, _ p: String) throws -> DeviceModel
}

/// The device keys: one section per model with parameters, the rules that a section applies
/// to its own model only, and where the keys of the former flat layout moved.
///
/// To add a device model: its `DeviceModel` case (Crossbar), a `DeviceKeySection` here
/// listed in `sections`, a file in `Circuits/devices/` and its tests.
enum DeviceKeys {
    static let sections: [any DeviceKeySection.Type] = [PCMKeys.self, RRAMKeys.self, HermesPCMKeys.self]

    /// Every section's keys, relative to `hardware.`.
    static let all: [KeySpec] = sections.flatMap { s in
        s.keys.map { KeySpec(key: "device.\(s.kind.rawValue).\($0.key)", kind: $0.kind, defaultValue: $0.defaultValue, doc: $0.doc) }
    }

    /// The configured model: `device.model` and its section (`prefix` is `""` or `"hardware."`).
    static func model(_ t: ResolvedTree, prefix: String) throws -> DeviceModel {
        let kind: DeviceKind = try t.choice(prefix + "device.model")
        guard let section = sections.first(where: { $0.kind == kind }) else { return DeviceModel(kind: kind) }
        return try section.read(t, prefix + "device.\(kind.rawValue).")
    }

    /// A section applies to its own model only.
    static let rules: [Applicability.Rule] = sections.map { s in
        let kind = s.kind
        return Applicability.Rule(keys: ["device.\(kind.rawValue)."], why: "applies to device.model = \(kind.rawValue) only") { $0.hardware.deviceKind == kind }
    }

    /// Where each key of the flat layout (before one section per model) moved, per model.
    static let moved: [String: [(DeviceKind, String)]] = {
        var m: [String: [(DeviceKind, String)]] = [:]
        for k in ["coefficients_uS", "reference_g_max", "scale"] {
            m["device.programming_noise.\(k)"] = [.pcm, .rram, .pcmHermes].map { ($0, "device.\($0.rawValue).programming_noise.\(k)") }
        }
        m["device.drift.t0"] = [(.pcm, "device.pcm.drift.t0"), (.rram, "device.rram.programming_noise.fit_time"), (.pcmHermes, "device.pcm_hermes.drift.t0")]
        for k in ["mean_coefficients", "mean_clip", "std_coefficients", "std_clip"] { m["device.drift.\(k)"] = [(.pcm, "device.pcm.drift.\(k)")] }
        for k in ["q", "exponent", "q_max"] { m["device.read_noise.\(k)"] = [(.pcm, "device.pcm.read_noise.\(k)")] }
        m["device.drift.scale"] = [(.pcm, "device.pcm.drift.scale"), (.pcmHermes, "device.pcm_hermes.drift.scale")]
        for k in ["t_read", "scale"] { m["device.read_noise.\(k)"] = [(.pcm, "device.pcm.read_noise.\(k)"), (.pcmHermes, "device.pcm_hermes.read_noise.\(k)")] }
        for k in ["times", "coefficients_uS", "scale"] { m["device.relaxation.\(k)"] = [(.rram, "device.rram.relaxation.\(k)")] }
        for (old, new) in [("drift_mean", "drift.mean"), ("drift_std", "drift.std"), ("read_noise", "read_noise")] {
            for part in ["branch", "polynomial"] { m["device.hermes.\(old)_\(part)"] = [(.pcmHermes, "device.pcm_hermes.\(new)_\(part)")] }
        }
        return m
    }()

    /// The message for a key of the former flat layout (`path` with or without `hardware.`),
    /// naming its new key for each model it applies to; nil for any other key.
    static func movedMessage(_ path: String) -> String? {
        let prefix = path.hasPrefix("hardware.") ? "hardware." : ""
        guard let targets = moved[String(path.dropFirst(prefix.count))] else { return nil }
        let list = targets.map { "device.model = \($0.0.rawValue): '\(prefix)\($0.1)'" }.joined(separator: "; ")
        return "the device keys moved into one section per model (\(prefix)device.<model>.*): \(list)"
    }
}

/// Formats a default as YAML.
private func yaml(_ x: Double) -> String { "\(x)" }
private func yaml(_ x: Float) -> String { "\(x)" }
private func yaml(_ xs: [Float]) -> String { "[" + xs.map { "\($0)" }.joined(separator: ", ") + "]" }
private func yaml(_ xs: [Double]) -> String { "[" + xs.map { "\($0)" }.joined(separator: ", ") + "]" }

private let scaleRange = 0.0...100.0
private let gRange = 1e-9...1e-2

/// The programming-noise keys every model with a polynomial σ_P(r) has
/// (`programming_noise.coefficients_uS`, `.reference_g_max`, `.scale`).
private func programmingNoiseKeys(
    coefficients: [Float], count: ClosedRange<Int>, range: ClosedRange<Double>, reference: Float, scale: Float, doc: String
) -> [KeySpec] {
    [
        KeySpec(key: "programming_noise.coefficients_uS", kind: .numberList(range, count: count), defaultValue: yaml(coefficients), doc: doc),
        KeySpec(key: "programming_noise.reference_g_max", kind: .number(gRange), defaultValue: yaml(reference),
                doc: "gMax (S) at which the coefficients were fitted; σ scales with g_max / reference_g_max."),
        KeySpec(key: "programming_noise.scale", kind: .number(scaleRange), defaultValue: yaml(scale), doc: "Multiplies σ_P; 0 switches programming noise off."),
    ]
}

/// Reads the keys of `programmingNoiseKeys` under the section prefix `p`.
private func programmingNoise(_ t: ResolvedTree, _ p: String) throws -> (coefficients: [Float], reference: Float, scale: Float) {
    (try t.floats(p + "programming_noise.coefficients_uS"), try t.float(p + "programming_noise.reference_g_max"), try t.float(p + "programming_noise.scale"))
}

/// `device.pcm.*`: `PCMDevice`, Nandakumar et al. ICECS 2019 / Joshi et al. Nat. Commun. 2020.
enum PCMKeys: DeviceKeySection {
    static let kind = DeviceKind.pcm
    static let keys: [KeySpec] = {
        let d = PCMDevice()
        return programmingNoiseKeys(
            coefficients: d.programmingNoiseCoefficients, count: 3...3, range: -100...100, reference: d.programmingNoiseReferenceGMax,
            scale: d.programmingNoiseScale, doc: "c0, c1, c2 of σ_prog(r) = max(c0 + c1·r + c2·r², 0) µS at the reference gMax, r = g_T/g_max (Nandakumar 2019).") + [
            KeySpec(key: "drift.t0", kind: .number(1e-9...1e9), defaultValue: yaml(d.t0), doc: "Drift reference time t0, seconds: g_D = g_P·(t/t0)^(−ν), t = t_inference + t0 (Joshi 2020)."),
            KeySpec(key: "drift.mean_coefficients", kind: .numberList(-10...10, count: 2...2), defaultValue: yaml(d.driftMeanCoefficients),
                    doc: "a0, a1 of the drift-exponent mean μ_ν = a0·ln r + a1 (clipped by mean_clip)."),
            KeySpec(key: "drift.mean_clip", kind: .numberList(0...10, count: 2...2), defaultValue: yaml(d.driftMeanClip), doc: "Clip interval of μ_ν."),
            KeySpec(key: "drift.std_coefficients", kind: .numberList(-10...10, count: 2...2), defaultValue: yaml(d.driftStdCoefficients),
                    doc: "b0, b1 of the drift-exponent spread σ_ν = b0·ln r + b1 (clipped by std_clip)."),
            KeySpec(key: "drift.std_clip", kind: .numberList(0...10, count: 2...2), defaultValue: yaml(d.driftStdClip), doc: "Clip interval of σ_ν."),
            KeySpec(key: "drift.scale", kind: .number(scaleRange), defaultValue: yaml(d.driftScale), doc: "Multiplies every drift exponent ν; 0 switches drift off."),
            KeySpec(key: "read_noise.t_read", kind: .number(1e-12...1), defaultValue: yaml(d.tRead), doc: "Read time t_read of the 1/f noise integral, seconds."),
            KeySpec(key: "read_noise.q", kind: .number(0...1), defaultValue: yaml(d.readNoiseQ), doc: "1/f amplitude q in Q_s = min(q / max(r^e, 1e-3), q_max)."),
            KeySpec(key: "read_noise.exponent", kind: .number(0...5), defaultValue: yaml(d.readNoiseExponent), doc: "Exponent e of r in Q_s."),
            KeySpec(key: "read_noise.q_max", kind: .number(0...10), defaultValue: yaml(d.readNoiseQMax), doc: "Upper bound q_max of Q_s."),
            KeySpec(key: "read_noise.scale", kind: .number(scaleRange), defaultValue: yaml(d.readNoiseScale), doc: "Multiplies σ_read; 0 switches read noise off."),
        ]
    }()

    static func read(_ t: ResolvedTree, _ p: String) throws -> DeviceModel {
        var d = PCMDevice()
        (d.programmingNoiseCoefficients, d.programmingNoiseReferenceGMax, d.programmingNoiseScale) = try programmingNoise(t, p)
        d.t0 = try t.double(p + "drift.t0")
        d.driftMeanCoefficients = try t.floats(p + "drift.mean_coefficients")
        d.driftMeanClip = try t.floats(p + "drift.mean_clip")
        d.driftStdCoefficients = try t.floats(p + "drift.std_coefficients")
        d.driftStdClip = try t.floats(p + "drift.std_clip")
        d.driftScale = try t.float(p + "drift.scale")
        d.tRead = try t.double(p + "read_noise.t_read")
        d.readNoiseQ = try t.float(p + "read_noise.q")
        d.readNoiseExponent = try t.float(p + "read_noise.exponent")
        d.readNoiseQMax = try t.float(p + "read_noise.q_max")
        d.readNoiseScale = try t.float(p + "read_noise.scale")
        return .pcm(d)
    }
}

/// `device.rram.*`: `RRAMDevice`, NeuRRAM fits (Wan et al., Nature 608, 504 (2022), Ext. Data
/// Fig. 3d; aihwkit `ReRamWan2022NoiseModel`).
enum RRAMKeys: DeviceKeySection {
    static let kind = DeviceKind.rram
    static let keys: [KeySpec] = {
        let d = RRAMDevice()
        return programmingNoiseKeys(
            coefficients: d.programmingNoiseCoefficients, count: 1...5, range: -1000...1000, reference: d.programmingNoiseReferenceGMax,
            scale: d.programmingNoiseScale, doc: "c0…c4 of σ_P(r) = max(Σ cₙ rⁿ, 0) µS at the reference gMax, fitted at fit_time after programming (Wan 2022).") + [
            KeySpec(key: "programming_noise.fit_time", kind: .number(1e-9...1e9), defaultValue: yaml(d.t0),
                    doc: "Time after programming at which σ_P was measured, seconds (Wan 2022: 1 s); the device's age is t_inference + fit_time."),
            KeySpec(key: "relaxation.times", kind: .numberList(1e-9...1e12, count: 0...8), defaultValue: yaml(d.relaxationTimes),
                    doc: "Times after programming of the relaxation fits, seconds, increasing and > fit_time (Wan 2022: 1 day, 2 days)."),
            KeySpec(key: "relaxation.coefficients_uS", kind: .numberList(-1000...1000, count: 0...40), defaultValue: yaml(d.relaxationCoefficients),
                    doc: "σ_t(r) polynomial coefficients in µS (as programming_noise.coefficients_uS), one group per relaxation time, concatenated (aihwkit ReRamWan2022NoiseModel)."),
            KeySpec(key: "relaxation.scale", kind: .number(scaleRange), defaultValue: yaml(d.relaxationScale), doc: "Multiplies the relaxation σ; 0 switches relaxation off."),
        ]
    }()

    static func read(_ t: ResolvedTree, _ p: String) throws -> DeviceModel {
        var d = RRAMDevice()
        (d.programmingNoiseCoefficients, d.programmingNoiseReferenceGMax, d.programmingNoiseScale) = try programmingNoise(t, p)
        d.t0 = try t.double(p + "programming_noise.fit_time")
        d.relaxationTimes = try t.doubles(p + "relaxation.times")
        d.relaxationCoefficients = try t.floats(p + "relaxation.coefficients_uS")
        d.relaxationScale = try t.float(p + "relaxation.scale")
        return .rram(d)
    }
}

/// `device.pcm_hermes.*`: `HermesPCMDevice`, the IBM HERMES chip (Le Gallo et al., Nat.
/// Electron. 6, 680 (2023); aihwkit `HermesNoiseModel`, two devices per cell).
enum HermesPCMKeys: DeviceKeySection {
    static let kind = DeviceKind.pcmHermes
    static let branchDoc = "below the breakpoint: [breakpoint, a, b, lo, hi] = clip(a·ln r + b, lo, hi)"
    static let keys: [KeySpec] = {
        let d = HermesPCMDevice()
        return programmingNoiseKeys(
            coefficients: d.programmingNoiseCoefficients, count: 1...5, range: -100...100, reference: d.programmingNoiseReferenceGMax,
            scale: d.programmingNoiseScale, doc: "c0…c3 of σ_P(r) = max(Σ cₙ rⁿ, 0) µS at the reference gMax (aihwkit HermesNoiseModel, num_devices = 2).") + [
            KeySpec(key: "drift.t0", kind: .number(1e-9...1e9), defaultValue: yaml(d.t0), doc: "Drift reference time t0, seconds (HERMES: 300 s)."),
            KeySpec(key: "drift.scale", kind: .number(scaleRange), defaultValue: yaml(d.driftScale), doc: "Multiplies every drift exponent ν; 0 switches drift off."),
            KeySpec(key: "drift.mean_branch", kind: .numberList(-10...10, count: 5...5), defaultValue: yaml(d.driftMean.logBranch),
                    doc: "μ_ν(r) " + branchDoc + " (Le Gallo 2023 via aihwkit HermesNoiseModel)."),
            KeySpec(key: "drift.mean_polynomial", kind: .numberList(-10...10, count: 1...5), defaultValue: yaml(d.driftMean.polynomial),
                    doc: "μ_ν(r) = p0 + p1·r + p2·r² + … at or above the breakpoint."),
            KeySpec(key: "drift.std_branch", kind: .numberList(-10...10, count: 5...5), defaultValue: yaml(d.driftStd.logBranch), doc: "σ_ν(r) " + branchDoc + "."),
            KeySpec(key: "drift.std_polynomial", kind: .numberList(-10...10, count: 1...5), defaultValue: yaml(d.driftStd.polynomial),
                    doc: "σ_ν(r) polynomial at or above the breakpoint."),
            KeySpec(key: "read_noise.t_read", kind: .number(1e-12...1), defaultValue: yaml(d.tRead), doc: "Read time t_read of the 1/f noise integral, seconds (HERMES: 512 ns)."),
            KeySpec(key: "read_noise.scale", kind: .number(scaleRange), defaultValue: yaml(d.readNoiseScale), doc: "Multiplies σ_read; 0 switches read noise off."),
            KeySpec(key: "read_noise.branch", kind: .numberList(-10...10, count: 5...5), defaultValue: yaml(d.readNoise.logBranch),
                    doc: "Q_s(r) of the 1/f read noise " + branchDoc + "."),
            KeySpec(key: "read_noise.polynomial", kind: .numberList(-10...10, count: 1...5), defaultValue: yaml(d.readNoise.polynomial),
                    doc: "Q_s(r) polynomial at or above the breakpoint."),
        ]
    }()

    static func read(_ t: ResolvedTree, _ p: String) throws -> DeviceModel {
        var d = HermesPCMDevice()
        (d.programmingNoiseCoefficients, d.programmingNoiseReferenceGMax, d.programmingNoiseScale) = try programmingNoise(t, p)
        d.t0 = try t.double(p + "drift.t0")
        d.driftScale = try t.float(p + "drift.scale")
        d.tRead = try t.double(p + "read_noise.t_read")
        d.readNoiseScale = try t.float(p + "read_noise.scale")
        d.driftMean = BranchFit(logBranch: try t.floats(p + "drift.mean_branch"), polynomial: try t.floats(p + "drift.mean_polynomial"))
        d.driftStd = BranchFit(logBranch: try t.floats(p + "drift.std_branch"), polynomial: try t.floats(p + "drift.std_polynomial"))
        d.readNoise = BranchFit(logBranch: try t.floats(p + "read_noise.branch"), polynomial: try t.floats(p + "read_noise.polynomial"))
        return .pcmHermes(d)
    }
}

/// The device technologies a tile can be made of (the values of `device.model`).
public enum DeviceKind: String, CaseIterable, Sendable, Codable {
    /// `PCMDevice`: programming noise, drift, 1/f read noise.
    case pcm
    /// `IdealDevice`: no non-ideality.
    case ideal
    /// `RRAMDevice`: polynomial programming noise and conductance relaxation (NeuRRAM fits).
    case rram
    /// `HermesPCMDevice`: the branch-function PCM model of the IBM HERMES chip.
    case pcmHermes = "pcm_hermes"
}

/// The range every device model maps weights onto: a zero weight's device targets `gMin`,
/// the largest |w| of a scaling group `gMax` (keys `device.g_max`, `device.g_min`).
public struct ConductanceRange: Sendable, Equatable, Codable {
    /// Largest programmable conductance (S), in (0, 1e-2].
    public var gMax: Float
    /// Smallest conductance (S), 0 ≤ gMin < gMax.
    public var gMin: Float

    public init(gMax: Float = 25e-6, gMin: Float = 0) {
        self.gMax = gMax
        self.gMin = gMin
    }

    /// - Throws: `CrossbarError` naming `device.g_max` / `device.g_min` and the allowed range.
    public func validate() throws {
        guard gMax > 0, gMax.isFinite else { throw CrossbarError("device.g_max = \(gMax) must be > 0 S") }
        guard gMin >= 0, gMin < gMax else {
            throw CrossbarError("device.g_min = \(gMin) must satisfy 0 ≤ g_min < g_max = \(gMax) S")
        }
    }
}

/// The device model of a tile and its parameters: one case per technology, each with its
/// own key section (`device.pcm.*`, `device.rram.*`, `device.pcm_hermes.*`; the ideal device
/// has none). The conductance range is not a model parameter: it is the spec's
/// `ConductanceRange`, applied by `statistics(range:)`.
///
/// To add a model: a struct conforming to `ProgrammingStatistics` in a file of its own, a
/// `DeviceKind` case and a case here (three switches below), and its key section in
/// `ExperimentKit/Config/DeviceKeys.swift`.
public enum DeviceModel: Sendable {
    case ideal
    case pcm(PCMDevice)
    case rram(RRAMDevice)
    case pcmHermes(HermesPCMDevice)

    /// The model of `kind` with its published constants (those of its `Circuits/devices/` file).
    public init(kind: DeviceKind) {
        switch kind {
        case .ideal: self = .ideal
        case .pcm: self = .pcm(PCMDevice())
        case .rram: self = .rram(RRAMDevice())
        case .pcmHermes: self = .pcmHermes(HermesPCMDevice())
        }
    }

    /// The technology (`device.model`).
    public var kind: DeviceKind {
        switch self {
        case .ideal: return .ideal
        case .pcm: return .pcm
        case .rram: return .rram
        case .pcmHermes: return .pcmHermes
        }
    }

    /// The model over `range`: what programming, drift, reads and hardware-aware training use.
    public func statistics(range: ConductanceRange) -> any ProgrammingStatistics {
        switch self {
        case .ideal: return IdealDevice(gMax: range.gMax, gMin: range.gMin)
        case .pcm(var d):
            (d.gMax, d.gMin) = (range.gMax, range.gMin)
            return d
        case .rram(var d):
            (d.gMax, d.gMin) = (range.gMax, range.gMin)
            return d
        case .pcmHermes(var d):
            (d.gMax, d.gMin) = (range.gMax, range.gMin)
            return d
        }
    }

    /// Checks the model's parameters. - Throws: `CrossbarError` naming the key.
    public func validate() throws {
        switch self {
        case .ideal: break
        case .pcm(let d): try d.validate()
        case .rram(let d): try d.validate()
        case .pcmHermes(let d): try d.validate()
        }
    }

    /// The PCM parameters when the model is `.pcm`, else nil; setting a value selects `.pcm`
    /// with it (so `spec.deviceModel.pcm?.driftScale = 0` changes a PCM model and nothing else).
    public var pcm: PCMDevice? {
        get { if case .pcm(let d) = self { d } else { nil } }
        set { if let d = newValue { self = .pcm(d) } }
    }
    /// The RRAM parameters when the model is `.rram`, else nil; setting a value selects `.rram`.
    public var rram: RRAMDevice? {
        get { if case .rram(let d) = self { d } else { nil } }
        set { if let d = newValue { self = .rram(d) } }
    }
    /// The HERMES PCM parameters when the model is `.pcmHermes`, else nil; setting a value
    /// selects `.pcmHermes`.
    public var pcmHermes: HermesPCMDevice? {
        get { if case .pcmHermes(let d) = self { d } else { nil } }
        set { if let d = newValue { self = .pcmHermes(d) } }
    }
}

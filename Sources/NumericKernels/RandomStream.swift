/// The registry of random streams: every stochastic draw of the simulator comes from
/// `Xoshiro256(seed:stream:)` with a key path that starts with one of these tags, so that
/// draws of different purposes never share a stream and a result depends only on its seed
/// (house style habit 5). A new kind of draw gets a new case here, never a bare number.
public enum RandomStream: UInt64, CaseIterable, Sendable {
    /// Programming noise and drift exponents of tile k: `[1, k]` of the programming seed.
    case programming = 1
    /// One-hot read-out reference of global drift compensation right after programming:
    /// `[2, k]`.
    case compensationReference = 2
    /// Accumulated read noise of tile k at an evaluation time: `[3, k, bits(t)]`.
    case readNoise = 3
    /// One-hot read-out of global drift compensation at an evaluation time: `[4, k, bits(t)]`.
    case compensationRead = 4
    /// Output noise of evaluation batch c at time t: `[5, bits(t), c]` of the repeat's seed.
    case outputNoise = 5
    /// Output noise of `aimc mvm`'s reads: `[6]`.
    case mvmOutputNoise = 6
    /// Faults and device variability of tile k: `[7, k, kind]` (0 stuck-at, 1 dead lines,
    /// 2 and 3 g_max spread of the positive and negative devices, 4 and 5 dead rows and
    /// columns).
    case faults = 7
    /// ADC calibration reads: `[8, bits(t)]` of the layer's (or block's) programming seed.
    case adcCalibration = 8
    /// Output noise of `aimc bench`'s analogue passes: `[9, batch]`.
    case benchOutputNoise = 9
    /// Capacitor mismatch and comparator offsets of tile k's ADC circuits, drawn when the
    /// chip is made: `[10, k]` of the programming seed.
    case adcCircuit = 10
    /// Output noise of `aimc ir-drop`: `[0x1D]`.
    case irDropCommand = 0x1D
    /// Read-noise series key of an evaluation time: `mix(bits(t), [0x1F])`.
    case readNoiseSeries = 0x1F
    /// Weight initialisation of a dense layer: `[0x494E4954, 0]` of the layer's seed.
    case denseInitialisation = 0x494E_4954
    /// Weight initialisation of convolution i: `[0x434F4E56, i]`.
    case convolutionInitialisation = 0x434F_4E56
    /// Initial weights of transformer layer i (attention, mixture of experts, class token,
    /// positional embedding): `[0x54524E53, i]` ("TRNS").
    case transformerInitialisation = 0x5452_4E53
    /// Shuffling of training epoch e: `[0x53485546, e]` of the training seed.
    case shuffling = 0x5348_5546
    /// Hardware-aware weight noise of epoch e, batch b: `[0x48574131, e, b]`.
    case trainingWeightNoise = 0x4857_4131
    /// Dropout masks of epoch e, batch b: `[0x44524F50, e, b]`.
    case dropout = 0x4452_4F50
    /// The seed of repeat r: `mix(seed, [0x52455045, r])`.
    case repeatSeed = 0x5245_5045
}

extension Xoshiro256 {
    /// The generator of stream `tag` with further keys, from `seed` (see `RandomStream`).
    public init(seed: UInt64, _ tag: RandomStream, _ keys: UInt64...) {
        self.init(seed: seed, stream: [tag.rawValue] + keys)
    }
}

/// How weights become conductance targets and how tile outputs are scaled
/// (PHYSICS.md §1).
public enum WeightScaling: String, CaseIterable, Sendable, Codable {
    /// s = (gMax − gMin) / max|W| over the tile (default).
    case tile
    /// s per output column: each bit line uses its full conductance range.
    case column
    /// One s for the whole layer.
    case layer
}

/// The unit of the analogue output that output noise and the ADC range refer to.
public enum OutputUnits: String, CaseIterable, Sendable, Codable {
    /// Σ (G⁺ − G⁻)/(gMax − gMin) · x: the largest weight of the scaling group counts 1.
    case normalized
    /// Σ w · x in the layer's own weight units (aihwkit's default forward, weights not
    /// rescaled before mapping).
    case weight
}

/// Per-input-vector scaling before the DAC ("noise management").
public enum InputScaling: String, CaseIterable, Sendable, Codable {
    /// Divide each input vector (per tile) by its abs-max, multiply the output back.
    case absMax = "abs_max"
    /// Feed inputs to the DAC as they are.
    case none
}

/// How weights are represented by devices.
public enum MappingScheme: String, CaseIterable, Sendable, Codable {
    /// G⁺ = gMin + max(s·w, 0), G⁻ = gMin + max(−s·w, 0); weight = (G⁺ − G⁻)/s.
    case differentialPair = "differential_pair"
    /// One device per weight (unipolar): G = gMin + (w − wMin)/(wMax − wMin)·(gMax − gMin)
    /// with wMin = min(0, min W), wMax = max(0, max W) over the scaling group; the offset
    /// of a zero weight is removed by a reference column or digitally (`OffsetReference`).
    case offset
}

/// Everything that describes the analogue hardware a layer runs on: device, tile
/// geometry, mapping, converters, noise and peripheral algorithms.
///
/// Built by `ExperimentKit` from the files in `Circuits/` and the experiment's
/// overrides; `HardwareSpec.ideal` is the exact reference (equals a plain matrix product).
public struct HardwareSpec: Sendable {
    /// The device model and its parameters (`device.model` and its section `device.<model>.*`).
    public var deviceModel: DeviceModel = .pcm(PCMDevice())
    /// The conductance range weights map onto, for every device model (`device.g_max`, `device.g_min`).
    public var conductanceRange = ConductanceRange()
    /// Tile rows: inputs, word lines driven by DACs (1…65536).
    public var tileRows: Int = 512
    /// Tile columns: outputs, bit lines read by ADCs (1…65536).
    public var tileColumns: Int = 512
    /// Mapping of weights to devices.
    public var mapping: MappingScheme = .differentialPair
    /// Scope of the weight-to-conductance scale s.
    public var weightScaling: WeightScaling = .tile
    /// Units in which output noise and ADC range are expressed.
    public var outputUnits: OutputUnits = .normalized
    /// Input converter.
    public var dac: Quantizer = Quantizer.ideal
    /// Output converter: resolution and range (every ADC circuit model).
    public var adc: Quantizer = Quantizer.ideal
    /// The ADC circuit model (uniform quantiser by default).
    public var adcCircuit: ADCCircuit = .uniform
    /// Capacitor mismatch and comparator offsets of the `sar` and `ramp` circuits.
    public var adcCircuitParameters = ADCCircuitParameters()
    /// σ of additive Gaussian noise at the ADC input, in output units (≥ 0).
    public var outputNoise: Float = 0
    /// Input scaling before the DAC.
    public var inputScaling: InputScaling = .absMax
    /// Bound management: on ADC saturation, halve the input and retry.
    public var boundManagement: Bool = false
    /// Largest total input reduction factor of bound management (≥ 1; 16 → at most 4 halvings).
    public var boundManagementMaxFactor: Float = 16
    /// Cell I–V nonlinearity k = V_read/V0 of the sinh law (`SinhCellIV`); 0 is ohmic.
    public var ivNonlinearity: Float = 0
    /// The I–V law of the cells, nil when ohmic.
    public var cellIV: SinhCellIV? { ivNonlinearity > 0 ? SinhCellIV(k: ivNonlinearity, range: dac.isIdeal ? 1 : dac.range) : nil }
    /// Faults and device variability drawn at programming (none by default).
    public var faults: FaultSpec = FaultSpec()
    /// Offset mapping: how the offset of a zero weight is removed.
    public var offsetReference: OffsetReference = .column
    /// Bit slicing / several device pairs per weight (one slice by default).
    public var slicing: SliceSpec = SliceSpec()
    /// Whether a layer larger than one tile may be split over several tiles.
    public var splitLayers: Bool = true
    /// How the ADC range is chosen.
    public var adcRangePolicy: ADCRangePolicy = .fixed
    /// Percentile (0 < p ≤ 100) of |pre-ADC outputs| that a calibrated ADC range covers.
    public var adcCalibrationPercentile: Float = 99.99
    /// Bit-serial inputs: 1-bit drive per magnitude bit of the DAC level, shift-and-add.
    public var dacBitSerial: Bool = false
    /// How output noise is drawn for the rows of a batch.
    public var outputNoiseStreams: OutputNoiseStreams = .shared
    /// How the array stage computes (G⁺ − G⁻)·x: in 16-bit integers where that applies
    /// (`auto`), or always in float.
    public var arrayPrecision: ArrayPrecision = .auto
    /// Wire resistance of the tile (IR drop); off by default.
    public var irDrop: IRDropSpec = IRDropSpec()

    public init() {}

    /// Ideal hardware: ideal device, 0-bit converters, no noise. Its MVM equals W·x.
    public static var ideal: HardwareSpec {
        var h = HardwareSpec()
        h.deviceModel = .ideal
        return h
    }

    /// The device technology. Setting another kind selects that model with its published
    /// constants (`DeviceModel(kind:)`); setting the same kind keeps the parameters.
    public var deviceKind: DeviceKind {
        get { deviceModel.kind }
        set { if newValue != deviceModel.kind { deviceModel = DeviceModel(kind: newValue) } }
    }

    /// Largest conductance (S) of `conductanceRange`: a scaling group's largest |w| maps here.
    public var gMax: Float {
        get { conductanceRange.gMax }
        set { conductanceRange.gMax = newValue }
    }
    /// Smallest conductance (S) of `conductanceRange`, the target of a zero weight's device.
    public var gMin: Float {
        get { conductanceRange.gMin }
        set { conductanceRange.gMin = newValue }
    }

    /// The configured device model over the spec's conductance range: what programming,
    /// drift, reads and hardware-aware training draw from.
    public var device: any ProgrammingStatistics { deviceModel.statistics(range: conductanceRange) }

    /// Checks ranges that a config loader cannot see one key at a time.
    /// - Throws: `CrossbarError` naming the parameter and allowed range.
    public func validate() throws {
        try conductanceRange.validate()
        try deviceModel.validate()
        guard tileRows >= 1, tileColumns >= 1 else {
            throw CrossbarError("tile rows × columns = \(tileRows) × \(tileColumns) must both be ≥ 1")
        }
        guard outputNoise >= 0, outputNoise.isFinite else {
            throw CrossbarError("output_noise = \(outputNoise) must be a finite number ≥ 0")
        }
        guard boundManagementMaxFactor >= 1 else {
            throw CrossbarError("bound_management.max_factor = \(boundManagementMaxFactor) must be ≥ 1")
        }
        try validateStages()
        try irDrop.validate()
    }
}

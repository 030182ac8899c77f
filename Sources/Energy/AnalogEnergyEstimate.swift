@_exported import EnergyCounts
import Crossbar

/// Energy per inference (J) of the analogue hardware by where it is spent.
public struct AnalogBreakdown: Codable, Sendable, Equatable {
    /// ADC conversions.
    public var adc: Double = 0
    /// DACs / word-line drivers.
    public var dac: Double = 0
    /// Cell read energy V²·G·t of the crossbar arrays.
    public var array: Double = 0
    /// Digital periphery: input scaling, output scaling, partial-sum adds, shift-adds,
    /// bias and activation.
    public var digital: Double = 0
    /// Activation buffer traffic.
    public var memory: Double = 0

    public init() {}

    /// adc + dac + array + digital + memory.
    public var total: Double { adc + dac + array + digital + memory }

    mutating func add(_ o: AnalogBreakdown) {
        adc += o.adc
        dac += o.dac
        array += o.array
        digital += o.digital
        memory += o.memory
    }

    func scaled(_ f: Double) -> AnalogBreakdown {
        var b = self
        b.adc *= f
        b.dac *= f
        b.array *= f
        b.digital *= f
        b.memory *= f
        return b
    }
}

/// The shape of one layer on the tiles: `inputs × outputs` split over `tiles` tiles.
public struct LayerGeometry: Sendable, Equatable {
    public var inputs: Int
    public var outputs: Int
    public var tiles: Int
    public init(inputs: Int, outputs: Int, tiles: Int) {
        self.inputs = inputs
        self.outputs = outputs
        self.tiles = tiles
    }
    /// Multiply-accumulates per input vector.
    public var macs: Int { inputs * outputs }
}

/// Energy and latency of one layer, per inference.
public struct AnalogLayerEnergy: Codable, Sendable, Equatable {
    public var index: Int
    public var tiles: Int
    public var macs: Int
    public var joulesPerInference: Double
    public var latencyS: Double
    public var breakdown: AnalogBreakdown
    /// Per inference: DAC and ADC conversions (all reads and cycles) and driven devices.
    public var dacConversions: Double
    public var adcConversions: Double
    public var activeCells: Double
    /// Tile reads per tile and input vector (1, or more with bound-management re-reads).
    public var readsPerTile: Double
}

/// Energy, latency and efficiency of the analogue hardware per inference, computed from
/// the operation counts of the simulation (`ConversionStats`) and an `AnalogEnergyModel`.
///
/// Latency of one input vector: Σ over layers of ⌈tiles / parallel tiles⌉ × reads per
/// tile × t_read + digital time, with t_read = cycles × max(t_int, n_share × t_ADC), n_share
/// = min(columns per ADC, tile columns): an ADC's n_share conversions follow one
/// integration, and the next integration overlaps them. TOPS/W counts 2 operations per
/// MAC of the network (padding of partly filled tiles is not counted as work).
public struct AnalogEnergyEstimate: Codable, Sendable, Equatable {
    public var model: String
    public var source: String
    public var technologyNodeNm: Double
    public var joulesPerInference: Double
    public var latencyS: Double
    public var topsPerWatt: Double
    /// 2 × MACs per inference.
    public var opsPerInference: Double
    public var breakdown: AnalogBreakdown
    public var layers: [AnalogLayerEnergy]
    /// Input vectors the counts were accumulated over.
    public var inferencesCounted: Int

    /// Read cycles per tile read: magnitude bits of the DAC for bit-serial inputs, else 1.
    /// - Throws: `EnergyError` for bit-serial inputs with an ideal DAC.
    public static func cycles(_ model: AnalogEnergyModel, _ spec: HardwareSpec) throws -> Int {
        guard model.inputEncoding == .bitSerial else { return 1 }
        guard !spec.dac.isIdeal else {
            throw EnergyError("bit-serial inputs need a DAC with bits ≥ 2 (dac.bits = 0 is ideal and has no bits to stream)")
        }
        return spec.dac.signed ? spec.dac.bits - 1 : spec.dac.bits
    }

    /// Duration of one tile read (s): cycles × max(t_int, n_share × t_ADC).
    public static func readTime(_ model: AnalogEnergyModel, _ spec: HardwareSpec) throws -> Double {
        let share = min(model.columnsPerADC, spec.tileColumns)
        return Double(try cycles(model, spec)) * max(model.integrationTime, Double(share) * model.adcConversionTime)
    }

    /// The estimate from per-layer counts.
    /// - Parameters:
    ///   - model: energy constants.
    ///   - spec: the hardware the counts were made on (converter bits, DAC range, scaling).
    ///   - layers: geometry of each layer, in order.
    ///   - stats: operation counts of each layer (`layers.count` entries), all from the
    ///     same input vectors.
    /// - Throws: `EnergyError` for an invalid model, an ideal ADC, or counts without inputs.
    public static func estimate(
        model: AnalogEnergyModel, spec: HardwareSpec, layers: [LayerGeometry], stats: [ConversionStats]
    ) throws -> AnalogEnergyEstimate {
        try model.validate()
        precondition(layers.count == stats.count, "\(layers.count) layers but \(stats.count) sets of counts")
        guard let first = stats.first, first.operations.inputVectors > 0 else {
            throw EnergyError("no input vectors were counted: run at least one MVM before estimating energy")
        }
        let cycles = Double(try cycles(model, spec))
        let adcEnergy = try model.adc.energy(bits: spec.adc.bits)
        let tRead = try readTime(model, spec)
        let v = model.readVoltage, t = model.integrationTime, r = Double(spec.dac.range)
        var total = AnalogBreakdown()
        var latency = 0.0
        var perLayer: [AnalogLayerEnergy] = []
        for (i, (g, s)) in zip(layers, stats).enumerated() {
            let n = Double(s.operations.inputVectors)
            guard n > 0, g.tiles > 0 else {
                throw EnergyError("layer \(i): no input vectors or no tiles were counted")
            }
            var b = AnalogBreakdown()
            b.adc = Double(s.operations.adcConversionsAll) * cycles * adcEnergy
            b.dac = Double(s.operations.dacConversionsAll) * cycles * model.dacEnergy
            switch model.inputEncoding {
            case .amplitude: b.array = (v / r) * (v / r) * t * s.operations.squaredInputConductance
            case .pulseWidth: b.array = v * v * t / r * s.operations.absInputConductance
            case .bitSerial: b.array = v * v * t * s.operations.bitInputConductance
            }
            let scaling = spec.inputScaling == .absMax ? Double(s.operations.dacConversionsAll) * model.inputScalingEnergy : 0
            let shiftAdds = model.inputEncoding == .bitSerial ? Double(s.operations.adcConversionsAll) * cycles * model.shiftAddEnergy : 0
            b.digital = scaling + shiftAdds
                + Double(s.adcConversions) * (model.multiplyEnergy + model.addEnergy)
                + Double(s.operations.biasAdds) * model.activationEnergy
            b.memory = Double(s.operations.dacConversionsAll + s.operations.biasAdds) * Double(model.bytesPerActivation) * model.bufferEnergyPerByte
            b = b.scaled(1 / n)
            let readsPerTile = Double(s.operations.tileReads) / (n * Double(g.tiles))
            let waves = model.parallelTiles == 0 ? 1.0 : Double((g.tiles + model.parallelTiles - 1) / model.parallelTiles)
            let layerLatency = waves * readsPerTile * tRead + model.digitalTimePerLayer
            latency += layerLatency
            total.add(b)
            perLayer.append(AnalogLayerEnergy(
                index: i, tiles: g.tiles, macs: g.macs, joulesPerInference: b.total, latencyS: layerLatency, breakdown: b,
                dacConversions: Double(s.operations.dacConversionsAll) * cycles / n, adcConversions: Double(s.operations.adcConversionsAll) * cycles / n,
                activeCells: Double(s.operations.activeCells) / n, readsPerTile: readsPerTile))
        }
        let ops = 2 * Double(layers.reduce(0) { $0 + $1.macs })
        let joules = total.total
        return AnalogEnergyEstimate(
            model: model.name, source: model.source, technologyNodeNm: model.technologyNodeNanometres,
            joulesPerInference: joules, latencyS: latency, topsPerWatt: joules > 0 ? ops / joules / 1e12 : 0,
            opsPerInference: ops, breakdown: total, layers: perLayer, inferencesCounted: first.operations.inputVectors)
    }
}

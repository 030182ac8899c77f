@_exported import EnergyCounts
import Crossbar
import Networks

/// Energy per inference (J) of the analogue hardware by where it is spent.
public struct AnalogBreakdown: Codable, Sendable, Equatable {
    /// ADC conversions.
    public var adc: Double = 0
    /// DACs / word-line drivers.
    public var dac: Double = 0
    /// Bit-line supply energy V_supply·I·t of the crossbar arrays.
    public var array: Double = 0
    /// Column front-ends (integrators, TIAs, CCO bias) during integration.
    public var frontend: Double = 0
    /// Static power of reading tiles and leakage of every tile × time.
    public var `static`: Double = 0
    /// Digital periphery: input scaling, output scaling, partial-sum adds, shift-adds,
    /// bias and activation.
    public var digital: Double = 0
    /// Activation buffer traffic and the interconnect between tiles.
    public var memory: Double = 0

    public init() {}

    /// The sum of the parts.
    public var total: Double { adc + dac + array + frontend + `static` + digital + memory }

    /// The parts by name, in report order.
    public var named: [(String, Double)] {
        [("ADC", adc), ("DAC", dac), ("array", array), ("front-end", frontend), ("static", `static`), ("digital", digital), ("memory", memory)]
    }

    /// Each part × its band end: `optimistic` or `pessimistic` multipliers.
    public func banded(_ b: ComponentBands, pessimistic: Bool) -> AnalogBreakdown {
        func f(_ e: EnergyBand) -> Double { pessimistic ? e.pessimistic : e.optimistic }
        var o = self
        o.adc *= f(b.adc)
        o.dac *= f(b.dac)
        o.array *= f(b.array)
        o.frontend *= f(b.frontend)
        o.static *= f(b.static)
        o.digital *= f(b.digital)
        o.memory *= f(b.memory)
        return o
    }

    mutating func add(_ o: AnalogBreakdown) {
        adc += o.adc
        dac += o.dac
        array += o.array
        frontend += o.frontend
        `static` += o.static
        digital += o.digital
        memory += o.memory
    }

    func scaled(_ f: Double) -> AnalogBreakdown {
        var b = self
        b.adc *= f
        b.dac *= f
        b.array *= f
        b.frontend *= f
        b.static *= f
        b.digital *= f
        b.memory *= f
        return b
    }
}

/// The shape of one layer on the tiles: `inputs × outputs` split over `tiles` tiles; or,
/// `digital`, a matrix placed in the digital periphery (no tiles).
public struct LayerGeometry: Sendable, Equatable {
    public var inputs: Int
    public var outputs: Int
    public var tiles: Int
    /// Placed digitally: FP32 in the digital periphery (`tiles` = 0).
    public var digital: Bool
    public init(inputs: Int, outputs: Int, tiles: Int, digital: Bool = false) {
        self.inputs = inputs
        self.outputs = outputs
        self.tiles = tiles
        self.digital = digital
    }
    /// Multiply-accumulates per input vector.
    public var macs: Int { inputs * outputs }
}

/// Energy per inference (J) of the matrices placed digitally (FP32 in the digital
/// periphery, see `AnalogEnergyModel`), apart from the analogue tiles' parts.
public struct DigitalMatrixEnergy: Codable, Sendable, Equatable {
    /// Digital matrices and their multiply-accumulates per inference.
    public var matrices: Int = 0
    public var macsPerInference: Double = 0
    /// MACs × `digitalMACEnergy` + outputs × `activationEnergy` (bias).
    public var compute: Double = 0
    /// MACs × 4 B × `bufferEnergyPerByte`: each FP32 weight read from SRAM per MAC.
    public var weightReads: Double = 0
    /// (inputs + outputs) × `bytesPerActivation` × `bufferEnergyPerByte` per input vector.
    public var activations: Double = 0
    /// Attention's activation × activation products QKᵀ and A·V (always digital), MACs per
    /// inference (2·T²·D per attention layer on T tokens of width D) and their energy at
    /// `digitalMACEnergy` (the FP32 price, an upper bound for bf16 and int8 attention).
    public var attentionMacsPerInference: Double = 0
    public var attentionProducts: Double = 0

    public init() {}

    public var total: Double { compute + weightReads + activations + attentionProducts }

    /// compute × the digital band end, memory × the memory band end.
    func banded(_ b: ComponentBands, pessimistic: Bool) -> Double {
        (compute + attentionProducts) * (pessimistic ? b.digital.pessimistic : b.digital.optimistic)
            + (weightReads + activations) * (pessimistic ? b.memory.pessimistic : b.memory.optimistic)
    }

    mutating func add(_ o: DigitalMatrixEnergy) {
        matrices += o.matrices
        macsPerInference += o.macsPerInference
        compute += o.compute
        weightReads += o.weightReads
        activations += o.activations
        attentionMacsPerInference += o.attentionMacsPerInference
        attentionProducts += o.attentionProducts
    }

    /// MACs per sample of attention's QKᵀ and A·V in `network`: 2·T²·D per attention layer
    /// on `[T, D]` (each of the H heads: T·T·d_h for the scores and as many for A·V).
    public static func attentionMACs(_ network: SequentialNetwork) -> Double {
        func walk(_ layers: [Layer], _ shape: [Int]) -> (Double, [Int]) {
            var s = shape, macs = 0.0
            for l in layers {
                switch l {
                case .attention where s.count == 2: macs += 2 * Double(s[0] * s[0] * s[1])
                case .residual(let r):
                    macs += walk(r.body, s).0 + walk(r.shortcut, s).0
                default: break
                }
                guard let next = try? l.outputShape(s) else { return (macs, s) }
                s = next
            }
            return (macs, s)
        }
        return walk(network.layers, network.inputShape).0
    }
}

/// Energy and latency of one layer, per inference.
public struct AnalogLayerEnergy: Codable, Sendable, Equatable {
    public var index: Int
    public var tiles: Int
    public var macs: Int
    public var joulesPerInference: Double
    public var latencyS: Double
    public var breakdown: AnalogBreakdown
    /// Per inference: DAC and ADC conversions (all reads, cycles and phases) and driven devices.
    public var dacConversions: Double
    public var adcConversions: Double
    public var activeCells: Double
    /// Tile reads per tile and input vector (1, or more with bound-management re-reads).
    public var readsPerTile: Double
    /// A matrix placed digitally: its energy (then `breakdown` is zero); nil on tiles.
    public var digital: DigitalMatrixEnergy? = nil
}

/// Chip area of the network's tiles and the throughput density it gives.
public struct AnalogArea: Codable, Sendable, Equatable {
    /// One tile (m²) by part.
    public var tile: AreaBreakdown
    /// Tiles of the network (every weighted layer's tiles; the network is held on chip).
    public var tiles: Int
    /// tiles × tile area (m²).
    public var chip: AreaBreakdown
    /// One tile reading back to back with every cell used: 2·rows·columns / t_read per
    /// tile area, 10¹² op/s per mm² (how chips report it).
    public var tileTopsPerMm2: Double
    /// The network: operations per inference / latency / chip area, 10¹² op/s per mm².
    public var networkTopsPerMm2: Double
}

/// The energy of one drift-compensation calibration of the network (`global` and `column`
/// compensation): every tile read with one-hot inputs, once per row, at programming and
/// again at the evaluation time. Not part of the per-inference energy: it is paid once per
/// calibration and shared by the inferences between calibrations.
public struct CalibrationEnergy: Codable, Sendable, Equatable {
    /// Tile reads of one calibration (2 × Σ tiles × rows).
    public var reads: Double
    /// Energy of those reads (J): ADC, front-end and static power of every column, one row
    /// drive; the cell current of one device pair per column is left out (< 0.1 %).
    public var joules: Double
}

/// Energy, latency, area and efficiency of the analogue hardware per inference, computed
/// from the operation counts of the simulation (`ConversionStats`) and an
/// `AnalogEnergyModel`.
///
/// Latency of one input vector: Σ over layers of ⌈tiles / parallel tiles⌉ × reads per
/// tile × t_read + digital time, with t_read = phases × cycles × max(t_int, n_share ×
/// t_ADC(bits)), n_share = min(columns per ADC, tile columns): an ADC's n_share
/// conversions follow one integration, and the next integration overlaps them. TOPS/W
/// counts 2 operations per MAC of the network (padding of partly filled tiles is not
/// counted as work).
public struct AnalogEnergyEstimate: Codable, Sendable, Equatable {
    public var model: String
    public var source: String
    public var technologyNodeNm: Double
    public var joulesPerInference: Double
    public var latencyS: Double
    public var topsPerWatt: Double
    /// 2 × MACs per inference.
    public var opsPerInference: Double
    /// The analogue tiles and their periphery (zero for a network placed wholly digitally).
    public var breakdown: AnalogBreakdown
    /// The matrices placed digitally; nil when every weighted matrix is on tiles.
    /// `joulesPerInference` = `breakdown.total` + this total.
    public var digitalMatrices: DigitalMatrixEnergy? = nil
    /// J per inference with every part at its optimistic / pessimistic band end.
    public var joulesOptimistic: Double
    public var joulesPessimistic: Double
    /// Integration time, ADC conversion time and tile read time used (s).
    public var integrationTimeS: Double
    public var conversionTimeS: Double
    public var readTimeS: Double
    public var area: AnalogArea
    public var calibration: CalibrationEnergy
    public var layers: [AnalogLayerEnergy]
    /// Input vectors the counts were accumulated over.
    public var inferencesCounted: Int

    /// TOPS/W at the optimistic and pessimistic band ends.
    public var topsPerWattBand: (optimistic: Double, pessimistic: Double) {
        (opsPerInference / joulesOptimistic / 1e12, opsPerInference / joulesPessimistic / 1e12)
    }

    /// Read cycles per tile read: magnitude bits of the DAC for bit-serial inputs, else 1.
    /// - Throws: `EnergyError` for bit-serial inputs with an ideal DAC.
    public static func cycles(_ model: AnalogEnergyModel, _ spec: HardwareSpec) throws -> Int {
        guard model.inputEncoding == .bitSerial else { return 1 }
        guard !spec.dac.isIdeal else {
            throw EnergyError("bit-serial inputs need a DAC with bits ≥ 2 (dac.bits = 0 is ideal and has no bits to stream)")
        }
        return spec.dac.signed ? spec.dac.bits - 1 : spec.dac.bits
    }

    /// t_int (s) of `model` on `spec`'s DAC.
    /// - Throws: `EnergyError` for a pulse clock with an ideal DAC (no levels to count).
    public static func integrationTime(_ model: AnalogEnergyModel, _ spec: HardwareSpec) throws -> Double {
        if model.inputEncoding == .pulseWidth && model.pulseClockPeriod > 0 && spec.dac.isIdeal {
            throw EnergyError("pulse-width inputs timed by energy.dac.pulse_clock_period need a DAC with bits ≥ 2 (dac.bits = 0 is ideal and has no levels to count)")
        }
        return model.integrationTime(dacBits: spec.dac.bits, dacSigned: spec.dac.signed)
    }

    /// Duration of one tile read (s): phases × cycles × max(t_int, n_share × t_ADC).
    public static func readTime(_ model: AnalogEnergyModel, _ spec: HardwareSpec) throws -> Double {
        let share = min(model.columnsPerADC, spec.tileColumns)
        let t = try integrationTime(model, spec)
        return Double(model.readPhases * (try cycles(model, spec))) * max(t, Double(share) * model.conversionTime(bits: spec.adc.bits))
    }

    /// The estimate from per-layer counts.
    /// - Parameters:
    ///   - model: energy constants.
    ///   - spec: the hardware the counts were made on (converter bits, DAC range, tile
    ///     size, scaling).
    ///   - layers: geometry of each layer, in order.
    ///   - stats: operation counts of each layer (`layers.count` entries), all from the
    ///     same input vectors.
    /// - Throws: `EnergyError` for an invalid model, an ideal ADC, or counts without inputs.
    ///   - attentionMACs: MACs per inference of attention's digital QKᵀ and A·V
    ///     (`DigitalMatrixEnergy.attentionMACs`), priced at `digitalMACEnergy`.
    public static func estimate(
        model: AnalogEnergyModel, spec: HardwareSpec, layers: [LayerGeometry], stats: [ConversionStats], attentionMACs: Double = 0
    ) throws -> AnalogEnergyEstimate {
        try model.validate()
        precondition(layers.count == stats.count, "\(layers.count) layers but \(stats.count) sets of counts")
        guard let first = stats.first, first.operations.inputVectors > 0 else {
            throw EnergyError("no input vectors were counted: run at least one MVM before estimating energy")
        }
        let cycles = Double(try cycles(model, spec))
        let phases = Double(model.readPhases)
        let perRead = cycles * phases  // array reads per tile read
        let adcEnergy = try model.adc.energy(bits: spec.adc.bits)
        let tInt = try integrationTime(model, spec)
        let tConv = model.conversionTime(bits: spec.adc.bits)
        let tRead = try readTime(model, spec)
        let columns = Double(spec.tileColumns)
        let v = model.readVoltage, vs = model.supplyVoltage, r = Double(spec.dac.range)
        let partialSumBytes = Double((max(spec.adc.bits, 1) + 7) / 8)
        var total = AnalogBreakdown()
        var digitalTotal: DigitalMatrixEnergy? = nil
        var latency = 0.0
        var perLayer: [AnalogLayerEnergy] = []
        for (i, (g, s)) in zip(layers, stats).enumerated() {
            let n = Double(s.operations.inputVectors)
            if g.digital {
                guard model.digitalMACEnergy > 0 else {
                    throw EnergyError("layer \(i) is placed digitally but hardware.energy.digital.mac_energy (J per FP32 multiply-accumulate) is 0 in energy model '\(model.name)': set it (the Circuits/energy files do)")
                }
                guard n > 0 else { throw EnergyError("layer \(i): no input vectors were counted") }
                let d = digitalEnergy(model, g, s, samples: n)
                // The periphery's time per vector (`digitalTimePerLayer`); the MAC array's
                // throughput is not modelled.
                let vectors = d.macsPerInference / Double(max(g.macs, 1))
                let layerLatency = vectors * model.digitalTimePerLayer
                latency += layerLatency
                digitalTotal = digitalTotal ?? DigitalMatrixEnergy()
                digitalTotal!.add(d)
                perLayer.append(AnalogLayerEnergy(
                    index: i, tiles: 0, macs: g.macs, joulesPerInference: d.total, latencyS: layerLatency, breakdown: AnalogBreakdown(),
                    dacConversions: 0, adcConversions: 0, activeCells: 0, readsPerTile: 0, digital: d))
                continue
            }
            guard n > 0, g.tiles > 0 else {
                throw EnergyError("layer \(i): no input vectors or no tiles were counted")
            }
            var b = AnalogBreakdown()
            b.adc = Double(s.operations.adcConversionsAll) * perRead * adcEnergy
            b.dac = Double(s.operations.dacConversionsAll) * perRead * model.dacEnergy
            // Supply energy V_s·I·t: I = V·x_q/r·G (amplitude) for t_int; V·G for |x_q|/r·t_int
            // (pulse width); V·G per 1 bit and cycle (bit-serial).
            switch model.inputEncoding {
            case .amplitude: b.array = vs * (v / r) * tInt * s.operations.absInputConductance * phases
            case .pulseWidth: b.array = vs * v * tInt / r * s.operations.absInputConductance * phases
            case .bitSerial: b.array = vs * v * tInt * s.operations.bitInputConductance * phases
            }
            b.frontend = Double(s.operations.adcConversionsAll) * perRead * model.frontendPowerPerColumn * tInt
            b.static = Double(s.operations.tileReads) * columns * model.staticPowerPerColumn * tRead
            let scaling = spec.inputScaling == .absMax ? Double(s.operations.dacConversionsAll) * model.inputScalingEnergy : 0
            let shiftAdds = model.inputEncoding == .bitSerial ? Double(s.operations.adcConversionsAll) * perRead * model.shiftAddEnergy : 0
            b.digital = scaling + shiftAdds
                + Double(s.adcConversions) * (model.multiplyEnergy + phases * model.addEnergy)
                + Double(s.operations.biasAdds) * model.activationEnergy
            b.memory = Double(s.operations.dacConversionsAll + s.operations.biasAdds) * Double(model.bytesPerActivation) * model.bufferEnergyPerByte
                + (Double(s.operations.dacConversionsAll) * Double(model.bytesPerActivation) + Double(s.adcConversions) * partialSumBytes)
                * model.interconnectEnergyPerByte
            b = b.scaled(1 / n)
            let readsPerTile = Double(s.operations.tileReads) / (n * Double(g.tiles))
            let waves = model.parallelTiles == 0 ? 1.0 : Double((g.tiles + model.parallelTiles - 1) / model.parallelTiles)
            let layerLatency = waves * readsPerTile * tRead + model.digitalTimePerLayer
            latency += layerLatency
            total.add(b)
            perLayer.append(AnalogLayerEnergy(
                index: i, tiles: g.tiles, macs: g.macs, joulesPerInference: b.total, latencyS: layerLatency, breakdown: b,
                dacConversions: Double(s.operations.dacConversionsAll) * perRead / n, adcConversions: Double(s.operations.adcConversionsAll) * perRead / n,
                activeCells: Double(s.operations.activeCells) / n, readsPerTile: readsPerTile))
        }
        if attentionMACs > 0 {
            guard model.digitalMACEnergy > 0 else {
                throw EnergyError("attention's QKᵀ and A·V are digital but hardware.energy.digital.mac_energy (J per FP32 multiply-accumulate) is 0 in energy model '\(model.name)': set it (the Circuits/energy files do)")
            }
            digitalTotal = digitalTotal ?? DigitalMatrixEnergy()
            digitalTotal!.attentionMacsPerInference = attentionMACs
            digitalTotal!.attentionProducts = attentionMACs * model.digitalMACEnergy
        }
        // Leakage of every tile of the network for the whole inference.
        let tiles = layers.reduce(0) { $0 + $1.tiles }
        let leakage = Double(tiles) * columns * model.idlePowerPerColumn * latency
        total.static += leakage
        for k in perLayer.indices {  // attributed to the layers in proportion to their tiles
            let share = leakage * Double(perLayer[k].tiles) / Double(max(tiles, 1))
            perLayer[k].breakdown.static += share
            perLayer[k].joulesPerInference += share
        }
        let ops = 2 * Double(layers.reduce(0) { $0 + $1.macs })
        let digitalJoules = digitalTotal?.total ?? 0
        let joules = total.total + digitalJoules
        let tileArea = model.area.tile(rows: spec.tileRows, columns: spec.tileColumns, nodeNanometres: model.technologyNodeNanometres)
        let chip = tileArea.scaled(Double(tiles))
        func perMm2(_ opsPerSecond: Double, _ m2: Double) -> Double { m2 > 0 ? opsPerSecond / (m2 * 1e6) / 1e12 : 0 }
        let area = AnalogArea(
            tile: tileArea, tiles: tiles, chip: chip,
            tileTopsPerMm2: perMm2(2 * Double(spec.tileRows * spec.tileColumns) / tRead, tileArea.total),
            networkTopsPerMm2: latency > 0 ? perMm2(ops / latency, chip.total) : 0)
        // One calibration: 2 × rows one-hot reads per tile.
        let calReads = 2 * Double(tiles * spec.tileRows)
        let perCalRead = columns * perRead * (adcEnergy + model.frontendPowerPerColumn * tInt) + perRead * model.dacEnergy
            + columns * model.staticPowerPerColumn * tRead
        let calibration = CalibrationEnergy(reads: calReads, joules: calReads * perCalRead)
        return AnalogEnergyEstimate(
            model: model.name, source: model.source, technologyNodeNm: model.technologyNodeNanometres,
            joulesPerInference: joules, latencyS: latency, topsPerWatt: joules > 0 ? ops / joules / 1e12 : 0,
            opsPerInference: ops, breakdown: total, digitalMatrices: digitalTotal,
            joulesOptimistic: total.banded(model.bands, pessimistic: false).total + (digitalTotal?.banded(model.bands, pessimistic: false) ?? 0),
            joulesPessimistic: total.banded(model.bands, pessimistic: true).total + (digitalTotal?.banded(model.bands, pessimistic: true) ?? 0),
            integrationTimeS: tInt, conversionTimeS: tConv, readTimeS: tRead, area: area, calibration: calibration,
            layers: perLayer, inferencesCounted: first.operations.inputVectors)
    }

    /// A digitally placed layer's energy per inference from its counts: `samples` input
    /// vectors normalise (the per-sample count of `EnergyReporter`), the bias additions
    /// (one per output element) give the output elements and so the MACs (× inputs).
    static func digitalEnergy(_ model: AnalogEnergyModel, _ g: LayerGeometry, _ s: ConversionStats, samples n: Double) -> DigitalMatrixEnergy {
        let outputs = Double(s.operations.biasAdds) / n
        let vectors = outputs / Double(max(g.outputs, 1))
        let macs = outputs * Double(g.inputs)
        var d = DigitalMatrixEnergy()
        d.matrices = 1
        d.macsPerInference = macs
        d.compute = macs * model.digitalMACEnergy + outputs * model.activationEnergy
        d.weightReads = macs * Double(AnalogEnergyModel.digitalWeightBytes) * model.bufferEnergyPerByte
        d.activations = vectors * Double(g.inputs + g.outputs) * Double(model.bytesPerActivation) * model.bufferEnergyPerByte
        return d
    }
}

import Energy
import Foundation

/// Builds the energy model of a hardware description and the GPU profiles of the digital
/// baseline from config files.
public enum EnergyBuilder {
    /// The analogue energy model from keys under `prefix` (`""` or `"hardware."`), or nil
    /// when `energy.name` is empty.
    /// - Throws: `ConfigError` naming the file and the missing or invalid key: with a name
    ///   set, every numeric `energy.*` key the model uses must be given explicitly.
    public static func model(_ t: ResolvedTree, prefix p: String) throws -> AnalogEnergyModel? {
        let name = try t.string(p + "energy.name")
        if name.isEmpty { return nil }
        var m = AnalogEnergyModel()
        m.name = name
        m.source = try t.string(p + "energy.source")
        func required(_ k: String) throws -> Double {
            guard t.isSet(p + k) else {
                throw ConfigError("\(t.file): energy model '\(name)' does not set \(p)\(k); every constant of an energy model must come from its file (see Circuits/README.md)")
            }
            return try t.double(p + k)
        }
        m.technologyNodeNanometres = try required("energy.technology_node_nm")
        m.readVoltage = try required("energy.read_voltage")
        m.supplyVoltage = try required("energy.array.supply_voltage")
        m.inputEncoding = try t.choice(p + "energy.input_encoding")
        if m.inputEncoding == .pulseWidth {
            m.pulseClockPeriod = try required("energy.dac.pulse_clock_period")
        } else {
            m.integrationTime = try required("energy.integration_time")
        }
        m.readPhases = try t.int(p + "energy.read_phases")
        m.dacEnergy = try required("energy.dac.energy")
        switch try t.string(p + "energy.adc.model") {
        case "table":
            m.adc = .table(bits: try t.ints(p + "energy.adc.table_bits"), joules: try t.doubles(p + "energy.adc.table_energy"))
            m.adcConversionTime = try required("energy.adc.conversion_time")
        case "sar":
            m.adc = .sar(powerPerBit: try required("energy.adc.power_per_bit"), powerOffset: try required("energy.adc.power_offset"),
                         clockPeriod: try required("energy.adc.clock_period"))
        case "ramp":
            m.adc = .ramp(activePower: try required("energy.adc.active_power"), lsbTime: try required("energy.adc.lsb_time"))
        case "flash":
            m.adc = .flash(comparatorEnergy: try required("energy.adc.comparator_energy"), clockPeriod: try required("energy.adc.clock_period"))
        default:
            m.adc = .walden(fom: try required("energy.adc.walden_fom"))
            m.adcConversionTime = try required("energy.adc.conversion_time")
        }
        m.columnsPerADC = try t.int(p + "energy.adc.columns_per_adc")
        m.frontendPowerPerColumn = try required("energy.column.frontend_power")
        m.staticPowerPerColumn = try required("energy.static.power_per_column")
        m.idlePowerPerColumn = try required("energy.static.idle_power_per_column")
        m.addEnergy = try required("energy.digital.add_energy")
        m.multiplyEnergy = try required("energy.digital.multiply_energy")
        if m.inputEncoding == .bitSerial { m.shiftAddEnergy = try required("energy.digital.shift_add_energy") }
        m.activationEnergy = try required("energy.digital.activation_energy")
        m.inputScalingEnergy = try required("energy.digital.input_scaling_energy")
        m.digitalTimePerLayer = try required("energy.digital.time_per_layer")
        // Needed only by networks with digitally placed matrices (the estimate says so).
        if t.isSet(p + "energy.digital.mac_energy") { m.digitalMACEnergy = try t.double(p + "energy.digital.mac_energy") }
        m.bufferEnergyPerByte = try required("energy.memory.buffer_energy_per_byte")
        m.bytesPerActivation = try t.int(p + "energy.memory.bytes_per_activation")
        m.interconnectEnergyPerByte = try required("energy.memory.interconnect_energy_per_byte")
        m.parallelTiles = try t.int(p + "energy.parallel_tiles")
        m.area.unitCellF2 = try required("energy.area.unit_cell_f2")
        m.area.perColumn = try required("energy.area.per_column_um2") * 1e-12
        m.area.perRow = try required("energy.area.per_row_um2") * 1e-12
        m.area.perTile = try required("energy.area.per_tile_um2") * 1e-12
        func band(_ part: String) throws -> EnergyBand {
            let k = "energy.band." + part
            guard t.isSet(p + k) else {
                throw ConfigError("\(t.file): energy model '\(name)' does not set \(p)\(k); every energy model states the spread of each part ([1, 1] when none is published)")
            }
            let v = try t.doubles(p + k)
            return EnergyBand(v[0], v[1])
        }
        m.bands.adc = try band("adc")
        m.bands.dac = try band("dac")
        m.bands.array = try band("array")
        m.bands.frontend = try band("frontend")
        m.bands.static = try band("static")
        m.bands.digital = try band("digital")
        m.bands.memory = try band("memory")
        do {
            try m.validate()
        } catch let e as EnergyError {
            throw ConfigError("\(t.file): \(p)\(e.message)")
        }
        return m
    }
}

/// The documented keys of a GPU profile (`Circuits/gpus/*.yaml`).
public enum GPUKeys {
    static let range2 = 2...2
    public static let all: [KeySpec] = [
        KeySpec(key: "gpu.name", kind: .string, defaultValue: "(required)", doc: "Product name."),
        KeySpec(key: "gpu.source", kind: .string, defaultValue: "(required)", doc: "Citation of the datasheet the values come from."),
        KeySpec(key: "gpu.technology_node_nm", kind: .number(1...1000), defaultValue: "(required)", doc: "Process node, nm (for the record)."),
        KeySpec(key: "gpu.board_power", kind: .number(0.1...10000), defaultValue: "(required)", doc: "Board power at full load (TDP / TGP), watts."),
        KeySpec(key: "gpu.peak.fp32", kind: .number(1e9...1e18), defaultValue: "(required)", doc: "Dense FP32 peak, operations per second (FMA = 2)."),
        KeySpec(key: "gpu.peak.bf16", kind: .number(1e9...1e18), defaultValue: "(required)", doc: "Dense BF16 tensor peak, operations per second."),
        KeySpec(key: "gpu.peak.int8", kind: .number(1e9...1e18), defaultValue: "(required)", doc: "Dense INT8 tensor peak, operations per second."),
        KeySpec(key: "gpu.memory.type", kind: .string, defaultValue: "''", doc: "Memory technology, e.g. HBM3."),
        KeySpec(key: "gpu.memory.bandwidth", kind: .number(1e6...1e15), defaultValue: "(required)", doc: "Memory bandwidth, bytes per second."),
        KeySpec(key: "gpu.memory.energy_per_bit", kind: .number(1e-15...1e-9), defaultValue: "(required)", doc: "Memory access energy, joules per bit."),
        KeySpec(key: "gpu.power.idle", kind: .numberList(0...10000, count: range2), defaultValue: "(required)",
                doc: "[best, worst] board power with a CUDA context open and no arithmetic, watts: the static floor of the realistic estimate."),
        KeySpec(key: "gpu.launch.eager", kind: .numberList(0...1, count: range2), defaultValue: "(required)",
                doc: "[best, worst] host cost of one eager kernel launch, seconds."),
        KeySpec(key: "gpu.launch.graph", kind: .numberList(0...1, count: range2), defaultValue: "(required)",
                doc: "[best, worst] fixed cost of one CUDA-graph replay, seconds."),
        KeySpec(key: "gpu.launch.graph_per_node", kind: .numberList(0...1, count: range2), defaultValue: "(required)",
                doc: "[best, worst] cost per kernel node of a CUDA-graph replay, seconds."),
        KeySpec(key: "gpu.kernel.min_time", kind: .numberList(0...1, count: range2), defaultValue: "(required)",
                doc: "[best, worst] shortest GEMM / convolution kernel, seconds."),
        KeySpec(key: "gpu.efficiency.compute", kind: .numberList(0.001...1, count: range2), defaultValue: "(required)",
                doc: "[best, worst] fraction of the dense peak a large GEMM reaches."),
        KeySpec(key: "gpu.efficiency.memory", kind: .numberList(0.001...1, count: range2), defaultValue: "(required)",
                doc: "[best, worst] fraction of the memory (and L2) bandwidth a streaming kernel reaches."),
        KeySpec(key: "gpu.sm_count", kind: .integer(1...100_000), defaultValue: "(required)", doc: "Streaming multiprocessors (wave quantisation of GEMMs)."),
        KeySpec(key: "gpu.gemm.tile", kind: .integer(1...4096), defaultValue: "(required)", doc: "Output tile edge T of a GEMM thread block (T × T), elements."),
        KeySpec(key: "gpu.l2.bytes", kind: .number(1...1e12), defaultValue: "(required)", doc: "L2 cache size, bytes: weights that fit are read from L2 between calls."),
        KeySpec(key: "gpu.l2.bandwidth", kind: .number(1e6...1e16), defaultValue: "(required)", doc: "L2 bandwidth, bytes per second."),
        KeySpec(key: "gpu.l2.energy_per_bit", kind: .number(1e-16...1e-9), defaultValue: "(required)", doc: "L2 read energy, joules per bit."),
    ]

    /// Reads and validates a GPU profile; `path` relative to `circuits` (or to the working
    /// directory) unless absolute.
    /// - Throws: `ConfigError` naming the file, the key and the allowed values.
    public static func load(_ path: String, circuits: URL) throws -> GPUProfile {
        let candidates = path.hasPrefix("/")
            ? [URL(fileURLWithPath: path)] : [circuits.appendingPathComponent(path), URL(fileURLWithPath: path)]
        guard let url = candidates.first(where: { FileManager.default.fileExists(atPath: $0.path) }) else {
            throw ConfigError("GPU profile '\(path)' not found (looked in \(candidates.map(\.path).joined(separator: " and ")))")
        }
        let tree = try ConfigLoader.read(url.path)
        let schema = Schema(all)
        try schema.validate(tree)
        let t = ResolvedTree(tree: tree, schema: schema, file: url.path)
        for k in all where k.defaultValue == "(required)" && !t.isSet(k.key) {
            throw ConfigError("\(url.path): GPU profile does not set \(k.key) (\(k.doc))")
        }
        var g = GPUProfile()
        g.name = try t.string("gpu.name")
        g.source = try t.string("gpu.source")
        g.technologyNodeNanometres = try t.double("gpu.technology_node_nm")
        g.boardPower = try t.double("gpu.board_power")
        g.peakFP32 = try t.double("gpu.peak.fp32")
        g.peakBF16 = try t.double("gpu.peak.bf16")
        g.peakINT8 = try t.double("gpu.peak.int8")
        g.memoryBandwidth = try t.double("gpu.memory.bandwidth")
        g.memoryEnergyPerBit = try t.double("gpu.memory.energy_per_bit")
        func range(_ k: String) throws -> GPURange {
            let v = try t.doubles(k)
            return GPURange(v[0], v[1])
        }
        g.idlePower = try range("gpu.power.idle")
        g.eagerLaunch = try range("gpu.launch.eager")
        g.graphLaunch = try range("gpu.launch.graph")
        g.graphPerNode = try range("gpu.launch.graph_per_node")
        g.minKernelTime = try range("gpu.kernel.min_time")
        g.computeEfficiency = try range("gpu.efficiency.compute")
        g.memoryEfficiency = try range("gpu.efficiency.memory")
        g.smCount = try t.int("gpu.sm_count")
        g.gemmTile = try t.int("gpu.gemm.tile")
        g.l2Bytes = try t.double("gpu.l2.bytes")
        g.l2Bandwidth = try t.double("gpu.l2.bandwidth")
        g.l2EnergyPerBit = try t.double("gpu.l2.energy_per_bit")
        do {
            try g.validate()
        } catch let e as EnergyError {
            throw ConfigError("\(url.path): \(e.message)")
        }
        return g
    }
}

extension ExperimentConfig {
    /// The analogue energy model of `hardware.energy.*`, or nil when none is set (decoded at
    /// load).
    public func energyModel() throws -> AnalogEnergyModel? { decoded.energyModel }

    /// The GPU profiles of `baseline.gpus`, in order (read at load).
    public func gpuProfiles() throws -> [GPUProfile] { decoded.gpus }

    /// `baseline.precision` (decoded at load).
    public func baselinePrecision() throws -> DigitalPrecision { decoded.precision }

    /// `baseline.batch_sizes` (decoded at load).
    public func baselineBatchSizes() throws -> [Int] { decoded.batchSizes }

    /// The GPU profiles of `baseline.gpus`.
    /// - Throws: `ConfigError` for a missing or invalid profile.
    func loadGPUProfiles() throws -> [GPUProfile] {
        let circuits = ConfigLoader.circuitsRoot(near: URL(fileURLWithPath: file).deletingLastPathComponent())
        return try resolved.strings("baseline.gpus").map { try GPUKeys.load($0, circuits: circuits) }
    }
}

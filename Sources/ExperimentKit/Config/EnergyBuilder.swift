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
        m.integrationTime = try required("energy.integration_time")
        m.inputEncoding = try t.choice(p + "energy.input_encoding")
        m.dacEnergy = try required("energy.dac.energy")
        switch try t.string(p + "energy.adc.model") {
        case "table":
            m.adc = .table(bits: try t.ints(p + "energy.adc.table_bits"), joules: try t.doubles(p + "energy.adc.table_energy"))
        default:
            m.adc = .walden(fom: try required("energy.adc.walden_fom"))
        }
        m.adcConversionTime = try required("energy.adc.conversion_time")
        m.columnsPerADC = try t.int(p + "energy.adc.columns_per_adc")
        m.addEnergy = try required("energy.digital.add_energy")
        m.multiplyEnergy = try required("energy.digital.multiply_energy")
        if m.inputEncoding == .bitSerial { m.shiftAddEnergy = try required("energy.digital.shift_add_energy") }
        m.activationEnergy = try required("energy.digital.activation_energy")
        m.inputScalingEnergy = try required("energy.digital.input_scaling_energy")
        m.digitalTimePerLayer = try required("energy.digital.time_per_layer")
        m.bufferEnergyPerByte = try required("energy.memory.buffer_energy_per_byte")
        m.bytesPerActivation = try t.int(p + "energy.memory.bytes_per_activation")
        m.parallelTiles = try t.int(p + "energy.parallel_tiles")
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

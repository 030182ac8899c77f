import Crossbar
import Energy
import ExperimentKit
import Foundation
import NumericKernels

// The @_cdecl entry points of libaimc_c; each is declared and documented in include/aimc.h.
// Every body runs in `guarded`, so that a thrown error becomes a status code and a message.

/// The package version, also `aimc.__version__`.
let versionString: StaticString = "0.1.0"

@_cdecl("aimc_version")
public func aimc_version() -> UnsafePointer<CChar> {
    UnsafeRawPointer(versionString.utf8Start).assumingMemoryBound(to: CChar.self)
}

@_cdecl("aimc_last_error")
public func aimc_last_error(_ buf: UnsafeMutablePointer<CChar>?, _ size: Int) -> Int {
    copyString(LastError.message, buf, size)
}

@_cdecl("aimc_string_free")
public func aimc_string_free(_ s: UnsafeMutablePointer<CChar>?) {
    free(s)
}

// MARK: Hardware

@_cdecl("aimc_hardware_load")
public func aimc_hardware_load(
    _ source: UnsafePointer<CChar>?, _ sourceIsYAML: Int32, _ circuitsDir: UnsafePointer<CChar>?,
    _ overrides: UnsafePointer<UnsafePointer<CChar>?>?, _ nOverrides: Int64, _ out: UnsafeMutablePointer<Int64>?
) -> Int32 {
    guarded {
        let text = try string(source, name: "source")
        let sets = try strings(overrides, nOverrides, name: "overrides")
        guard let out else { throw APIError(.argument, "out is NULL") }
        let circuits = circuitsDir.map { URL(fileURLWithPath: String(cString: $0)) }
        let spec: HardwareSpec, tree: ResolvedTree, file: String
        if sourceIsYAML != 0 {
            file = "<hardware string>"
            (spec, tree) = try HardwareBuilder.load(yaml: text, file: file, circuits: circuits, overrides: sets)
        } else {
            file = text
            guard FileManager.default.fileExists(atPath: text) else {
                throw APIError(.io, "\(text): no such hardware file")
            }
            if let circuits {
                let yaml = try String(contentsOfFile: text, encoding: .utf8)
                (spec, tree) = try HardwareBuilder.load(yaml: yaml, file: text, circuits: circuits, overrides: sets)
            } else {
                (spec, tree) = try HardwareBuilder.load(path: text, overrides: sets)
            }
        }
        let energy = try EnergyBuilder.model(tree, prefix: "")
        out.pointee = Registry.shared.insert(HardwareObject(spec: spec, energyModel: energy, file: file))
    }
}

@_cdecl("aimc_hardware_describe")
public func aimc_hardware_describe(_ h: Int64, _ out: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    guarded {
        let hw = try Registry.shared.get(h, as: HardwareObject.self, kind: "hardware")
        struct Description: Encodable {
            var file: String
            var hardware: RunSummary.Hardware
            var dacRange: Float
            var dacSigned: Bool
            /// Step between DAC levels (normalised input units; 0: ideal).
            var dacStep: Float
            var adcSigned: Bool
            /// Step between ADC levels (normalised output units; 0: ideal).
            var adcStep: Float
            var adcRangePolicy: String
            var inputScaling: String
            var weightScaling: String
            var boundManagement: Bool
            var energyModel: String?
        }
        let h = hw.spec
        try returnString(
            try jsonText(Description(
                file: hw.file, hardware: RunSummary.Hardware(h), dacRange: h.dac.range, dacSigned: h.dac.signed,
                dacStep: h.dac.step, adcSigned: h.adc.signed, adcStep: h.adc.step, adcRangePolicy: h.adcRangePolicy.rawValue,
                inputScaling: h.inputScaling.rawValue, weightScaling: h.weightScaling.rawValue,
                boundManagement: h.boundManagement, energyModel: hw.energyModel?.name)),
            out)
    }
}

@_cdecl("aimc_hardware_free")
public func aimc_hardware_free(_ h: Int64) -> Int32 {
    guarded { try Registry.shared.remove(h, as: HardwareObject.self, kind: "hardware") }
}

// MARK: Tiles

/// A `[rows × columns]` matrix of `dtype` at `p`, as float32.
func matrix(_ p: UnsafeRawPointer?, dtype: Int32, rows: Int64, columns: Int64, name: String) throws -> Matrix {
    guard rows >= 0, columns >= 0 else {
        throw APIError(.shape, "\(name) has shape [\(rows) × \(columns)]; sizes must be ≥ 0")
    }
    let (r, c) = (Int(rows), Int(columns))
    let (n, overflow) = r.multipliedReportingOverflow(by: c)
    guard !overflow else { throw APIError(.shape, "\(name) has shape [\(rows) × \(columns)]: too large") }
    guard let p else {
        if n == 0 { return Matrix(rows: r, columns: c) }
        throw APIError(.argument, "\(name) is NULL")
    }
    switch dtype {
    case 0:
        return Matrix(rows: r, columns: c, values: Array(UnsafeBufferPointer(start: p.assumingMemoryBound(to: Float.self), count: n)))
    case 1:
        let d = UnsafeBufferPointer(start: p.assumingMemoryBound(to: Double.self), count: n)
        return Matrix(rows: r, columns: c, values: d.map { Float($0) })
    default:
        throw APIError(.argument, "\(name): dtype \(dtype) is not AIMC_FLOAT32 (0) or AIMC_FLOAT64 (1)")
    }
}

func tile(_ h: Int64) throws -> TileObject {
    try Registry.shared.get(h, as: TileObject.self, kind: "tile")
}

/// Runs `body` on the tile of handle `h` under its lock; errors are recorded on the tile too.
func withTile(_ h: Int64, _ body: (TileObject) throws -> Void) -> Int32 {
    let t: TileObject
    do {
        t = try tile(h)
    } catch {
        return guarded { throw error }
    }
    t.lock.lock()
    defer { t.lock.unlock() }
    return guarded(tile: t) { try body(t) }
}

@_cdecl("aimc_tile_create")
public func aimc_tile_create(
    _ hw: Int64, _ w: UnsafeRawPointer?, _ dtype: Int32, _ outputs: Int64, _ inputs: Int64, _ seed: UInt64,
    _ tInference: Double, _ out: UnsafeMutablePointer<Int64>?
) -> Int32 {
    guarded {
        let hardware = try Registry.shared.get(hw, as: HardwareObject.self, kind: "hardware")
        guard let out else { throw APIError(.argument, "out is NULL") }
        guard outputs > 0, inputs > 0 else {
            throw APIError(.shape, "W has shape [\(outputs) × \(inputs)]; it needs at least one output and one input")
        }
        let wm = try matrix(w, dtype: dtype, rows: outputs, columns: inputs, name: "W")
        let session = try AnalogMVM(
            weights: wm, spec: hardware.spec, seed: seed, tInference: tInference, energyModel: hardware.energyModel)
        out.pointee = Registry.shared.insert(TileObject(session))
    }
}

@_cdecl("aimc_tile_program")
public func aimc_tile_program(_ h: Int64, _ seed: UInt64) -> Int32 {
    withTile(h) { t in try t.session.program(seed: seed) }
}

@_cdecl("aimc_tile_drift")
public func aimc_tile_drift(_ h: Int64, _ tInference: Double) -> Int32 {
    withTile(h) { t in try t.session.drift(to: tInference) }
}

@_cdecl("aimc_tile_calibrate_adc")
public func aimc_tile_calibrate_adc(_ h: Int64, _ x: UnsafeRawPointer?, _ dtype: Int32, _ batch: Int64, _ inputs: Int64) -> Int32 {
    withTile(h) { t in
        try t.session.calibrateADC(try matrix(x, dtype: dtype, rows: batch, columns: inputs, name: "calibration batch"))
    }
}

@_cdecl("aimc_tile_mvm")
public func aimc_tile_mvm(
    _ h: Int64, _ x: UnsafeRawPointer?, _ dtype: Int32, _ batch: Int64, _ inputs: Int64,
    _ y: UnsafeMutableRawPointer?, _ outputs: Int64, _ compensation: UnsafePointer<CChar>?
) -> Int32 {
    withTile(h) { t in
        let name = compensation.map { String(cString: $0) } ?? "none"
        guard let comp = DriftCompensation(rawValue: name) else {
            throw APIError(.argument, "compensation must be one of \(DriftCompensation.allCases.map(\.rawValue).joined(separator: ", ")) (got '\(name)')")
        }
        let s = t.session
        guard inputs == Int64(s.inputs) else {
            throw APIError(.shape, "X has shape [\(batch) × \(inputs)] but W has shape [\(s.outputs) × \(s.inputs)]: X's last axis must equal W's inputs (\(s.inputs))")
        }
        guard outputs == Int64(s.outputs) else {
            throw APIError(.shape, "Y has shape [\(batch) × \(outputs)] but W has \(s.outputs) outputs: Y must be [\(batch) × \(s.outputs)]")
        }
        let xm = try matrix(x, dtype: dtype, rows: batch, columns: inputs, name: "X")
        guard batch == 0 || y != nil else { throw APIError(.argument, "Y is NULL") }
        let result = try t.session.forward(xm, compensation: comp)
        guard let y, result.values.count > 0 else { return }
        result.values.withUnsafeBufferPointer { r in
            if dtype == 0 {
                y.assumingMemoryBound(to: Float.self).update(from: r.baseAddress!, count: r.count)
            } else {
                let d = y.assumingMemoryBound(to: Double.self)
                for i in 0..<r.count { d[i] = Double(r[i]) }
            }
        }
    }
}

@_cdecl("aimc_tile_info")
public func aimc_tile_info(
    _ h: Int64, _ outputs: UnsafeMutablePointer<Int64>?, _ inputs: UnsafeMutablePointer<Int64>?,
    _ tiles: UnsafeMutablePointer<Int64>?, _ tInference: UnsafeMutablePointer<Double>?, _ seed: UnsafeMutablePointer<UInt64>?
) -> Int32 {
    withTile(h) { t in
        outputs?.pointee = Int64(t.session.outputs)
        inputs?.pointee = Int64(t.session.inputs)
        tiles?.pointee = Int64(t.session.tileCount)
        tInference?.pointee = t.session.tInference
        seed?.pointee = t.session.seed
    }
}

@_cdecl("aimc_tile_counts")
public func aimc_tile_counts(_ h: Int64, _ out: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    withTile(h) { t in try returnString(try jsonText(t.session.stats), out) }
}

@_cdecl("aimc_tile_reset_counts")
public func aimc_tile_reset_counts(_ h: Int64) -> Int32 {
    withTile(h) { t in t.session.resetCounts() }
}

@_cdecl("aimc_tile_energy")
public func aimc_tile_energy(_ h: Int64, _ out: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    withTile(h) { t in try returnString(try jsonText(try t.session.energy()), out) }
}

@_cdecl("aimc_tile_last_error")
public func aimc_tile_last_error(_ h: Int64, _ buf: UnsafeMutablePointer<CChar>?, _ size: Int) -> Int {
    guard let t = try? tile(h) else {
        return copyString("tile handle \(h) is unknown or was freed", buf, size)
    }
    t.lock.lock()
    defer { t.lock.unlock() }
    return copyString(t.lastError, buf, size)
}

@_cdecl("aimc_tile_free")
public func aimc_tile_free(_ h: Int64) -> Int32 {
    guarded { try Registry.shared.remove(h, as: TileObject.self, kind: "tile") }
}

// MARK: Experiments

@_cdecl("aimc_run")
public func aimc_run(
    _ path: UnsafePointer<CChar>?, _ overrides: UnsafePointer<UnsafePointer<CChar>?>?, _ n: Int64, _ verbose: Int32,
    _ out: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
) -> Int32 {
    guarded {
        let file = try string(path, name: "config_path")
        let sets = try strings(overrides, n, name: "overrides")
        guard out != nil else { throw APIError(.argument, "json_out is NULL") }
        let cfg = try ExperimentConfig.load(path: file, overrides: sets)
        let log: @Sendable (String) -> Void = { line in
            if verbose != 0 { FileHandle.standardError.write(Data((line + "\n").utf8)) }
        }
        if verbose != 0 { for w in cfg.warnings { log(w) } }
        let summary = try ExperimentRunner(config: cfg, log: log).run()
        try returnString(String(decoding: try summary.json(), as: UTF8.self), out)
    }
}

@_cdecl("aimc_sweep")
public func aimc_sweep(
    _ path: UnsafePointer<CChar>?, _ sets: UnsafePointer<UnsafePointer<CChar>?>?, _ nSets: Int64,
    _ links: UnsafePointer<UnsafePointer<CChar>?>?, _ nLinks: Int64, _ verbose: Int32,
    _ out: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
) -> Int32 {
    guarded {
        let file = try string(path, name: "config_path")
        let setList = try strings(sets, nSets, name: "sets")
        let linkList = try strings(links, nLinks, name: "links")
        guard out != nil else { throw APIError(.argument, "json_out is NULL") }
        let log: @Sendable (String) -> Void = { line in
            if verbose != 0 { FileHandle.standardError.write(Data((line + "\n").utf8)) }
        }
        let (cli, plain) = try SweepSpec.fromCommandLine(sets: setList, links: linkList)
        let fileSpec = try SweepSpec.load(path: file) ?? SweepSpec()
        let runner = try SweepRunner(configPath: file, overrides: plain, spec: fileSpec.merged(with: cli), log: log)
        _ = try runner.run(shard: nil, progress: nil)
        let results = try runner.finalize()
        try returnString(String(decoding: try results.json(), as: UTF8.self), out)
    }
}

// MARK: Documentation

@_cdecl("aimc_keys")
public func aimc_keys(_ hardware: Int32, _ out: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    guarded {
        struct Key: Encodable {
            var key: String
            var defaultValue: String
            var allowed: String
            var doc: String
        }
        let keys = (hardware != 0 ? HardwareKeys.all : ExperimentKeys.all).map {
            Key(key: $0.key, defaultValue: $0.defaultValue, allowed: $0.kind.allowed, doc: $0.doc)
        }
        try returnString(try jsonText(keys), out)
    }
}

import ArgumentParser
import Crossbar
import ExperimentKit
import Foundation
import Networks
import NumericKernels

struct MVM: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mvm",
        abstract: "Run one analogue matrix-vector multiply on simulated tiles: Y = X · analog(W)ᵀ.",
        discussion: """
            W is [outputs × inputs], X is [batch × inputs] (or a single vector [inputs]); Y is written \
            [batch × outputs] in X's dtype (float32 or float64 .npy). The weights are programmed once with \
            --seed, drifted to --t-inference and read with the hardware of --config. Every hardware key \
            (`aimc keys --hardware`) can be set with --set, e.g. --set ir_drop.mode=exact. With --reads N the \
            weights are read N times, --read-interval apart, with 1/f-correlated read noise, and Y is \
            [reads × batch × outputs].
            """)

    @Option(help: "Hardware description (YAML; the keys of `aimc keys --hardware`), e.g. Circuits/presets/pcm-default.yaml.")
    var config: String

    @Option(help: "Weights W, .npy [outputs × inputs].")
    var weights: String

    @Option(help: "Inputs X, .npy [batch × inputs] or [inputs].")
    var inputs: String

    @Option(help: "Where to write Y, .npy [batch × outputs].")
    var output: String

    @Option(parsing: .unconditional, help: "Seed of programming, read and output noise.")
    var seed: UInt64 = 0

    @Option(name: .customLong("t-inference"), parsing: .unconditional, help: "Time since programming: seconds, or with a suffix s, min, h, d, y (e.g. 1d); ≥ 0.")
    var tInferenceText: String = "0"

    /// `--t-inference` in seconds (validated).
    var tInference: Double { parseNumber(tInferenceText) ?? .nan }

    @Option(help: "Drift compensation: \(DriftCompensation.allCases.map(\.rawValue).joined(separator: ", ")).")
    var compensation: String = "none"

    @Option(help: "ADC calibration batch, .npy [batch × inputs] (needed by adc.range_policy calibrated or calibrated_per_column).")
    var calibration: String?

    @Option(parsing: .unconditional, help: "Read the programmed weights N times in succession (1 … 1000000) with 1/f-correlated read noise; Y is then [reads × batch × outputs].")
    var reads: Int?

    @Option(name: .customLong("read-interval"), parsing: .unconditional, help: "Seconds between successive reads of --reads (≥ the device's t_read; default t_read, back-to-back reads).")
    var readInterval: Double?

    @OptionGroup var overrides: HardwareOverrideOptions

    func validate() throws {
        if let reads, !(1...1_000_000).contains(reads) { throw ValidationError("--reads must be in 1 … 1000000 (got \(reads))") }
        if let readInterval {
            guard reads != nil else { throw ValidationError("--read-interval needs --reads") }
            guard readInterval > 0, readInterval.isFinite else { throw ValidationError("--read-interval must be a finite number > 0 seconds (got \(readInterval))") }
        }
        guard tInference >= 0, tInference.isFinite else {
            throw ValidationError("--t-inference must be a time ≥ 0 in seconds or with a suffix s, min, h, d, y (got '\(tInferenceText)')")
        }
        guard DriftCompensation(rawValue: compensation) != nil else {
            throw ValidationError("--compensation must be one of \(DriftCompensation.allCases.map(\.rawValue).joined(separator: ", ")) (got \(compensation))")
        }
    }

    func run() throws {
        try userErrors {
            // The output must not replace an input (same file, also through links or `..`).
            try OutputPath.checkDistinct(output: output, from: [("--weights", weights), ("--inputs", inputs), ("--config", config)] + (calibration.map { [("--calibration", $0)] } ?? []))
            try OutputPath.checkWritable(output)
            let (spec, _) = try HardwareBuilder.load(path: config, overrides: overrides.sets)
            let w = try NPY.read(URL(fileURLWithPath: weights))
            guard w.shape.count == 2 else {
                throw NetworksError(.shape, "\(weights): W has shape \(w.shape); expected 2-D [outputs × inputs]")
            }
            try MVMInputs.check(w, role: "W", path: weights)
            let x = try NPY.read(URL(fileURLWithPath: inputs))
            guard x.shape.count == 1 || x.shape.count == 2 else {
                throw NetworksError(.shape, "\(inputs): X has shape \(x.shape); expected [batch × inputs] or [inputs]")
            }
            try MVMInputs.check(x, role: "X", path: inputs)
            let batch = x.shape.count == 2 ? x.shape[0] : 1
            let width = x.shape.last!
            guard width == w.shape[1] else {
                throw NetworksError(.shape, "\(inputs): X has shape \(x.shape) but \(weights): W has shape \(w.shape): X's last axis must equal W's inputs (\(w.shape[1]))")
            }
            // Up-front estimate: the tiles of W, and Y (times --reads, with a programmed copy per read).
            let readCount = self.reads ?? 1
            let perRead = MemoryBudget.sum(MemoryBudget.product(batch, w.shape[0], 12), self.reads == nil ? 0 : MemoryBudget.product(w.shape[0], w.shape[1], 8))
            try MemoryBudget.check(
                MemoryBudget.sum(
                    MemoryEstimate.matrix(outputs: w.shape[0], inputs: w.shape[1], tileRows: spec.tileRows, tileColumns: spec.tileColumns),
                    MemoryBudget.product(readCount, perRead)),
                "aimc mvm: W \(w.shape) on \(spec.tileRows) × \(spec.tileColumns) tiles with X \(x.shape)\(self.reads.map { " and --reads \($0)" } ?? "")")
            let wm = Matrix(rows: w.shape[0], columns: w.shape[1], values: w.floats())
            let xm = Matrix(rows: batch, columns: width, values: x.floats())
            // The same steps as the C API and the Python package (ExperimentKit.AnalogMVM).
            var session = try AnalogMVM(weights: wm, spec: spec, seed: seed, tInference: tInference)
            if let calibration {
                guard spec.adcRangePolicy != .fixed else {
                    throw CrossbarError("--calibration is given but adc.range_policy = fixed: set --set adc.range_policy=calibrated (or calibrated_per_column)")
                }
                let c = try NPY.read(URL(fileURLWithPath: calibration))
                guard (c.shape.count == 1 || c.shape.count == 2), c.shape.last == width else {
                    throw NetworksError(.shape, "\(calibration): calibration batch has shape \(c.shape); expected [batch × \(width)]")
                }
                try session.calibrateADC(Matrix(rows: c.shape.count == 2 ? c.shape[0] : 1, columns: width, values: c.floats()))
            }
            if reads != nil {  // --reads: MVM+Reads.swift
                return try runReadSeries(session.programmed, spec: spec, x: x, xm: xm, outputs: w.shape[0])
            }
            let y = try session.forward(xm, compensation: DriftCompensation(rawValue: compensation)!)
            try MVMInputs.checkOutput(y.values, double: x.dtype == .float64)
            let stats = session.stats
            let shape = x.shape.count == 2 ? [batch, w.shape[0]] : [w.shape[0]]
            let out = x.dtype == .float64
                ? NumpyArray(doubles: y.values.map(Double.init), shape: shape)
                : NumpyArray(floats: y.values, shape: shape)
            try NPY.write(out, to: URL(fileURLWithPath: output))
            eprint(String(format: "aimc mvm: Y %@ written to %@ (ADC clipped %.3f %%, zeroed %.3f %%)",
                          "\(shape)", output, stats.adcClippedFraction * 100, stats.adcZeroedFraction * 100))
        }
    }
}

/// Checks of `aimc mvm`'s arrays against its contract: float32 or float64, non-empty, finite.
enum MVMInputs {
    /// - Throws: `NetworksError` naming the file, the array and the offending element.
    static func check(_ a: NumpyArray, role: String, path: String) throws {
        guard a.dtype == .float32 || a.dtype == .float64 else {
            throw NetworksError(.fileFormat, "\(path): \(role) has dtype \(a.dtype.rawValue); aimc mvm takes float32 or float64 (convert with a.astype(numpy.float32))")
        }
        guard !a.shape.contains(0) else {
            throw NetworksError(.shape, "\(path): \(role) has shape \(a.shape) and holds no values; expected a non-empty array")
        }
        let values: [Double] = a.dtype == .float64 ? a.doubles() : a.floats().map(Double.init)
        if let i = values.firstIndex(where: { !$0.isFinite || abs($0) > Double(Float.greatestFiniteMagnitude) }) {
            throw NetworksError(.fileFormat, "\(path): \(role) element \(i) (flat, C order) is \(values[i]); aimc mvm needs finite values within float32's range (|v| ≤ 3.4e38)")
        }
    }

    /// The hardware's output must be finite (W or X so large that the simulated currents overflow).
    static func checkOutput(_ y: [Float], double: Bool) throws {
        if let i = y.firstIndex(where: { !$0.isFinite }) {
            throw CrossbarError("aimc mvm: output element \(i) is \(y[i]) (the simulated MVM overflowed float32); scale W or X down; nothing was written")
        }
    }
}

/// Checks of an output path before any work: not one of the inputs, and writable.
enum OutputPath {
    /// The canonical path of `path` (symbolic links and `..` resolved), for comparing files.
    static func canonical(_ path: String) -> String {
        URL(fileURLWithPath: path).standardizedFileURL.resolvingSymlinksInPath().path
    }

    /// - Throws: `ValidationError`-style `ConfigError` when `output` is one of the inputs.
    static func checkDistinct(output: String, from inputs: [(flag: String, path: String)]) throws {
        let out = canonical(output)
        var outStat = stat()
        let outExists = stat(output, &outStat) == 0
        for (flag, path) in inputs {
            var inStat = stat()
            let same = canonical(path) == out
                || (outExists && stat(path, &inStat) == 0 && inStat.st_dev == outStat.st_dev && inStat.st_ino == outStat.st_ino)
            if same {
                throw ConfigError("--output \(output) is the same file as \(flag) \(path); write the output elsewhere (the input would be overwritten)")
            }
        }
    }

    /// - Throws: `ConfigError` when the output's folder is missing or the output is a folder.
    static func checkWritable(_ output: String) throws {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: output, isDirectory: &isDirectory), isDirectory.boolValue {
            throw ConfigError("--output \(output) is a directory; give a file path such as \(output)/Y.npy")
        }
        let dir = URL(fileURLWithPath: output).deletingLastPathComponent().path
        guard FileManager.default.fileExists(atPath: dir, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw ConfigError("--output \(output): the folder \(dir) does not exist")
        }
        guard FileManager.default.isWritableFile(atPath: dir) else {
            throw ConfigError("--output \(output): the folder \(dir) is not writable")
        }
    }
}

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

    @Option(help: "Seed of programming, read and output noise.")
    var seed: UInt64 = 0

    @Option(name: .customLong("t-inference"), help: "Time since programming: seconds, or with a suffix s, min, h, d, y (e.g. 1d); ≥ 0.")
    var tInferenceText: String = "0"

    /// `--t-inference` in seconds (validated).
    var tInference: Double { parseNumber(tInferenceText) ?? .nan }

    @Option(help: "Drift compensation: \(DriftCompensation.allCases.map(\.rawValue).joined(separator: ", ")).")
    var compensation: String = "none"

    @Option(help: "ADC calibration batch, .npy [batch × inputs] (needed by adc.range_policy calibrated or calibrated_per_column).")
    var calibration: String?

    @Option(help: "Read the programmed weights N times in succession (1 … 1000000) with 1/f-correlated read noise; Y is then [reads × batch × outputs].")
    var reads: Int?

    @Option(name: .customLong("read-interval"), help: "Seconds between successive reads of --reads (≥ the device's t_read; default t_read, back-to-back reads).")
    var readInterval: Double?

    @OptionGroup var overrides: OverrideOptions

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
            let (spec, _) = try HardwareBuilder.load(path: config, overrides: overrides.sets)
            let w = try NPY.read(URL(fileURLWithPath: weights))
            guard w.shape.count == 2 else {
                throw NetworksError(.shape, "\(weights): W has shape \(w.shape); expected 2-D [outputs × inputs]")
            }
            let x = try NPY.read(URL(fileURLWithPath: inputs))
            guard x.shape.count == 1 || x.shape.count == 2 else {
                throw NetworksError(.shape, "\(inputs): X has shape \(x.shape); expected [batch × inputs] or [inputs]")
            }
            let batch = x.shape.count == 2 ? x.shape[0] : 1
            let width = x.shape.last!
            guard width == w.shape[1] else {
                throw NetworksError(.shape, "X has shape \(x.shape) but W has shape \(w.shape): X's last axis must equal W's inputs (\(w.shape[1]))")
            }
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

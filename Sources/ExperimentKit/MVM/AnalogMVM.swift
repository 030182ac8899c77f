import Crossbar
import Energy
import Foundation
import NumericKernels

/// One weight matrix on simulated tiles, through the three time scales: *programmed* once
/// with a seed, *drifted* to an evaluation time, *read* by every MVM.
///
/// This is the logic of `aimc mvm` as a library value, shared by the CLI and the C API
/// (`libaimc_c`, the Python package), so that the same seed gives the same numbers, bit for
/// bit: programming noise from `seed`, output noise from stream `[6]` of `seed` (restarted by
/// every `drift(to:)`), the ADC calibration read from stream `[8]` of `seed`.
public struct AnalogMVM: Sendable {
    /// The hardware the weights are programmed on.
    public let spec: HardwareSpec
    /// Energy model of the hardware (nil: the hardware description names none).
    public let energyModel: AnalogEnergyModel?
    /// Seed of programming, output noise and ADC calibration.
    public private(set) var seed: UInt64
    /// The tiles as programmed (conductances and drift exponents).
    public private(set) var programmed: ProgrammedMatrix
    /// The tiles drifted to `tInference`, ready to read.
    public private(set) var readout: AnalogReadout
    /// Source of output noise; advances with every MVM.
    public private(set) var rng: Xoshiro256
    /// Operation counts of every MVM since programming (or `resetCounts()`).
    public private(set) var stats = ConversionStats()
    /// ADC calibration batch `[batch × inputs]`, re-applied after every drift.
    public private(set) var calibrationBatch: Matrix?

    /// Outputs (rows of W).
    public var outputs: Int { programmed.source.outputs }
    /// Inputs (columns of W).
    public var inputs: Int { programmed.source.inputs }
    /// Tiles the matrix occupies.
    public var tileCount: Int { programmed.source.tiles.count }
    /// Time since programming of `readout` (s).
    public var tInference: Double { readout.tInference }

    /// Maps and programs `weights` (`[outputs × inputs]`, rows are tile columns) and drifts
    /// them to `tInference` seconds (default 0).
    /// - Throws: `CrossbarError` when the weights hold NaN or ±Inf or do not fit the spec, or
    ///   when `tInference` is negative or not finite.
    public init(
        weights: Matrix, spec: HardwareSpec, seed: UInt64, tInference: Double = 0, energyModel: AnalogEnergyModel? = nil
    ) throws {
        guard tInference >= 0, tInference.isFinite else {
            throw CrossbarError("t_inference must be a finite time ≥ 0 s (got \(tInference))")
        }
        self.spec = spec
        self.energyModel = energyModel
        self.seed = seed
        let matrix = try AnalogMatrix(weights: weights, spec: spec)
        programmed = matrix.program(seed: seed)
        readout = programmed.readout(tInference: tInference)
        rng = Xoshiro256(seed: seed, stream: [6])
    }

    /// Programs the same weights again with a new seed (fresh programming noise), at t = 0;
    /// the counts start again and the ADC calibration batch, if any, is re-applied.
    public mutating func program(seed: UInt64) throws {
        self.seed = seed
        programmed = programmed.source.program(seed: seed)
        stats = ConversionStats()
        try drift(to: 0)
    }

    /// Drifts the programmed state to `tInference` seconds after programming and restarts the
    /// output-noise stream (so a read at t matches `aimc mvm --t-inference t`).
    /// - Throws: `CrossbarError` when `tInference` is negative or not finite, or when the ADC
    ///   calibration fails.
    public mutating func drift(to tInference: Double) throws {
        guard tInference >= 0, tInference.isFinite else {
            throw CrossbarError("t_inference must be a finite time ≥ 0 s (got \(tInference))")
        }
        var r = programmed.readout(tInference: tInference)
        if let c = calibrationBatch {
            var crng = Xoshiro256(seed: seed, stream: [8])
            r = try r.calibratingADC(c, rng: &crng)
        }
        readout = r
        rng = Xoshiro256(seed: seed, stream: [6])
    }

    /// Calibrates the ADC ranges on `batch` (`[batch × inputs]`), as `aimc mvm --calibration`,
    /// now and after every later drift.
    /// - Throws: `CrossbarError` when `adc.range_policy` is `fixed` or the batch's width is
    ///   not `inputs`.
    public mutating func calibrateADC(_ batch: Matrix) throws {
        guard spec.adcRangePolicy != .fixed else {
            throw CrossbarError("a calibration batch is given but adc.range_policy = fixed: set adc.range_policy=calibrated (or calibrated_per_column)")
        }
        guard batch.columns == inputs else {
            throw CrossbarError("calibration batch has shape [\(batch.rows) × \(batch.columns)]; expected [batch × \(inputs)]")
        }
        var crng = Xoshiro256(seed: seed, stream: [8])
        readout = try readout.calibratingADC(batch, rng: &crng)
        calibrationBatch = batch
    }

    /// Y = X · analog(W)ᵀ as the hardware computes it: `x` is `[batch × inputs]`, the result
    /// `[batch × outputs]`. Counts are added to `stats`; output noise advances `rng`.
    /// - Throws: `CrossbarError` for NaN or ±Inf in `x` (with its position) or a width other
    ///   than `inputs`; `stats` and `rng` are then unchanged.
    public mutating func forward(_ x: Matrix, compensation: DriftCompensation = .none) throws -> Matrix {
        guard x.columns == inputs else {
            throw CrossbarError("X has shape [\(x.rows) × \(x.columns)] but W has shape [\(outputs) × \(inputs)]: X's last axis must equal W's inputs (\(inputs))")
        }
        return try readout.forward(x, compensation: compensation, rng: &rng, stats: &stats)
    }

    /// Sets the operation counts to zero.
    public mutating func resetCounts() { stats = ConversionStats() }

    /// Energy and latency per input vector of the MVMs counted in `stats`.
    /// - Throws: `EnergyError` when the hardware has no energy model or nothing was read.
    public func energy() throws -> AnalogEnergyEstimate {
        guard let m = energyModel else {
            throw EnergyError("not modelled: the hardware names no energy model (include a file from Circuits/energy/, e.g. energy/hermes-14nm.yaml)")
        }
        return try AnalogEnergyEstimate.estimate(
            model: m, spec: spec, layers: [LayerGeometry(inputs: inputs, outputs: outputs, tiles: tileCount)], stats: [stats])
    }
}

extension HardwareBuilder {
    /// Builds a hardware spec (and its energy model) from YAML text, as `load(path:)` does
    /// from a file: `include`s resolve in `circuits` (default: `ConfigLoader.circuitsRoot`
    /// from the current directory), `overrides` are hardware keys (`adc.bits=8`).
    /// - Throws: `ConfigError` naming `file`, the key and the allowed values.
    public static func load(
        yaml: String, file: String = "<hardware string>", circuits: URL? = nil, overrides: [String] = []
    ) throws -> (spec: HardwareSpec, tree: ResolvedTree) {
        var tree = try ConfigNode.parse(yaml: yaml, file: file)
        guard case .mapping = tree else { throw ConfigError("\(file): a hardware description must be a YAML mapping of keys") }
        for (k, v) in try ConfigLoader.overrides(overrides) {
            tree.set(k.split(separator: ".").map(String.init), v)
        }
        let root = circuits ?? ConfigLoader.circuitsRoot(near: nil)
        let merged = try ConfigLoader.expandIncludes(tree, file: file, circuits: root)
        let schema = Schema(HardwareKeys.all)
        try schema.validate(merged)
        let resolved = ResolvedTree(tree: merged, schema: schema, file: file)
        return (try build(resolved, prefix: ""), resolved)
    }
}

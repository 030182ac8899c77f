import Crossbar
import Foundation
import NumericKernels

/// The JSON summary of `aimc run` (`results/<experiment>/summary.json`, and stdout with
/// `--json`). Keys are snake_case; times in seconds; accuracies are fractions in [0, 1].
public struct RunSummary: Codable, Sendable {
    public struct Digital: Codable, Sendable {
        /// FP32 test accuracy.
        public var accuracy: Double
        public var testImages: Int
    }
    /// One evaluation time × compensation method, over repeats.
    public struct AnalogPoint: Codable, Sendable {
        /// Time since programming (s).
        public var tInference: Double
        /// `none`, `global` or `global_exact`.
        public var compensation: String
        public var accuracyMean: Double
        /// Sample standard deviation over repeats.
        public var accuracyStd: Double
        /// Half-width of the 95 % confidence interval of the mean (Student's t).
        public var accuracyCi95: Double
        public var repeats: Int
        /// Per-repeat accuracies, in repeat order.
        public var accuracies: [Double]
    }
    /// Converter statistics of one layer over every MVM of the run.
    public struct Layer: Codable, Sendable {
        public var index: Int
        /// The matrix's name in the architecture (`blocks.0.attn.qkv`,
        /// `blocks.1.moe.experts.3.fc1`, …); nil where the architecture names none.
        public var name: String? = nil
        /// `analog` or `digital` (nil in summaries written before placement existed).
        public var placement: String? = nil
        public var inputs: Int
        public var outputs: Int
        public var tiles: Int
        public var dacClippedFraction: Double
        public var adcClippedFraction: Double
        public var adcZeroedFraction: Double
        public var boundManagementRetries: Int
    }
    public struct Hardware: Codable, Sendable {
        public var device: String
        public var gMax: Double
        public var tileRows: Int
        public var tileColumns: Int
        public var dacBits: Int
        public var adcBits: Int
        public var adcRange: Double
        public var outputNoise: Double
        public var outputUnits: String

        /// The summary of a hardware spec.
        public init(_ h: HardwareSpec) {
            device = h.deviceKind.rawValue
            gMax = Double(h.gMax)
            tileRows = h.tileRows
            tileColumns = h.tileColumns
            dacBits = h.dac.bits
            adcBits = h.adc.bits
            adcRange = Double(h.adc.range)
            outputNoise = Double(h.outputNoise)
            outputUnits = h.outputUnits.rawValue
        }
    }
    public struct Weights: Codable, Sendable {
        public var file: String
        /// `trained`, `cached` or `loaded`.
        public var origin: String
    }

    public var experiment: String
    public var configFile: String
    /// Master seed; repeat r was programmed with `repeat_seeds[r]`.
    public var seed: UInt64
    public var repeatSeeds: [UInt64]
    public var digital: Digital
    public var analog: [AnalogPoint]
    public var layers: [Layer]
    public var hardware: Hardware
    public var weights: Weights
    /// Wall time of each phase (s); the only non-reproducible field.
    public var timingSeconds: [String: Double]
    /// Energy and latency per inference of the analogue hardware and the GPU baseline.
    public var energy: EnergySummary? = nil
    /// Plain vs hardware-aware training (`evaluation.compare_plain`), nil otherwise.
    public var comparison: Comparison? = nil

    /// Pretty JSON with sorted keys.
    public func json() throws -> Data {
        let e = JSONEncoder()
        e.keyEncodingStrategy = .convertToSnakeCase
        e.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try e.encode(self)
    }
}

/// Formats a time in seconds the way researchers say it: 1 s, 1 h, 1 d, 1 y.
public func formatDuration(_ t: Double) -> String {
    func f(_ v: Double, _ u: String) -> String {
        v == v.rounded() ? "\(Int(v)) \(u)" : String(format: "%.3g \(u)", v)
    }
    if t == 0 { return "0 s" }
    if t >= 31_536_000 { return f(t / 31_536_000, "y") }
    if t >= 86400 { return f(t / 86400, "d") }
    if t >= 3600 { return f(t / 3600, "h") }
    if t >= 60 { return f(t / 60, "min") }
    return f(t, "s")
}

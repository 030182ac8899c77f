import CTileKernels
import Foundation
import SIMDKernels
import SIMDKernelsAVX2
import SIMDKernelsAVX512

/// Run-time dispatch of the vectorised inner loops (the Swift `KernelBodies` and the C loops of
/// `CTileKernels`) to the widest instruction set this CPU supports, so that one portable binary runs at the speed of the
/// machine (the approach of OpenBLAS's DYNAMIC_ARCH). All variants give bit-identical
/// results (tested), so the choice never changes a result, only its speed.
///
/// The choice is made once from the CPU flags in /proc/cpuinfo (Linux; elsewhere the
/// portable variant) and can be lowered with the environment variable
/// `AIMC_SIMD=portable|avx2|avx512` (a variant the CPU lacks falls back to the widest it has).
public enum Kernels {
    /// A compiled variant of the kernels.
    public enum InstructionSet: String, CaseIterable, Sendable, Comparable {
        /// Baseline x86-64 (SSE2) or the platform default elsewhere.
        case portable
        /// AVX2 + FMA + BMI1/2 + F16C + MOVBE (`-target-cpu haswell`).
        case avx2
        /// AVX-512 F/CD/BW/DQ/VL on top of AVX2 (`-target-cpu skylake-avx512`).
        case avx512

        public static func < (a: InstructionSet, b: InstructionSet) -> Bool {
            allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
        }
    }

    /// The widest variant the CPU supports.
    public static let supported: InstructionSet = detect(cpuFlags: cpuFlags())

    /// The variant in use: `supported`, lowered by `AIMC_SIMD` if set. A value that names
    /// no variant, or one this CPU lacks, is reported on standard error once.
    public static let active: InstructionSet = {
        let (isa, warning) = choose(requested: ProcessInfo.processInfo.environment["AIMC_SIMD"], supported: supported)
        if let warning { FileHandle.standardError.write(Data((warning + "\n").utf8)) }
        return isa
    }()

    /// The variant for an `AIMC_SIMD` value on a CPU that supports up to `supported`, and the
    /// warning to print when the value cannot be followed.
    public static func choose(requested: String?, supported: InstructionSet) -> (InstructionSet, warning: String?) {
        guard let requested, !requested.isEmpty else { return (supported, nil) }
        guard let isa = InstructionSet(rawValue: requested.lowercased()) else {
            let names = InstructionSet.allCases.map(\.rawValue).joined(separator: ", ")
            return (supported, "aimc: AIMC_SIMD=\(requested) is not one of \(names); using \(supported.rawValue)")
        }
        if isa > supported {
            return (supported, "aimc: AIMC_SIMD=\(requested) but this CPU supports up to \(supported.rawValue); using \(supported.rawValue)")
        }
        return (isa, nil)
    }

    /// The CPU flags of /proc/cpuinfo's first processor (empty where there is none).
    static func cpuFlags() -> Set<Substring> {
        #if arch(x86_64)
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else { return [] }
        for line in text.split(separator: "\n") where line.hasPrefix("flags") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            return Set(line[line.index(after: colon)...].split(separator: " "))
        }
        #endif
        return []
    }

    /// The widest variant whose instructions all appear in `flags`.
    public static func detect(cpuFlags flags: Set<Substring>) -> InstructionSet {
        let avx2: [Substring] = ["avx", "avx2", "fma", "bmi1", "bmi2", "f16c", "movbe", "popcnt", "abm"]
        let avx512: [Substring] = ["avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl"]
        guard avx2.allSatisfy(flags.contains) else { return .portable }
        return avx512.allSatisfy(flags.contains) ? .avx512 : .avx2
    }

    // MARK: Dispatched kernels (see `KernelBodies` for what each computes)

    /// `2 · pairs` N(0, 1) samples of the counter-based stream `key` from pair `firstPair`
    /// (see `GaussianStream`).
    static func counterGaussianPairs(
        key: UInt64, firstPair: UInt64, pairs: Int, _ out: UnsafeMutablePointer<Float>, isa: InstructionSet = active
    ) {
        aimc_gaussian_stream(isa.cVariant, key, firstPair, pairs, out)
    }

    /// DAC of one vector: `dst[i] = Q(src[i] · inverseScale)` = k_i·Δ, and k_i into `indices`
    /// when given (|k| ≤ 32767: converters of at most 16 bits); returns the clipped count.
    public static func encode(
        _ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>, count: Int, inverseScale: Float,
        _ c: ConverterLevels, indices: UnsafeMutablePointer<Int16>? = nil, isa: InstructionSet = active
    ) -> Int {
        var levels = c.cLevels
        return aimc_encode(isa.cVariant, src, dst, indices, count, inverseScale, &levels)
    }

    /// `dst[i] = src[i] · factor`.
    public static func scale(
        _ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>, count: Int, factor: Float, isa: InstructionSet = active
    ) {
        switch isa {
        case .avx512: AVX512Kernels.scale(src, dst, count: count, factor: factor)
        case .avx2: AVX2Kernels.scale(src, dst, count: count, factor: factor)
        case .portable: Portable.scale(src, dst, count: count, factor: factor)
        }
    }

    /// `dst[j] = Q(src[j] + sigma · noise[j])`; returns clipped and zeroed counts.
    public static func digitise(
        _ src: UnsafePointer<Float>, noise: UnsafePointer<Float>?, sigma: Float, _ dst: UnsafeMutablePointer<Float>,
        count: Int, _ c: ConverterLevels, isa: InstructionSet = active
    ) -> (clipped: Int, zeroed: Int) {
        var levels = c.cLevels
        var clipped = 0, zeroed = 0
        aimc_digitise(isa.cVariant, src, noise, sigma, dst, count, &levels, &clipped, &zeroed)
        return (clipped, zeroed)
    }

    /// `dst[j] = src[j] + sigma · noise[j]`.
    public static func addNoise(
        _ src: UnsafePointer<Float>, noise: UnsafePointer<Float>, sigma: Float, _ dst: UnsafeMutablePointer<Float>, count: Int,
        isa: InstructionSet = active
    ) {
        switch isa {
        case .avx512: AVX512Kernels.addNoise(src, noise: noise, sigma: sigma, dst, count: count)
        case .avx2: AVX2Kernels.addNoise(src, noise: noise, sigma: sigma, dst, count: count)
        case .portable: Portable.addNoise(src, noise: noise, sigma: sigma, dst, count: count)
        }
    }

    /// `dst[j] += src[j] · factor · columnFactor[j]`.
    public static func accumulate(
        _ src: UnsafePointer<Float>, factor: Float, columnFactor: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>,
        count: Int, isa: InstructionSet = active
    ) {
        aimc_accumulate(isa.cVariant, src, factor, columnFactor, dst, count)
    }

    /// Energy counts of one tile read: non-zero inputs, Σ x²·g, Σ |x|·g, Σ popcount(|x|/Δ)·g.
    public static func readEnergy(
        _ x: UnsafePointer<Float>, conductance g: UnsafePointer<Float>, count: Int, inverseStep: Float,
        isa: InstructionSet = active
    ) -> (active: Int, squared: Double, absolute: Double, bitwise: Double) {
        switch isa {
        case .avx512: return AVX512Kernels.readEnergy(x, conductance: g, count: count, inverseStep: inverseStep)
        case .avx2: return AVX2Kernels.readEnergy(x, conductance: g, count: count, inverseStep: inverseStep)
        case .portable: return Portable.readEnergy(x, conductance: g, count: count, inverseStep: inverseStep)
        }
    }

    /// max |x_i| of `count` values, or nil when one is NaN or ±Inf.
    public static func absMax(_ x: UnsafePointer<Float>, count: Int, isa: InstructionSet = active) -> Float? {
        let largest = aimc_abs_max_bits(isa.cVariant, x, count)
        return largest >= 0x7F80_0000 ? nil : Float(bitPattern: largest)
    }

    /// Whether one of `count` values is NaN or ±Inf.
    public static func containsNonFinite(_ x: UnsafePointer<Float>, count: Int, isa: InstructionSet = active) -> Bool {
        switch isa {
        case .avx512: return AVX512Kernels.containsNonFinite(x, count: count)
        case .avx2: return AVX2Kernels.containsNonFinite(x, count: count)
        case .portable: return Portable.containsNonFinite(x, count: count)
        }
    }

    /// The bodies compiled in this module, for the baseline target.
    enum Portable {
        @inline(never)
        static func scale(_ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>, count: Int, factor: Float) {
            KernelBodies.scale(src, dst, count: count, factor: factor)
        }

        @inline(never)
        static func addNoise(
            _ src: UnsafePointer<Float>, noise: UnsafePointer<Float>, sigma: Float, _ dst: UnsafeMutablePointer<Float>, count: Int
        ) {
            KernelBodies.addNoise(src, noise: noise, sigma: sigma, dst, count: count)
        }

        @inline(never)
        static func readEnergy(
            _ x: UnsafePointer<Float>, conductance g: UnsafePointer<Float>, count: Int, inverseStep: Float
        ) -> (active: Int, squared: Double, absolute: Double, bitwise: Double) {
            KernelBodies.readEnergy(x, conductance: g, count: count, inverseStep: inverseStep)
        }

        @inline(never)
        static func containsNonFinite(_ x: UnsafePointer<Float>, count: Int) -> Bool {
            KernelBodies.containsNonFinite(x, count: count)
        }
    }
}

extension Kernels.InstructionSet {
    /// The variant's number in `CTileKernels` (AIMC_TILE_*), whose loops are compiled for the
    /// same three instruction sets.
    public var cVariant: Int32 {
        switch self {
        case .portable: Int32(AIMC_TILE_PORTABLE)
        case .avx2: Int32(AIMC_TILE_AVX2)
        case .avx512: Int32(AIMC_TILE_AVX512)
        }
    }
}

extension ConverterLevels {
    /// The same constants for `CTileKernels`.
    var cLevels: aimc_converter_levels {
        aimc_converter_levels(step: step, inverse_step: inverseStep, lowest: lowest, highest: highest, lower: lower, upper: upper)
    }
}

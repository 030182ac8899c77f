// swift-tools-version:6.0
import Foundation
import PackageDescription

// Dependency versions are pinned here because Package.resolved is not committed.

// The SIMD kernel variants (see Sources/SIMDKernels): x86-64 hosts compile two of them for
// wider instruction sets, chosen at run time; elsewhere all three are the default target.
#if arch(x86_64)
let avx2Settings: [SwiftSetting] = [.unsafeFlags(["-target-cpu", "haswell"])]
let avx512Settings: [SwiftSetting] = [.unsafeFlags(["-target-cpu", "skylake-avx512"])]
#else
let avx2Settings: [SwiftSetting] = []
let avx512Settings: [SwiftSetting] = []
#endif
// The aimc executable carries the Swift runtime and Foundation (-static-stdlib), so that it runs
// on machines without a Swift toolchain (cluster nodes); OpenBLAS, FFTW and zlib stay shared
// libraries of the system (Debian packages). Only the link differs: the modules compile as
// for every other product (SwiftPM's --static-swift-stdlib would recompile every module, and
// the tests and libaimc_c link the runtime dynamically), so the static Foundation's own
// dependencies, which the dynamic modules' autolink entries do not name, are listed here.
#if os(Linux)
let executableLinkerSettings: [LinkerSetting] = [
    .unsafeFlags([
        "-static-stdlib", "-Xlinker", "--start-group",
        "-lFoundation", "-lFoundationEssentials", "-lFoundationInternationalization", "-lCoreFoundation", "-l_FoundationICU",
        "-l_FoundationCShims", "-l_FoundationCollections", "-lswiftSynchronization", "-lswiftDispatch", "-ldispatch",
        "-lBlocksRuntime", "-lswift_RegexParser", "-lswift_StringProcessing", "-lswift_Concurrency", "-lswiftCore",
        "-Xlinker", "--end-group",
    ])
]
#else
let executableLinkerSettings: [LinkerSetting] = []
#endif
let package = Package(
    name: "aimc",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "aimc", targets: ["aimc"]),
        .library(name: "NumericKernels", targets: ["NumericKernels"]),
        .library(name: "Crossbar", targets: ["Crossbar"]),
        .library(name: "Networks", targets: ["Networks"]),
        .library(name: "Energy", targets: ["Energy"]),
        .library(name: "ExperimentKit", targets: ["ExperimentKit"]),
        // The C interface (Sources/CAIMC/include/aimc.h) as libaimc_c, loaded by python/aimc.
        .library(name: "aimc_c", type: .dynamic, targets: ["CAIMC"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", exact: "5.0.1"),
        .package(url: "https://github.com/weichsel/ZIPFoundation", exact: "0.9.20"),
    ],
    targets: [
        .systemLibrary(
            name: "CBLAS", path: "Sources/CBLAS", pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(
            name: "CFFTW", path: "Sources/CFFTW", pkgConfig: "fftw3f",
            providers: [.apt(["libfftw3-dev"])]),
        .systemLibrary(name: "CMalloc", path: "Sources/CMalloc"),
        .systemLibrary(
            name: "CZlibSystem", path: "Sources/CZlibSystem",
            providers: [.apt(["zlib1g-dev"])]),
        // The vectorised inner loops, compiled for the baseline and for two wider
        // instruction sets; NumericKernels.Kernels picks one at run time (same results).
        .target(name: "SIMDKernels", exclude: ["README.md"]),
        .target(
            name: "SIMDKernelsAVX2", dependencies: ["SIMDKernels"], exclude: ["README.md"],
            swiftSettings: avx2Settings),
        .target(
            name: "SIMDKernelsAVX512", dependencies: ["SIMDKernels"], exclude: ["README.md"],
            swiftSettings: avx512Settings),
        // The array stage of tile reads (a packed-matrix product, per-function AVX-512 / AVX2
        // variants); no contraction of a * b + c beyond the explicit FMAs.
        .target(name: "CTileKernels", exclude: ["README.md"], cSettings: [.unsafeFlags(["-O3", "-ffp-contract=off", "-fno-math-errno"])], linkerSettings: [.linkedLibrary("m")]),
        .target(name: "NumericKernels", dependencies: ["CBLAS", "CFFTW", "CTileKernels", "SIMDKernels", "SIMDKernelsAVX2", "SIMDKernelsAVX512"], exclude: ["README.md"]),
        .target(name: "EnergyCounts", exclude: ["README.md"]),
        .target(
            name: "Crossbar", dependencies: ["CTileKernels", "NumericKernels", "SIMDKernels", "EnergyCounts"],
            exclude: ["README.md", "IRDrop/README.md", "IRDrop/Internals/README.md", "Converters/README.md", "Devices/README.md",
                      "Faults/README.md", "Mappings/README.md", "ReadNoise/README.md", "Tiles/README.md", "Compensation/README.md"]),
        .target(
            name: "Networks",
            dependencies: ["NumericKernels", "Crossbar", "CZlibSystem", "ZIPFoundation"],
            exclude: ["README.md", "Analog/README.md", "Datasets/README.md", "IO/README.md", "Layers/README.md", "Layers/Internals/README.md",
                      "Models/README.md", "Training/README.md"]),
        .target(name: "Energy", dependencies: ["NumericKernels", "Crossbar", "Networks", "EnergyCounts"], exclude: ["README.md"]),
        .target(
            name: "ExperimentKit",
            dependencies: ["NumericKernels", "Crossbar", "Networks", "Energy", "Yams"],
            exclude: ["README.md", "Bench/README.md", "Config/README.md", "MVM/README.md", "Run/README.md", "Sweep/README.md"]),
        .target(
            name: "CAIMC", dependencies: ["ExperimentKit", "Energy", "Crossbar", "NumericKernels"],
            exclude: ["include", "README.md"]),
        .executableTarget(
            name: "aimc",
            dependencies: [
                "ExperimentKit", "Networks", "Crossbar", "NumericKernels", "CMalloc",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            exclude: ["README.md"], linkerSettings: executableLinkerSettings),
        // Shared test support (repository root, temporary folders, process runner, dataset and
        // tool probes, random matrices, the exact MVM reference), used by every test target.
        .target(name: "TestSupport", dependencies: ["NumericKernels"], path: "Tests/TestSupport", exclude: ["README.md"]),
        .testTarget(name: "NumericKernelsTests", dependencies: ["NumericKernels", "SIMDKernels", "TestSupport"]),
        .testTarget(name: "CrossbarTests", dependencies: ["Crossbar", "NumericKernels", "TestSupport"]),
        .testTarget(
            name: "NetworksTests", dependencies: ["Networks", "Crossbar", "NumericKernels", "TestSupport"],
            resources: [.copy("Fixtures")]),
        .testTarget(name: "EnergyTests", dependencies: ["Energy", "ExperimentKit", "Networks", "Crossbar", "NumericKernels", "TestSupport"]),
        .testTarget(
            name: "ExperimentKitTests",
            dependencies: ["ExperimentKit", "Energy", "Networks", "Crossbar", "NumericKernels", "TestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)

// `make fuzz` only (AIMC_FUZZ=1, built with -sanitize=fuzzer in .build-fuzz): the libFuzzer
// harness of the file parsers (Fuzz/README.md). Ordinary builds do not see it.
if ProcessInfo.processInfo.environment["AIMC_FUZZ"] == "1" {
    package.targets.append(
        .executableTarget(name: "aimc-fuzz", dependencies: ["ExperimentKit", "Networks"], path: "Fuzz/aimc-fuzz"))
}

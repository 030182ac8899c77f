import ExperimentKit
import Foundation
import Networks

// libFuzzer entry point of `make fuzz` (built only with AIMC_FUZZ=1 and -sanitize=fuzzer,
// see Package.swift and Fuzz/README.md). One binary fuzzes one parser, chosen by
// $AIMC_FUZZ_TARGET: yaml (config loader and network definitions), idx, npy, npz,
// safetensors. A parser may reject its input with an error; a crash, a trap, a hang
// or an allocation over libFuzzer's -rss_limit_mb is a finding.

let fuzzTarget = ProcessInfo.processInfo.environment["AIMC_FUZZ_TARGET"] ?? "yaml"

@_cdecl("LLVMFuzzerTestOneInput")
public func aimcFuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    switch fuzzTarget {
    case "yaml":
        let text = String(decoding: bytes, as: UTF8.self)
        if let node = try? ConfigNode.parse(yaml: text, file: "fuzz.yaml") {
            _ = node.leaves()
            _ = node.yaml()
        }
        _ = try? NetworkImport.description(yaml: text, file: "fuzz-network.yaml")
    case "idx":
        _ = try? IDX.decode(bytes, path: "fuzz.idx")
    case "npy":
        if let a = try? NPY.decode(Data(bytes), name: "fuzz.npy"), a.dtype == .float32 || a.dtype == .float64 {
            _ = a.floats()
        }
    case "npz":
        _ = try? NPZ.decode(Data(bytes), name: "fuzz.npz")
    case "safetensors":
        _ = try? SafeTensors.parse(bytes, file: "fuzz.safetensors")
    default:
        fatalError("AIMC_FUZZ_TARGET=\(fuzzTarget): expected yaml, idx, npy, npz or safetensors")
    }
    return 0
}

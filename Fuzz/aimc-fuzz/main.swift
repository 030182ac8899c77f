import Foundation

// SwiftPM gives every executable its own `main`, which shadows libFuzzer's; so main hands
// over to libFuzzer's driver (LLVMFuzzerRunDriver, LLVM ≥ 11), which parses the libFuzzer
// flags and corpus folders and calls `aimcFuzzOne` for each input.
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt

var fuzzArgc = CommandLine.argc
var fuzzArgv = CommandLine.unsafeArgv
exit(LLVMFuzzerRunDriver(&fuzzArgc, &fuzzArgv, aimcFuzzOne))

import ArgumentParser
import ExperimentKit
import Foundation
import NumericKernels

/// Options shared by commands that read an experiment config.
struct OverrideOptions: ParsableArguments {
    @Option(name: .customLong("set"), help: ArgumentHelp("Override an experiment key (repeatable), e.g. --set hardware.adc.bits=8 or --set evaluation.repeats=3 (`aimc keys`).", valueName: "key=value"))
    var sets: [String] = []
}

/// The override option of commands that read a hardware description (`aimc mvm`).
struct HardwareOverrideOptions: ParsableArguments {
    @Option(name: .customLong("set"), help: ArgumentHelp("Override a hardware key (repeatable), without the hardware. prefix of experiment configs, e.g. --set adc.bits=8 or --set array_precision=float32 (`aimc keys --hardware`).", valueName: "key=value"))
    var sets: [String] = []
}

/// Prints to standard error.
func eprint(_ s: String) {
    FileHandle.standardError.write(Data((s + "\n").utf8))
}

/// Writes `value` to standard output as the CLI's JSON (snake_case keys, sorted, indented),
/// followed by a newline.
func printJSON<T: Encodable>(_ value: T) throws {
    let e = JSONEncoder()
    e.keyEncodingStrategy = .convertToSnakeCase
    e.outputFormatting = [.prettyPrinted, .sortedKeys]
    FileHandle.standardOutput.write(try e.encode(value))
    FileHandle.standardOutput.write(Data("\n".utf8))
}

/// Runs `body`, turning library errors into a clean message and exit code 1.
func userErrors<T>(_ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let e as CleanExit {
        throw e
    } catch let e as ExitCode {
        throw e
    } catch is InterruptedError {
        eprint(InterruptHandling.stoppedMessage)
        throw ExitCode(130)
    } catch {
        eprint("error: \(FileErrorText.describe(error))")
        throw ExitCode(1)
    }
}

/// Ctrl-C for long commands: the first SIGINT only requests a stop (`Interruption`), which
/// the work honours at its next safe point (between training batches, evaluation batches
/// and sweep points, never inside a BLAS call); the command then exits normally with status
/// 130 after printing `stoppedMessage`. A second Ctrl-C exits at once (`_exit`, no atexit
/// handlers, so OpenBLAS's buffers are not freed under a running call).
enum InterruptHandling {
    nonisolated(unsafe) static var source: DispatchSourceSignal?
    nonisolated(unsafe) static var stoppedMessage = "interrupted"

    /// - Parameters:
    ///   - command: the command's name, for the messages.
    ///   - stopped: printed when the work has stopped (what was kept, how to go on).
    static func install(command: String, stopped: String) {
        stoppedMessage = "\n\(command): \(stopped)"
        signal(SIGINT, SIG_IGN)
        let s = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
        s.setEventHandler {
            if Interruption.isRequested {
                eprint("\n\(command): interrupted again; stopping now")
                _exit(130)
            }
            Interruption.request()
            eprint("\n\(command): interrupted; stopping at the next safe point (Ctrl-C again to stop at once)")
        }
        s.resume()
        source = s
    }
}

/// Loads an experiment config and prints its warnings (inert keys of included files).
func loadExperiment(_ path: String, _ sets: [String]) throws -> ExperimentConfig {
    let cfg = try userErrors { try ExperimentConfig.load(path: path, overrides: sets) }
    for w in cfg.warnings { eprint(w) }
    return cfg
}

/// Checks on a results folder before any work, so that a path that cannot hold results is
/// reported before a long evaluation rather than after it.
enum ResultsFolder {
    /// - Throws: `ConfigError` when the folder or one of its parents is a file, or the
    ///   nearest existing parent is not writable.
    static func checkUsable(_ directory: URL) throws {
        var url = directory.standardizedFileURL
        while true {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) {
                guard isDirectory.boolValue else {
                    throw ConfigError("results folder \(directory.path): \(url.path) is a file, not a folder; remove it or set output_dir elsewhere")
                }
                guard FileManager.default.isWritableFile(atPath: url.path) else {
                    throw ConfigError("results folder \(directory.path): \(url.path) is not writable; set output_dir elsewhere")
                }
                return
            }
            let parent = url.deletingLastPathComponent()
            if parent.path == url.path { return }
            url = parent
        }
    }
}

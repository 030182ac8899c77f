import ArgumentParser
import Foundation

/// `aimc plot RESULTS_DIR`: redraws the figures and the HTML report of a results folder with
/// the Python package's matplotlib plotting (`python3 -m aimc.plot`), so that users can
/// restyle them; the arguments after the folder are passed on.
struct Plot: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Draw the figures (PDF, PNG, SVG) and report.html of a run or sweep results folder with matplotlib.",
        discussion: """
            Runs `python3 -m aimc.plot RESULTS_DIR` (the package in python/, matplotlib from Debian's \
            python3-matplotlib) with $AIMC_PYTHON, else /usr/bin/python3. Options after the folder go to \
            the plotter: --format pdf,png,svg, --compensation none,global, --times 1s,1d,1y, --style FILE, \
            --no-html, --allow-incomplete (a folder whose manifest.json is missing or does not match its files is \
            otherwise refused: the run that wrote it was cut short). Example: aimc plot results/fashion-mlp-pcm
            """)

    @Argument(help: "Results folder of aimc run (analog.csv, energy.csv) or aimc sweep (sweep.csv).")
    var directory: String

    @Argument(parsing: .captureForPassthrough, help: "Options for the plotter (python3 -m aimc.plot --help).")
    var options: [String] = []

    func run() throws {
        guard let status = runPlotter(directory: directory, options: options, quietStdout: false) else { throw ExitCode(1) }
        if status != 0 { throw ExitCode(status) }
    }
}

/// Runs `python3 -m aimc.plot DIRECTORY OPTIONS…` (`$AIMC_PYTHON`, else /usr/bin/python3),
/// with the checkout's python/ and libaimc_c when this executable lives in a checkout's
/// .build folder. With `quietStdout` the plotter's standard output goes to standard error
/// (so that `--json` output stays clean). Returns its exit status, or nil (with a message
/// on standard error) when Python cannot be started.
func runPlotter(directory: String, options: [String], quietStdout: Bool) -> Int32? {
    let env = ProcessInfo.processInfo.environment
    let python = env["AIMC_PYTHON"] ?? "/usr/bin/python3"
    let exe = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
    var environment = env
    // In a source checkout (.build/<triple>/release/aimc), use the checkout's package and library.
    var dir = exe.deletingLastPathComponent()
    var checkout: URL?
    for _ in 0..<4 {
        dir = dir.deletingLastPathComponent()
        let candidate = dir.appendingPathComponent("python")
        if FileManager.default.fileExists(atPath: candidate.appendingPathComponent("aimc/plot.py").path) {
            checkout = candidate
            break
        }
    }
    if let checkout {
        environment["PYTHONPATH"] = [checkout.path, env["PYTHONPATH"]].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: ":")
        let lib = exe.deletingLastPathComponent().appendingPathComponent("libaimc_c.so")
        if env["AIMC_LIBRARY"] == nil, FileManager.default.fileExists(atPath: lib.path) {
            environment["AIMC_LIBRARY"] = lib.path
        }
    }
    let p = Process()
    p.executableURL = URL(fileURLWithPath: python)
    p.arguments = ["-m", "aimc.plot", directory] + options
    p.environment = environment
    if quietStdout { p.standardOutput = FileHandle.standardError }
    do {
        try p.run()
    } catch {
        eprint("error: drawing figures needs Python 3 with matplotlib at \(python) (set AIMC_PYTHON): \(error)")
        return nil
    }
    p.waitUntilExit()
    return p.terminationStatus
}

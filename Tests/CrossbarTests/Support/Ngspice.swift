import Crossbar
import Foundation

/// Runs ngspice (`ngspice -b`, Debian package `ngspice`, installed by `make setup`) on netlists
/// rendered from `Circuits/spice/crossbar-read.cir`.
enum Ngspice {
    /// The ngspice executable: `$NGSPICE`, else the first `ngspice` on `PATH` or in /usr/bin.
    static let executable: String? = {
        let env = ProcessInfo.processInfo.environment
        if let p = env["NGSPICE"], FileManager.default.isExecutableFile(atPath: p) { return p }
        let dirs = (env["PATH"] ?? "").split(separator: ":").map(String.init) + ["/usr/bin", "/usr/local/bin"]
        return dirs.map { $0 + "/ngspice" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }()

    /// Why the ngspice tests cannot run, or nil when they can.
    static var unavailable: String? {
        executable == nil ? "ngspice is not installed (Debian: apt-get install ngspice; `make test` installs it)" : nil
    }

    /// The repository's `Circuits/spice/crossbar-read.cir`.
    static func template() throws -> String {
        let url = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Circuits/spice/crossbar-read.cir")
        return try String(contentsOf: url, encoding: .utf8)
    }

    /// Output currents (A) of `network` read in `direction` with `voltages`, simulated by ngspice.
    static func outputCurrents(_ network: CrossbarNetwork, voltages: [Double], direction: ReadDirection) throws -> [Double] {
        guard let exe = executable else { throw CrossbarError(unavailable!) }
        let deck = try SpiceNetlist.render(
            template: try template(), network: network, voltages: voltages, direction: direction,
            title: "aimc test \(network.rows)x\(network.columns) \(direction.rawValue)")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("aimc-ngspice-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("deck.cir")
        try deck.write(to: file, atomically: true, encoding: .utf8)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: exe)
        p.arguments = ["-b", file.path]
        p.currentDirectoryURL = dir
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        guard p.terminationStatus == 0 else {
            throw CrossbarError("ngspice exited with \(p.terminationStatus): \(String(decoding: errData, as: UTF8.self).prefix(500))")
        }
        let outputs = direction == .forward ? network.columns : network.rows
        return try SpiceNetlist.parseCurrents(text, outputs: outputs)
    }
}

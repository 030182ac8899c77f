import Foundation

/// Progress of a long job: a bar with ETA redrawn in place on a terminal, plain lines at
/// most every `interval` seconds otherwise (logs, CI, Slurm output files).
public final class ProgressReporter: @unchecked Sendable {
    let total: Int
    let label: String
    let isTerminal: Bool
    let interval: TimeInterval
    let write: (String) -> Void
    let start = Date()
    var lastLine = Date.distantPast
    let lock = NSLock()

    /// - Parameters:
    ///   - isTerminal: draw a bar (defaults to whether stderr is a terminal).
    ///   - write: receives the text (defaults to stderr).
    public init(total: Int, label: String, isTerminal: Bool = isatty(2) == 1, interval: TimeInterval = 10,
                write: @escaping (String) -> Void = { FileHandle.standardError.write(Data($0.utf8)) }) {
        self.total = total
        self.label = label
        self.isTerminal = isTerminal
        self.interval = interval
        self.write = write
    }

    /// Reports `done` of `total` finished (`skipped` of them were already done before).
    public func update(done: Int, skipped: Int = 0, note: String = "") {
        lock.lock()
        defer { lock.unlock() }
        let elapsed = Date().timeIntervalSince(start)
        let fresh = done - skipped
        let eta = fresh > 0 ? elapsed / Double(fresh) * Double(total - done) : .nan
        let etaText = eta.isFinite ? ProgressReporter.clock(eta) : "--:--"
        if isTerminal {
            let width = 30
            let filled = total == 0 ? width : Int(Double(width) * Double(done) / Double(total))
            let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
            write("\r\(label) \(bar) \(done)/\(total)  \(ProgressReporter.clock(elapsed)) elapsed, ETA \(etaText) \(note)\u{1B}[K")
            if done == total { write("\n") }
        } else if done == total || Date().timeIntervalSince(lastLine) >= interval {
            lastLine = Date()
            write("\(label): \(done)/\(total) done, \(ProgressReporter.clock(elapsed)) elapsed, ETA \(etaText) \(note)\n")
        }
    }

    static func clock(_ t: Double) -> String {
        let s = Int(t.rounded())
        return s >= 3600 ? String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60) : String(format: "%d:%02d", s / 60, s % 60)
    }
}

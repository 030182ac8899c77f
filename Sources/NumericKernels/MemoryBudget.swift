import Foundation

/// A limit on a command's planned memory or on an input's size was exceeded.
///
/// Thrown before the allocation it guards; `message` names what was asked for, the
/// estimate, the limit and how to raise it.
public struct ResourceLimitError: Error, CustomStringConvertible, Equatable, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// The memory one command may plan to use, checked before large allocations (network
/// weights, sweep grids, batches, repeated reads, decompressed archive entries).
///
/// The limit is `$AIMC_MEMORY_LIMIT` (bytes, or with a binary suffix `K`, `M`, `G`, `T`:
/// `AIMC_MEMORY_LIMIT=8G`), else 80 % of the machine's physical memory. Estimates are
/// deliberately rough (the largest arrays a step holds at once, times a stated factor);
/// they stop a 40 GB request from a small file, not a request a few per cent over.
public enum MemoryBudget {
    /// The environment variable that sets the limit.
    public static let environmentVariable = "AIMC_MEMORY_LIMIT"

    /// The limit in bytes.
    /// - Throws: `ResourceLimitError` when `$AIMC_MEMORY_LIMIT` is set but not a size.
    public static func limit() throws -> Int {
        if let raw = ProcessInfo.processInfo.environment[environmentVariable], !raw.isEmpty {
            guard let v = parseSize(raw), v > 0 else {
                throw ResourceLimitError("\(environmentVariable)=\(Clip.middle(raw, 40)): expected a size in bytes > 0, optionally with a suffix K, M, G or T (e.g. 8G)")
            }
            return v
        }
        return defaultLimit
    }

    /// 80 % of physical memory.
    public static var defaultLimit: Int {
        let physical = ProcessInfo.processInfo.physicalMemory
        return Int(clamping: physical / 5 * 4)
    }

    /// `bytes` (e.g. `"512M"`) as a byte count; nil when malformed or overflowing.
    public static func parseSize(_ text: String) -> Int? {
        var t = text.trimmingCharacters(in: .whitespaces).uppercased()
        if t.hasSuffix("B") { t.removeLast() }
        if t.hasSuffix("I") { t.removeLast() }  // GiB
        var scale = 1
        if let last = t.last, let p = ["K": 10, "M": 20, "G": 30, "T": 40][String(last)] {
            scale = 1 << p
            t.removeLast()
        }
        if let i = Int(t), i >= 0 {
            let (v, o) = i.multipliedReportingOverflow(by: scale)
            return o ? nil : v
        }
        if let d = Double(t), d.isFinite, d >= 0, d * Double(scale) < 9.2e18 { return Int(d * Double(scale)) }
        return nil
    }

    /// Checks that `bytes` fits the limit.
    /// - Parameters:
    ///   - bytes: the estimate (`Int.max` stands for "overflows").
    ///   - what: what needs the memory, e.g. "network.layers = [784, 100000, 10]".
    /// - Throws: `ResourceLimitError` naming `what`, the estimate and the limit.
    public static func check(_ bytes: Int, _ what: @autoclosure () -> String) throws {
        let cap = try limit()
        guard bytes > cap else { return }
        let source = ProcessInfo.processInfo.environment[environmentVariable].map { _ in "\(environmentVariable)" }
            ?? "the default, 80 % of physical memory; set \(environmentVariable) to change it"
        throw ResourceLimitError(
            "\(Clip.middle(what(), 300)) needs about \(format(bytes)) of memory, more than the limit of \(format(cap)) (\(source))")
    }

    /// The product of `factors`, or `Int.max` when it overflows (negative factors count as 0).
    public static func product(_ factors: Int...) -> Int { product(factors) }

    /// The product of `factors`, or `Int.max` when it overflows.
    public static func product(_ factors: [Int]) -> Int {
        var p = 1
        for f in factors {
            if f <= 0 { return 0 }
            let (v, o) = p.multipliedReportingOverflow(by: f)
            if o { return Int.max }
            p = v
        }
        return p
    }

    /// `a + b`, or `Int.max` when it overflows.
    public static func sum(_ a: Int, _ b: Int) -> Int {
        let (v, o) = a.addingReportingOverflow(b)
        return o ? Int.max : v
    }

    /// A byte count for people: `40.0 GB`, `512 MB`, or "more than 9.2 EB" for `Int.max`.
    public static func format(_ bytes: Int) -> String {
        if bytes == Int.max { return "more than 9.2 EB" }
        let units = ["bytes", "KB", "MB", "GB", "TB", "PB", "EB"]
        var v = Double(bytes)
        var u = 0
        while v >= 1000 && u < units.count - 1 {
            v /= 1000
            u += 1
        }
        return u == 0 ? "\(bytes) bytes" : String(format: v < 10 ? "%.1f %@" : "%.0f %@", v, units[u])
    }
}

/// Shortening long values for messages, so that an error never repeats a huge input.
public enum Clip {
    /// `text` when it has at most `max` characters, else its start and end around
    /// `… (N characters left out) …`.
    public static func middle(_ text: String, _ max: Int) -> String {
        guard text.count > max, max >= 20 else { return text }
        let keep = (max - 10) / 2
        return String(text.prefix(keep)) + " … (\(text.count - 2 * keep) characters left out) … " + String(text.suffix(keep))
    }

    /// Every line of `text` shortened to at most `max` characters.
    public static func lines(_ text: String, _ max: Int) -> String {
        guard text.utf8.count > max else { return text }
        return text.split(separator: "\n", omittingEmptySubsequences: false).map { middle(String($0), max) }.joined(separator: "\n")
    }
}

/// Reading a whole file with a size limit, so a huge file, a FIFO or `/dev/zero` given as
/// an input is refused instead of filling memory.
public enum BoundedFile {
    /// The contents of `path`, or nil when it is missing, a directory or unreadable.
    /// - Parameters:
    ///   - limit: the most bytes accepted.
    ///   - what: what the file is, for the message (e.g. "config file").
    /// - Throws: `ResourceLimitError` naming the path, its size and the limit.
    public static func read(_ path: String, limit: Int, what: String) throws -> Data? {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue else { return nil }
        if let attributes = try? FileManager.default.attributesOfItem(atPath: path),
            (attributes[.type] as? FileAttributeType) == .typeRegular,
            let size = (attributes[.size] as? NSNumber)?.intValue, size > limit {
            throw ResourceLimitError("\(Clip.middle(path, 300)): \(MemoryBudget.format(size)), more than the \(MemoryBudget.format(limit)) accepted for a \(what)")
        }
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        var data = Data()
        while true {
            let chunk: Data
            do {
                chunk = try handle.read(upToCount: min(1 << 20, limit + 1 - data.count)) ?? Data()
            } catch {
                return nil
            }
            if chunk.isEmpty { break }
            data.append(chunk)
            if data.count > limit {
                throw ResourceLimitError("\(Clip.middle(path, 300)): more than the \(MemoryBudget.format(limit)) accepted for a \(what)")
            }
        }
        return data
    }
}

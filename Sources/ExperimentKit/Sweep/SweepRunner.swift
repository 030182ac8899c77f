import Foundation
import Networks
import NumericKernels

/// One point of a sweep: the assignments it makes and its fully resolved config.
public struct SweepPoint: Sendable {
    /// Position in the expansion order.
    public let index: Int
    /// Axis key → value (YAML text), in axis order.
    public let assignments: [(key: String, value: String)]
    public let config: ExperimentConfig
    /// FNV-1a 64 hash of the point's resolved config (hex): the key under which its result
    /// is stored and found again when a sweep is resumed.
    public let hash: String
}

/// One finished point as stored, one JSON object per line, in `points*.jsonl`.
public struct PointRecord: Codable, Sendable {
    public var hash: String
    public var index: Int
    public var axes: [String: String]
    public var summary: RunSummary
}

/// Runs sweeps: expands and validates every point before any work starts, runs the points
/// of a shard that are not finished yet (appending each result atomically), and
/// combines the records of all shards into the sweep's outputs.
///
/// Layout of `<output_dir>/<experiment>/sweep-<axes>/` (`folderName`): `points.jsonl` (or
/// `points-<i>-of-<N>.jsonl` per shard), and after `finalize`: `sweep.csv` (tidy: one row
/// per point × repeat × evaluation time × compensation), `summary.json` and `table.txt`
/// (figures: `aimc plot`, from `sweep.csv`).
public final class SweepRunner {
    public let configPath: String
    public let spec: SweepSpec
    public let points: [SweepPoint]
    public let directory: URL
    public var log: (String) -> Void

    /// - Throws: `ConfigError` for any invalid axis key or value (naming the point and
    ///   allowed values) before anything runs.
    public init(configPath: String, overrides: [String], spec: SweepSpec, log: @escaping (String) -> Void = { _ in }) throws {
        self.configPath = configPath
        self.spec = spec
        self.log = log
        let circuits = ConfigLoader.circuitsRoot(near: URL(fileURLWithPath: configPath).deletingLastPathComponent())
        let base = try ExperimentConfig.load(path: configPath, overrides: overrides)
        directory = base.resultsDirectory.appendingPathComponent(SweepRunner.folderName(spec))
        try spec.checkSize()
        let assignmentsList = spec.isEmpty ? [[]] : spec.points()
        var pts: [SweepPoint] = []
        for (i, assignments) in assignmentsList.enumerated() {
            var sets = overrides
            for (k, v) in assignments { sets += try SweepRunner.expandAlias(key: k, value: v, circuits: circuits) }
            let cfg: ExperimentConfig
            do {
                cfg = try ExperimentConfig.load(path: configPath, overrides: sets)
            } catch let e as ConfigError {
                throw ConfigError("sweep point \(i) (\(assignments.map { "\($0.key)=\($0.value)" }.joined(separator: ", "))): \(e.message)")
            }
            pts.append(SweepPoint(index: i, assignments: assignments, config: cfg, hash: try SweepRunner.hash(cfg)))
        }
        points = pts
    }

    /// The sweep's folder, named by its axes so that sweeps over other axes keep their own
    /// outputs: `sweep` without axes, else `sweep-<key>+<key>…` (keys in axis order,
    /// characters other than letters, digits, `.`, `_`, `-` replaced by `_`; names over 100
    /// characters end in an FNV-1a hash of the full key list).
    public static func folderName(_ spec: SweepSpec) -> String {
        guard !spec.keys.isEmpty else { return "sweep" }
        let joined = spec.keys.joined(separator: "+")
        let safe = String(joined.unicodeScalars.map { s -> Character in
            (s.properties.isAlphabetic && s.isASCII) || ("0"..."9").contains(s) || ".+_-".unicodeScalars.contains(s) ? Character(s) : "_"
        })
        guard safe.count > 100 else { return "sweep-" + safe }
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in joined.utf8 {
            h ^= UInt64(b)
            h = h &* 0x100_0000_01b3
        }
        return "sweep-" + safe.prefix(80) + "-" + String(format: "%016llx", h)
    }

    /// The lock held while `run` runs points (released when it returns or the process exits).
    private var lockDescriptor: Int32 = -1

    /// Takes the lock of one points file (`.lock-<points file>`), so that a second identical
    /// sweep started in the same folder does not compute every point again.
    /// - Throws: `ConfigError` naming the folder when another process holds it.
    func lock(_ pointsFile: URL) throws {
        guard lockDescriptor < 0 else { return }
        lockDescriptor = try SweepRunner.takeLock(
            directory.appendingPathComponent(".lock-" + pointsFile.lastPathComponent),
            held: "another aimc sweep is running the same points in \(directory.path)",
            advice: "wait for it to finish, or stop it — a rerun afterwards skips its finished points")
    }

    /// Releases the lock of `lock(_:)` (closing its descriptor; exiting releases it too).
    func unlock() {
        guard lockDescriptor >= 0 else { return }
        close(lockDescriptor)
        lockDescriptor = -1
    }

    /// Takes an exclusive `flock` on `path` (created if needed) without waiting; the caller
    /// closes the returned descriptor to release it (exiting releases it too).
    /// - Throws: `ConfigError` "`held` (lock …); `advice`" when another process holds it.
    static func takeLock(_ url: URL, held: String, advice: String) throws -> Int32 {
        let fd = open(url.path, O_CREAT | O_RDWR | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw ConfigError("cannot create the lock file \(url.path): \(String(cString: strerror(errno)))") }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            close(fd)
            throw ConfigError("\(held) (lock \(url.path)); \(advice)")
        }
        return fd
    }

    /// `device=NAME` loads `Circuits/devices/NAME.yaml` into `hardware.device`
    /// (`ConfigLoader.deviceOverrides`); any other key is a plain override.
    static func expandAlias(key: String, value: String, circuits: URL) throws -> [String] {
        key == "device" ? try ConfigLoader.deviceOverrides(value, circuits: circuits) : ["\(key)=\(value)"]
    }

    static func hash(_ c: ExperimentConfig) throws -> String {
        let text = try c.resolvedYAML().split(separator: "\n").filter { !$0.hasPrefix("#") }.joined(separator: "\n")
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in text.utf8 {
            h ^= UInt64(b)
            h = h &* 0x100_0000_01b3
        }
        return String(format: "%016llx", h)
    }

    /// The records already stored in `directory` (every `points*.jsonl`), by hash.
    /// Lines that do not parse (a write cut short by a kill) are ignored.
    public func finishedRecords() -> [String: PointRecord] {
        var out: [String: PointRecord] = [:]
        let files = ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? [])
            .filter { $0.hasPrefix("points") && $0.hasSuffix(".jsonl") }.sorted()
        let d = JSONDecoder()
        d.keyDecodingStrategy = .convertFromSnakeCase
        for f in files {
            guard let data = FileManager.default.contents(atPath: directory.appendingPathComponent(f).path) else { continue }
            for line in data.split(separator: UInt8(ascii: "\n")) {
                if let r = try? d.decode(PointRecord.self, from: Data(line)), out[r.hash] == nil { out[r.hash] = r }
            }
        }
        return out
    }

    /// Indices of the points of shard `i` of `n` (every n-th point from i).
    public func shardIndices(_ shard: (index: Int, count: Int)?) -> [Int] {
        guard let s = shard else { return Array(points.indices) }
        return points.indices.filter { $0 % s.count == s.index }
    }

    /// Runs every point of the shard that has no stored record; returns how many ran.
    /// - Throws: whatever a point's run throws; finished points stay stored.
    @discardableResult
    public func run(shard: (index: Int, count: Int)? = nil, progress: ProgressReporter? = nil) throws -> Int {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let file = directory.appendingPathComponent(shard.map { "points-\($0.index)-of-\($0.count).jsonl" } ?? "points.jsonl")
        try lock(file)
        defer { unlock() }
        let done = finishedRecords()
        let mine = shardIndices(shard)
        let todo = mine.filter { done[points[$0].hash] == nil }
        let skipped = mine.count - todo.count
        if skipped > 0 { log("sweep: \(skipped) of \(mine.count) points already finished, skipping them") }
        progress?.update(done: skipped, skipped: skipped)
        let e = JSONEncoder()
        e.keyEncodingStrategy = .convertToSnakeCase
        e.outputFormatting = [.sortedKeys]
        var ran = 0
        for i in todo {
            try Interruption.checkpoint()  // Ctrl-C: finished points are stored; stop before the next
            let p = points[i]
            let s = try ExperimentRunner(config: p.config, log: { _ in }).run(write: false)
            var axes: [String: String] = [:]
            for (k, v) in p.assignments { axes[k] = v }
            var line = try e.encode(PointRecord(hash: p.hash, index: p.index, axes: axes, summary: s))
            line.append(UInt8(ascii: "\n"))
            try SweepRunner.append(line, to: file)
            ran += 1
            progress?.update(done: skipped + ran, skipped: skipped, note: p.assignments.map { "\($0.key)=\($0.value)" }.joined(separator: " "))
        }
        return ran
    }

    /// Appends one record with a single `write(2)` and `fsync`; a torn line left by an
    /// earlier kill is first closed with a newline so that it cannot swallow this one.
    static func append(_ data: Data, to url: URL) throws {
        let fd = open(url.path, O_WRONLY | O_APPEND | O_CREAT, 0o644)
        guard fd >= 0 else { throw ConfigError("\(url.path): cannot open for appending (errno \(errno))") }
        defer { close(fd) }
        var payload = data
        let size = lseek(fd, 0, SEEK_END)
        if size > 0 {
            let rfd = open(url.path, O_RDONLY)
            if rfd >= 0 {
                var last: UInt8 = 0
                if pread(rfd, &last, 1, size - 1) == 1, last != UInt8(ascii: "\n") { payload.insert(UInt8(ascii: "\n"), at: 0) }
                close(rfd)
            }
        }
        let n = payload.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        guard n == payload.count else { throw ConfigError("\(url.path): short write (\(n) of \(payload.count) bytes)") }
        fsync(fd)
    }

    /// Writes the sweep's outputs from the stored records of every point, as one set with
    /// `manifest.json` last, holding the folder's `.lock-outputs` while it writes.
    /// - Throws: `ConfigError` listing missing points when some have not run yet, or naming
    ///   the lock when another merge writes the outputs.
    @discardableResult
    public func finalize() throws -> SweepResults {
        // One writer of the outputs at a time: two merges (or a merge and the end of an
        // unsharded sweep) would otherwise interleave their renames.
        // (No folder: nothing ran, which the check below reports without creating one.)
        let fd = FileManager.default.fileExists(atPath: directory.path)
            ? try SweepRunner.takeLock(
                directory.appendingPathComponent(".lock-outputs"),
                held: "another aimc merge or sweep is writing the outputs of \(directory.path)",
                advice: "wait for it to finish; its outputs are the same") : -1
        defer { if fd >= 0 { close(fd) } }
        let records = finishedRecords()
        let missing = points.filter { records[$0.hash] == nil }
        if !missing.isEmpty {
            throw ConfigError("sweep not complete: \(missing.count) of \(points.count) points have no result yet (first: point \(missing[0].index)); run the remaining shards, or `aimc sweep` without --shard")
        }
        let results = SweepResults(spec: spec, points: points, records: points.map { records[$0.hash]! }, experiment: points.first?.config.name ?? "sweep")
        try results.write(to: directory)
        return results
    }
}

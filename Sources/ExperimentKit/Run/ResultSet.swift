import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Foundation's file errors (`NSCocoaErrorDomain Code=4 …`, `Code=512 "(null)"`) as a
/// sentence naming the path and the operating system's reason; other errors unchanged.
public enum FileErrorText {
    public static func describe(_ error: Error) -> String {
        let ns = error as NSError
        guard ns.domain == NSCocoaErrorDomain || ns.domain == NSPOSIXErrorDomain else { return "\(error)" }
        let path = (ns.userInfo[NSFilePathErrorKey] as? String) ?? (ns.userInfo[NSURLErrorKey] as? URL)?.path
        let verb = (NSFileReadUnknownError...NSFileReadUnknownError + 255).contains(ns.code) ? "cannot read" : "cannot write"
        var isDirectory: ObjCBool = false
        if let path, FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            return "\(verb) \(path): it is a directory, not a file"
        }
        return "\(verb) \(path ?? "a file"): \(ResultSet.reason(error))"
    }
}

/// Writes the files of one run's results as one set, so that a kill never leaves
/// `analog.csv` of one run beside `summary.json` of another without saying so.
///
/// Protocol ("manifest written last"): every file and `manifest.json` are written and
/// flushed in a hidden staging folder `.staging-<pid>-<UUID>` inside the results folder;
/// the old `manifest.json` is removed; each file is renamed into place (`rename(2)`, atomic
/// per file); the new manifest (run id, each file's size and FNV-1a 64 hash) is renamed in
/// last. A folder whose `manifest.json` is present holds one complete set; one without it
/// was cut short. Staging folders and `.<name>.<UUID>.tmp` files left by killed processes
/// are removed by the next write.
public enum ResultSet {
    /// The manifest's file name.
    public static let manifestName = "manifest.json"

    /// Writes `files` (name → contents) into `directory` (created if needed) as one set.
    /// - Throws: `ConfigError` naming the folder and the operating system's reason.
    public static func write(_ files: [(name: String, data: Data)], to directory: URL) throws {
        let fm = FileManager.default
        do {
            try fm.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw ConfigError("cannot create the results folder \(directory.path): \(reason(error))")
        }
        removeLeftovers(in: directory)
        let runID = UUID().uuidString
        let staging = directory.appendingPathComponent(".staging-\(getpid())-\(runID)")
        defer { try? fm.removeItem(at: staging) }
        do {
            try fm.createDirectory(at: staging, withIntermediateDirectories: false)
        } catch {
            throw ConfigError("cannot write results in \(directory.path): \(reason(error))")
        }
        var entries: [String] = []
        for (name, data) in files {
            try put(data, staging.appendingPathComponent(name), folder: directory)
            entries.append("    \"\(name)\": {\"bytes\": \(data.count), \"fnv1a64\": \"\(fnv1a64(data))\"}")
        }
        let manifest = "{\n  \"run_id\": \"\(runID)\",\n  \"files\": {\n" + entries.joined(separator: ",\n") + "\n  }\n}\n"
        try put(Data(manifest.utf8), staging.appendingPathComponent(manifestName), folder: directory)
        _ = unlink(directory.appendingPathComponent(manifestName).path)
        for name in files.map(\.name) + [manifestName] {
            guard rename(staging.appendingPathComponent(name).path, directory.appendingPathComponent(name).path) == 0 else {
                throw ConfigError("cannot write \(directory.appendingPathComponent(name).path): \(String(cString: strerror(errno)))")
            }
        }
        let fd = open(directory.path, O_RDONLY)
        if fd >= 0 {
            _ = fsync(fd)
            _ = close(fd)
        }
    }

    /// Writes and flushes one staged file.
    static func put(_ data: Data, _ url: URL, folder: URL) throws {
        do {
            try data.write(to: url, options: [.withoutOverwriting])
        } catch {
            throw ConfigError("cannot write results in \(folder.path): \(reason(error))")
        }
        let fd = open(url.path, O_RDONLY)
        if fd >= 0 {
            _ = fsync(fd)
            _ = close(fd)
        }
    }

    /// Removes staging folders of processes that no longer run, and temporary files of
    /// `AtomicFile` older than ten minutes.
    static func removeLeftovers(in directory: URL) {
        let fm = FileManager.default
        for name in (try? fm.contentsOfDirectory(atPath: directory.path)) ?? [] {
            let url = directory.appendingPathComponent(name)
            if name.hasPrefix(".staging-") {
                let parts = name.split(separator: "-")
                if parts.count > 2, let pid = Int32(parts[1]), kill(pid, 0) != 0, errno == ESRCH {
                    try? fm.removeItem(at: url)
                }
            } else if name.hasPrefix("."), name.hasSuffix(".tmp"),
                let modified = (try? fm.attributesOfItem(atPath: url.path))?[.modificationDate] as? Date,
                Date().timeIntervalSince(modified) > 600 {
                try? fm.removeItem(at: url)
            }
        }
    }

    /// FNV-1a 64 of `data`, hex.
    static func fnv1a64(_ data: Data) -> String {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in data {
            h ^= UInt64(b)
            h = h &* 0x100_0000_01b3
        }
        return String(format: "%016llx", h)
    }

    /// The operating system's reason in an error, without Foundation's domain and code.
    static func reason(_ error: Error) -> String {
        let ns = error as NSError
        if let underlying = ns.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(underlying.code)))
        }
        if ns.domain == NSPOSIXErrorDomain { return String(cString: strerror(Int32(ns.code))) }
        switch ns.code {
        case NSFileWriteNoPermissionError, NSFileReadNoPermissionError: return "permission denied"
        case NSFileWriteOutOfSpaceError: return "no space left on the device"
        case NSFileNoSuchFileError, NSFileReadNoSuchFileError: return "no such file or folder"
        case NSFileWriteFileExistsError: return "a file of that name exists"
        default: return ns.localizedDescription
        }
    }
}

import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Writes files so that readers see either the old contents or the new, never a mix.
///
/// The data go to a hidden temporary file in the destination's directory
/// (`.<name>.<UUID>.tmp`), are flushed to disk with `fsync(2)`, and the temporary
/// file is then renamed over the destination with `rename(2)`, which POSIX makes
/// atomic within one file system. Used for `.npy`, `.npz` and experiment results.
public enum AtomicFile {
    /// Atomically replaces (or creates) the file at `url` with `data`.
    ///
    /// - Parameters:
    ///   - data: the complete new contents.
    ///   - url: a file URL whose directory already exists.
    /// - Throws: `NetworksError(.io)` naming the path and the operating system's reason
    ///   when the directory is missing or not writable, or the disk is full. The
    ///   temporary file is removed on failure and the destination is left untouched.
    public static func write(_ data: Data, to url: URL) throws {
        let destination = url.standardizedFileURL
        let directory = destination.deletingLastPathComponent()
        let temporary = directory.appendingPathComponent(
            ".\(destination.lastPathComponent).\(UUID().uuidString).tmp")
        do {
            try data.write(to: temporary, options: [.withoutOverwriting])
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            var isDirectory: ObjCBool = false
            let directoryExists = FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory)
            let reason =
                directoryExists && isDirectory.boolValue
                ? error.localizedDescription : "directory \(directory.path) does not exist"
            throw NetworksError(.io, "cannot write \(destination.path): \(reason)")
        }
        let descriptor = open(temporary.path, O_RDONLY)
        if descriptor >= 0 {
            _ = fsync(descriptor)
            _ = close(descriptor)
        }
        guard rename(temporary.path, destination.path) == 0 else {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(at: temporary)
            throw NetworksError(.io, "cannot write \(destination.path): \(reason)")
        }
    }
}

import Foundation
import NumericKernels
import ZIPFoundation

/// Reads and writes NumPy `.npz` archives, the format of `numpy.savez` and
/// `numpy.savez_compressed`: a zip file whose entries are `.npy` files named
/// `<array name>.npy` (NEP 1 and the `numpy.lib.format` documentation).
///
/// The zip container is handled by ZIPFoundation, which reads both stored
/// (`savez`) and deflated (`savez_compressed`) entries and the ZIP64 extra fields
/// NumPy always writes.
public enum NPZ {
    /// Reads every array of a `.npz` archive.
    ///
    /// - Parameter url: the archive.
    /// - Returns: arrays keyed by entry name without the `.npy` suffix
    ///   (`"W0.npy"` → `"W0"`), as `numpy.load(url)[name]` would give them.
    /// - Throws: `NetworksError(.io)` when the file cannot be read;
    ///   `NetworksError(.fileFormat)` naming the archive (and the entry, where one is
    ///   at fault) when it is not a zip file, an entry cannot be extracted (bad CRC,
    ///   corrupt deflate stream, unsupported compression), two entries share a name,
    ///   or an entry is not a valid `.npy` file.
    public static func read(_ url: URL) throws -> [String: NumpyArray] {
        let path = url.path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue else {
            throw NetworksError(.io, "cannot read \(path): no such file")
        }
        let archive: Archive
        do {
            archive = try Archive(url: url, accessMode: .read)
        } catch {
            throw NetworksError(.fileFormat, "\(path): not a valid .npz (zip) archive: \(error)")
        }
        return try arrays(of: archive, path: path)
    }

    /// Every array of a `.npz` archive held in memory (`name` names it in errors), read
    /// through a temporary file by the same code as `read(_:)` (ZIPFoundation's in-memory
    /// archive traps on an entry that points past the end of the data, found by make fuzz).
    /// - Throws: the errors of `read(_:)`.
    public static func decode(_ data: Data, name: String) throws -> [String: NumpyArray] {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("aimc-npz-\(UUID().uuidString).npz")
        do {
            try data.write(to: url)
        } catch {
            throw NetworksError(.io, "\(name): cannot stage the archive in \(url.path): \(error.localizedDescription)")
        }
        defer { try? FileManager.default.removeItem(at: url) }
        let archive: Archive
        do {
            archive = try Archive(url: url, accessMode: .read)
        } catch {
            throw NetworksError(.fileFormat, "\(name): not a valid .npz (zip) archive: \(error)")
        }
        return try arrays(of: archive, path: name)
    }

    static func arrays(of archive: Archive, path: String) throws -> [String: NumpyArray] {
        var arrays: [String: NumpyArray] = [:]
        // Decompressed sizes are checked against the memory limit before and while
        // inflating: a few MB of deflate data can claim (or hold) gigabytes.
        let cap: Int
        do { cap = try MemoryBudget.limit() } catch let e as ResourceLimitError { throw NetworksError(.io, e.message) }
        var inflated = 0
        for entry in archive where entry.type == .file {
            let entryName = entry.path
            let name = entryName.hasSuffix(".npy") ? String(entryName.dropLast(4)) : entryName
            let declared = Int(clamping: entry.uncompressedSize)
            guard declared <= cap - inflated else {
                throw NetworksError(
                    .fileFormat,
                    "\(path): entry '\(Clip.middle(entryName, 200))' inflates to \(MemoryBudget.format(declared)), more than the memory limit "
                        + "of \(MemoryBudget.format(cap)) (\(MemoryBudget.environmentVariable)) leaves for it")
            }
            var contents = Data()
            let checksum: CRC32
            do {
                checksum = try archive.extract(entry, skipCRC32: false) { chunk in
                    guard contents.count + chunk.count <= declared else { throw OverLong() }
                    contents.append(chunk)
                }
            } catch is OverLong {
                throw NetworksError(
                    .fileFormat, "\(path): entry '\(Clip.middle(entryName, 200))' inflates to more than the \(declared) bytes the archive records")
            } catch {
                throw NetworksError(
                    .fileFormat, "\(path): entry '\(entryName)' cannot be extracted: \(error)")
            }
            // `Archive.extract(_:consumer:)` returns the CRC-32 it computed but leaves
            // comparing it with the recorded one to the caller.
            guard checksum == entry.checksum else {
                throw NetworksError(
                    .fileFormat,
                    "\(path): entry '\(entryName)' is corrupt: CRC-32 of the extracted data is "
                        + "\(hex(checksum)), the archive records \(hex(entry.checksum))")
            }
            guard UInt64(contents.count) == entry.uncompressedSize else {
                throw NetworksError(
                    .fileFormat,
                    "\(path): entry '\(entryName)' is truncated: expected \(entry.uncompressedSize) bytes, "
                        + "found \(contents.count)")
            }
            guard arrays[name] == nil else {
                throw NetworksError(.fileFormat, "\(path): two entries hold the array '\(name)'")
            }
            inflated += contents.count
            arrays[name] = try NPY.decode(contents, name: "\(path) entry '\(entryName)'")
        }
        return arrays
    }

    /// Writes arrays to a `.npz` archive that `numpy.load` reads, atomically.
    ///
    /// Entries are stored uncompressed, in the given order, as `<name>.npy`, each
    /// encoded by `NPY.encode`, with a fixed timestamp (2000-01-01) so equal arrays
    /// give byte-identical archives (zip stores local time, so within one time zone).
    ///
    /// - Parameters:
    ///   - arrays: `(name, array)` pairs; names are unique and carry no `.npy` suffix.
    ///   - url: the archive to create or replace; its directory must exist.
    /// - Throws: `NetworksError(.fileFormat)` naming the archive for an empty or
    ///   duplicate name; `NetworksError(.io)` when the file cannot be written.
    public static func write(_ arrays: [(String, NumpyArray)], to url: URL) throws {
        let path = url.path
        var seen = Set<String>()
        for (name, _) in arrays {
            guard !name.isEmpty else { throw NetworksError(.fileFormat, "\(path): an array name is empty") }
            guard seen.insert(name).inserted else {
                throw NetworksError(.fileFormat, "\(path): the array name '\(name)' is used twice")
            }
        }
        let data: Data
        do {
            let archive = try Archive(data: Data(), accessMode: .create)
            for (name, array) in arrays {
                let entry = NPY.encode(array)
                try archive.addEntry(
                    with: name + ".npy", type: .file, uncompressedSize: Int64(entry.count),
                    modificationDate: fixedTimestamp, compressionMethod: .none
                ) { position, size in
                    entry.subdata(in: Int(position)..<(Int(position) + size))
                }
            }
            guard let bytes = archive.data else {
                throw NetworksError(.io, "cannot write \(path): the in-memory zip archive is missing")
            }
            data = bytes
        } catch let error as NetworksError {
            throw error
        } catch {
            throw NetworksError(.io, "cannot write \(path): building the zip archive failed: \(error)")
        }
        try AtomicFile.write(data, to: url)
    }

    private struct OverLong: Error {}

    private static func hex(_ value: CRC32) -> String { "0x" + String(value, radix: 16, uppercase: false) }

    /// 2000-01-01 12:00 UTC: a date that is valid in the DOS format in every time zone.
    private static let fixedTimestamp = Date(timeIntervalSince1970: 946_728_000)
}

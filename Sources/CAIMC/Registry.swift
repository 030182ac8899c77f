import Crossbar
import Energy
import ExperimentKit
import Foundation

/// Status codes of the C interface (`aimc_status` in include/aimc.h).
enum Status: Int32 {
    case ok = 0
    case argument = 1
    case shape = 2
    case nonFinite = 3
    case handle = 4
    case config = 5
    case simulation = 6
    case io = 7
}

/// A failure of a C entry point: its status code and message.
struct APIError: Error {
    let status: Status
    let message: String
    init(_ status: Status, _ message: String) {
        self.status = status
        self.message = message
    }
}

/// A loaded hardware description.
final class HardwareObject: @unchecked Sendable {
    let spec: HardwareSpec
    let energyModel: AnalogEnergyModel?
    let file: String
    init(spec: HardwareSpec, energyModel: AnalogEnergyModel?, file: String) {
        self.spec = spec
        self.energyModel = energyModel
        self.file = file
    }
}

/// Programmed weights and their state; `lock` serialises calls on one handle.
final class TileObject: @unchecked Sendable {
    let lock = NSLock()
    var session: AnalogMVM
    var lastError = ""
    init(_ session: AnalogMVM) { self.session = session }
}

/// Handles → objects. A handle is never reused, so a freed handle stays an error.
final class Registry: @unchecked Sendable {
    static let shared = Registry()
    private let lock = NSLock()
    private var next: Int64 = 1
    private var objects: [Int64: AnyObject] = [:]

    func insert(_ o: AnyObject) -> Int64 {
        lock.lock()
        defer { lock.unlock() }
        let h = next
        next += 1
        objects[h] = o
        return h
    }

    func get<T: AnyObject>(_ h: Int64, as: T.Type, kind: String) throws -> T {
        lock.lock()
        let o = objects[h]
        lock.unlock()
        guard let o else {
            throw APIError(.handle, "\(kind) handle \(h) is unknown or was freed")
        }
        guard let t = o as? T else {
            throw APIError(.handle, "handle \(h) is not a \(kind) handle")
        }
        return t
    }

    func remove<T: AnyObject>(_ h: Int64, as: T.Type, kind: String) throws {
        _ = try get(h, as: T.self, kind: kind)
        lock.lock()
        objects[h] = nil
        lock.unlock()
    }
}

/// The calling thread's last error message.
enum LastError {
    static let key = "aimc.last_error"
    static func set(_ message: String) {
        Thread.current.threadDictionary[key] = message
    }
    static var message: String {
        (Thread.current.threadDictionary[key] as? String) ?? ""
    }
}

/// Runs an entry point's body: thrown errors become a status code and the thread's (and
/// the tile's) last error message.
func guarded(tile: TileObject? = nil, _ body: () throws -> Void) -> Int32 {
    do {
        try body()
        return Status.ok.rawValue
    } catch {
        let (status, message) = classify(error)
        LastError.set(message)
        tile?.lastError = message
        return status.rawValue
    }
}

/// The status and message of a library error.
func classify(_ error: Error) -> (Status, String) {
    switch error {
    case let e as APIError:
        return (e.status, e.message)
    case let e as ConfigError:
        return (.config, e.message)
    case let e as CrossbarError:
        let nonFinite = e.message.contains("must be finite")
        return (nonFinite ? .nonFinite : .simulation, e.message)
    case let e as EnergyError:
        return (.simulation, e.message)
    case let e as CocoaError:
        return (.io, "\(e)")
    default:
        return (.simulation, "\(error)")
    }
}

/// Copies `s` NUL-terminated into `buf` (at most `size` bytes); returns its full UTF-8 length.
func copyString(_ s: String, _ buf: UnsafeMutablePointer<CChar>?, _ size: Int) -> Int {
    let bytes = Array(s.utf8)
    if let buf, size > 0 {
        let n = min(bytes.count, size - 1)
        for i in 0..<n { buf[i] = CChar(bitPattern: bytes[i]) }
        buf[n] = 0
    }
    return bytes.count
}

/// A `malloc`ed copy of `s` for the caller (freed with `aimc_string_free`).
func returnString(_ s: String, _ out: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) throws {
    guard let out else { throw APIError(.argument, "json_out is NULL") }
    out.pointee = strdup(s)
}

/// `n` C strings as Swift strings.
func strings(_ p: UnsafePointer<UnsafePointer<CChar>?>?, _ n: Int64, name: String) throws -> [String] {
    guard n >= 0 else { throw APIError(.argument, "\(name): count \(n) is negative") }
    if n == 0 { return [] }
    guard let p else { throw APIError(.argument, "\(name) is NULL but its count is \(n)") }
    return try (0..<Int(n)).map { i in
        guard let s = p[i] else { throw APIError(.argument, "\(name)[\(i)] is NULL") }
        return String(cString: s)
    }
}

/// A required C string.
func string(_ p: UnsafePointer<CChar>?, name: String) throws -> String {
    guard let p else { throw APIError(.argument, "\(name) is NULL") }
    return String(cString: p)
}

/// JSON text of an encodable value, snake_case keys.
func jsonText<T: Encodable>(_ value: T) throws -> String {
    let e = JSONEncoder()
    e.keyEncodingStrategy = .convertToSnakeCase
    e.outputFormatting = [.sortedKeys]
    e.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    return String(decoding: try e.encode(value), as: UTF8.self)
}

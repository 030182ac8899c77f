import Foundation
import NumericKernels

// Test support shared by every test target (house style habit 14): the repository root,
// temporary folders, a process runner, dataset and tool probes, random matrices and the
// exact MVM reference.

/// The repository root, found from this file's path.
public let repositoryRoot: URL = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// Whether the Fashion-MNIST Debian package is installed (`make test` installs it).
public let fashionMNISTAvailable = FileManager.default.fileExists(atPath: "/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz")
    || ProcessInfo.processInfo.environment["AIMC_FASHION_MNIST_DIR"] != nil

/// A fresh temporary directory.
public func temporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("aimc-test-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// Writes `text` to `name` in `dir` and returns its path.
@discardableResult
public func writeFile(_ dir: URL, _ name: String, _ text: String) throws -> String {
    let url = dir.appendingPathComponent(name)
    try text.write(to: url, atomically: true, encoding: .utf8)
    return url.path
}

/// Every YAML file under a folder of the repository.
public func yamlFiles(under folder: String) -> [String] {
    let root = repositoryRoot.appendingPathComponent(folder)
    guard let e = FileManager.default.enumerator(atPath: root.path) else { return [] }
    return e.compactMap { $0 as? String }.filter { $0.hasSuffix(".yaml") }.sorted().map { root.appendingPathComponent($0).path }
}

/// The built `aimc` executable next to the test bundle, or in .build/{release,debug}.
public func aimcExecutable() -> URL? {
    var candidates: [URL] = []
    let arg0 = URL(fileURLWithPath: CommandLine.arguments[0])
    var dir = arg0.deletingLastPathComponent()
    for _ in 0..<4 {
        candidates.append(dir.appendingPathComponent("aimc"))
        dir = dir.deletingLastPathComponent()
    }
    candidates += ["release", "debug"].map { repositoryRoot.appendingPathComponent(".build/\($0)/aimc") }
    return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) }
}

/// Runs a process and returns (exit status, stdout, stderr).
public func runProcess(_ exe: URL, _ args: [String], cwd: URL? = nil, environment: [String: String] = [:]) throws -> (Int32, String, String) {
    let p = Process()
    p.executableURL = exe
    p.arguments = args
    if let cwd { p.currentDirectoryURL = cwd }
    if !environment.isEmpty { p.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
    let out = Pipe(), err = Pipe()
    p.standardOutput = out
    p.standardError = err
    try p.run()
    let o = out.fileHandleForReading.readDataToEndOfFile()
    let e = err.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
}

/// Whether `/usr/bin/python3` imports every one of `modules` (Debian's python3-* packages).
public func python3Has(_ modules: String...) -> Bool {
    guard FileManager.default.isExecutableFile(atPath: "/usr/bin/python3") else { return false }
    let code = modules.map { "import \($0)" }.joined(separator: "; ")
    return (try? runProcess(URL(fileURLWithPath: "/usr/bin/python3"), ["-c", code]))?.0 == 0
}

/// A `[rows × columns]` matrix of uniforms in [lo, hi) from a fixed seed.
public func randomMatrix(_ rows: Int, _ columns: Int, seed: UInt64, _ lo: Float = -1, _ hi: Float = 1) -> Matrix {
    var g = Xoshiro256(seed: seed)
    return Matrix(rows: rows, columns: columns, values: (0..<(rows * columns)).map { _ in lo + (hi - lo) * g.nextUniform() })
}

/// The exact MVM reference: x·Wᵀ in Double `[batch × outputs]` for x `[batch × inputs]`
/// and W `[outputs × inputs]`, and Σᵢ|wⱼᵢ·xᵢ| per element (the scale of rounding errors).
public func exactMVM(_ x: Matrix, _ w: Matrix) -> (value: [Double], scale: [Double]) {
    var v = [Double](repeating: 0, count: x.rows * w.rows), s = v
    for b in 0..<x.rows {
        for j in 0..<w.rows {
            var a = 0.0, t = 0.0
            for i in 0..<x.columns {
                let p = Double(w[j, i]) * Double(x[b, i])
                a += p
                t += abs(p)
            }
            v[b * w.rows + j] = a
            s[b * w.rows + j] = t
        }
    }
    return (v, s)
}

/// Largest |y − exact| / scale over the elements of `y` (see `exactMVM`).
public func worstRelativeError(_ y: Matrix, _ e: (value: [Double], scale: [Double])) -> Double {
    var worst = 0.0
    for (g, (v, s)) in zip(y.values, zip(e.value, e.scale)) {
        let d = abs(Double(g) - v)
        worst = max(worst, s > 0 ? d / s : (d == 0 ? 0 : .infinity))
    }
    return worst
}

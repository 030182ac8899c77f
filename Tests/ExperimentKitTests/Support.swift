import Foundation

/// The repository root, found from this file's path.
let repositoryRoot: URL = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// Whether the Fashion-MNIST Debian package is installed (`make test` installs it).
let fashionMNISTAvailable = FileManager.default.fileExists(atPath: "/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz")
    || ProcessInfo.processInfo.environment["AIMC_FASHION_MNIST_DIR"] != nil

/// A fresh temporary directory.
func temporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("aimc-test-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// Writes `text` to `name` in `dir` and returns its path.
func writeFile(_ dir: URL, _ name: String, _ text: String) throws -> String {
    let url = dir.appendingPathComponent(name)
    try text.write(to: url, atomically: true, encoding: .utf8)
    return url.path
}

/// Every YAML file under a folder of the repository.
func yamlFiles(under folder: String) -> [String] {
    let root = repositoryRoot.appendingPathComponent(folder)
    guard let e = FileManager.default.enumerator(atPath: root.path) else { return [] }
    return e.compactMap { $0 as? String }.filter { $0.hasSuffix(".yaml") }.sorted().map { root.appendingPathComponent($0).path }
}

/// The built `aimc` executable next to the test bundle, or in .build/{release,debug}.
func aimcExecutable() -> URL? {
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
func runProcess(_ exe: URL, _ args: [String], cwd: URL? = nil) throws -> (Int32, String, String) {
    let p = Process()
    p.executableURL = exe
    p.arguments = args
    if let cwd { p.currentDirectoryURL = cwd }
    let out = Pipe(), err = Pipe()
    p.standardOutput = out
    p.standardError = err
    try p.run()
    let o = out.fileHandleForReading.readDataToEndOfFile()
    let e = err.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
}

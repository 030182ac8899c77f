import Foundation
import NumericKernels
import TestSupport
import Testing

import ExperimentKit

/// Limits that keep small hostile inputs from exhausting memory or the stack, and results
/// written as one set. The end-to-end corpus of bad inputs is Tests/hostile/bad-inputs.sh.
@Suite struct HostileInputTests {
    /// Ten aliases of ten aliases … (10^12 nodes expanded) is refused before composing.
    @Test func aliasBombIsRefused() throws {
        var text = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n"
        for i in 1...11 { text += "a\(i): &a\(i) [" + Array(repeating: "*a\(i - 1)", count: 10).joined(separator: ", ") + "]\n" }
        #expect(throws: ConfigError.self) { try ConfigNode.parse(yaml: text, file: "bomb.yaml") }
        do {
            _ = try ConfigNode.parse(yaml: text, file: "bomb.yaml")
        } catch let e as ConfigError {
            #expect(e.message.hasPrefix("bomb.yaml:") && e.message.contains("\(YAMLGuard.maxNodes)"))
        }
    }

    /// A few aliases that expand to little stay accepted.
    @Test func smallAliasesAreAccepted() throws {
        let node = try ConfigNode.parse(yaml: "a: &x [1, 2]\nb: *x\n", file: "ok.yaml")
        #expect(node.value(at: "b") == node.value(at: "a"))
    }

    /// Deep nesting, flow or block, is refused (5000 levels used to overflow the stack).
    @Test(arguments: [
        String(repeating: "[", count: 5000) + String(repeating: "]", count: 5000),
        String(repeating: "{a: ", count: 3000) + "1" + String(repeating: "}", count: 3000),
        "\n  " + String(repeating: "- ", count: 5000) + "1",
    ])
    func deepNestingIsRefused(_ value: String) throws {
        do {
            _ = try ConfigNode.parse(yaml: "x: " + value + "\n", file: "deep.yaml")
            Issue.record("accepted")
        } catch let e as ConfigError {
            #expect(e.message.contains("nested more than \(YAMLGuard.maxDepth)"))
        }
    }

    /// Text over the size limit is refused without parsing, with a short message.
    @Test func oversizedYAMLIsRefused() throws {
        let text = "x: [" + String(repeating: "1, ", count: YAMLGuard.maxBytes / 3 + 1) + "1]\n"
        do {
            _ = try ConfigNode.parse(yaml: text, file: "big.yaml")
            Issue.record("accepted")
        } catch let e as ConfigError {
            #expect(e.message.hasPrefix("big.yaml: ") && e.message.count < 200)
        }
    }

    /// A message never repeats a huge value: long lines are shortened in the middle.
    @Test func longMessagesAreClipped() {
        let e = ConfigError("f.yaml: value " + String(repeating: "1, ", count: 300_000) + "end")
        #expect(e.message.count < 2100)
        #expect(e.message.hasPrefix("f.yaml: value 1, ") && e.message.hasSuffix("end"))
        #expect(e.message.contains("characters left out"))
    }

    /// Sizes with suffixes, overflow-checked products.
    @Test func memoryBudgetArithmetic() {
        #expect(MemoryBudget.parseSize("8G") == 8 << 30)
        #expect(MemoryBudget.parseSize("512M") == 512 << 20)
        #expect(MemoryBudget.parseSize("4GiB") == 4 << 30)
        #expect(MemoryBudget.parseSize("1000") == 1000)
        #expect(MemoryBudget.parseSize("1.5K") == 1536)
        #expect(MemoryBudget.parseSize("abc") == nil)
        #expect(MemoryBudget.parseSize("-1") == nil)
        #expect(MemoryBudget.parseSize("99999999999T") == nil)
        #expect(MemoryBudget.product(1 << 32, 1 << 32) == Int.max)
        #expect(MemoryBudget.product(3, 0, Int.max) == 0)
        #expect(MemoryBudget.sum(Int.max, 1) == Int.max)
        #expect(MemoryBudget.format(Int.max) == "more than 9.2 EB")
        #expect(throws: ResourceLimitError.self) { try MemoryBudget.check(Int.max, "everything") }
        #expect(MemoryEstimate.tiles(outputs: 20_000, inputs: 20_000, tileRows: 1, tileColumns: 1) == 400_000_000)
    }

    /// A grid of 10^10 points is refused from its axis lengths, before any point is built.
    @Test func hugeGridIsRefused() throws {
        let (spec, _) = try SweepSpec.fromCommandLine(sets: ["hardware.adc.bits=0:99999:1", "hardware.dac.bits=0:99999:1"], links: [])
        #expect(spec.pointCount() == 10_000_000_000)
        #expect(throws: ConfigError.self) { try spec.checkSize() }
        let (small, _) = try SweepSpec.fromCommandLine(sets: ["hardware.adc.bits=4,6"], links: ["a=1,2,3", "b=4,5,6"])
        #expect(small.pointCount() == 6 && small.points().count == 6)
    }

    /// Sweep folders are named by their axes.
    @Test func sweepFolderNames() {
        #expect(SweepRunner.folderName(SweepSpec()) == "sweep")
        #expect(SweepRunner.folderName(SweepSpec(grid: [SweepAxis(key: "hardware.adc.bits", values: ["4", "6"])], linked: [[SweepAxis(key: "device", values: ["a", "b"])]]))
            == "sweep-hardware.adc.bits+device")
        let long = SweepSpec(grid: (0..<20).map { SweepAxis(key: "hardware.key_number_\($0)", values: ["1", "2"]) })
        let name = SweepRunner.folderName(long)
        #expect(name.count < 110 && name.hasPrefix("sweep-hardware.key_number_0+"))
        #expect(SweepRunner.folderName(SweepSpec(grid: [SweepAxis(key: "a/../b", values: ["1", "2"])])) == "sweep-a_.._b")
    }

    /// One set: every file and the manifest, no staging folder or temporary file left;
    /// a staging folder of a dead process is removed.
    @Test func resultSetIsWrittenWhole() throws {
        let dir = try temporaryDirectory().appendingPathComponent("run")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let stale = dir.appendingPathComponent(".staging-999999999-OLD")
        try FileManager.default.createDirectory(at: stale, withIntermediateDirectories: true)
        try ResultSet.write([("a.csv", Data("1\n".utf8)), ("b.json", Data("{}".utf8))], to: dir)
        try ResultSet.write([("a.csv", Data("2\n".utf8)), ("b.json", Data("{\"x\": 1}".utf8))], to: dir)
        let names = try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()
        #expect(names == ["a.csv", "b.json", "manifest.json"])
        let manifest = try String(contentsOf: dir.appendingPathComponent("manifest.json"), encoding: .utf8)
        #expect(manifest.contains("\"a.csv\": {\"bytes\": 2") && manifest.contains("run_id"))
        #expect(try String(contentsOf: dir.appendingPathComponent("a.csv"), encoding: .utf8) == "2\n")
    }

    /// Worker threads for `evaluation.threads: 0` follow the allowed CPUs (Slurm, taskset).
    @Test func cpuLists() {
        #expect(CPUCount.cpuListCount("0-3,8,10-11") == 7)
        #expect(CPUCount.cpuListCount("0") == 1)
        #expect(CPUCount.cpuListCount("\t0-1\n") == 2)
        #expect(CPUCount.cpuListCount("3-1") == nil)
        #expect(CPUCount.cpuListCount("a") == nil)
        #expect(CPUCount.available() >= 1)
    }

    /// A network definition with a non-scalar mapping key is refused (Yams.load trapped on
    /// it; found by make fuzz).
    @Test func networkDefinitionWithComplexKeyIsRefused() {
        #expect(throws: ConfigError.self) { try NetworkImport.description(yaml: "? [a]\n: 1\ninput: [6]\n", file: "n.yaml") }
    }
}

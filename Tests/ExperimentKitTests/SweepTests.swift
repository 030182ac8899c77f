import ExperimentKit
import Foundation
import TestSupport
import Testing

@Suite struct SweepSpecTests {
    @Test func gridExpandsFirstAxisSlowest() {
        let s = SweepSpec(grid: [SweepAxis(key: "a", values: ["1", "2"]), SweepAxis(key: "b", values: ["x", "y", "z"])])
        let p = s.points().map { $0.map { "\($0.key)=\($0.value)" }.joined(separator: " ") }
        #expect(p == ["a=1 b=x", "a=1 b=y", "a=1 b=z", "a=2 b=x", "a=2 b=y", "a=2 b=z"])
    }

    @Test func linkedAxesVaryTogetherAndCombineWithTheGrid() {
        let s = SweepSpec(
            grid: [SweepAxis(key: "g", values: ["0", "1"])],
            linked: [[SweepAxis(key: "dac", values: ["4", "6", "8"]), SweepAxis(key: "adc", values: ["6", "8", "10"])]])
        let p = s.points().map { $0.map { "\($0.key)=\($0.value)" }.joined(separator: " ") }
        #expect(p == [
            "g=0 dac=4 adc=6", "g=0 dac=6 adc=8", "g=0 dac=8 adc=10",
            "g=1 dac=4 adc=6", "g=1 dac=6 adc=8", "g=1 dac=8 adc=10",
        ])
        #expect(s.keys == ["g", "dac", "adc"])
    }

    @Test(arguments: [
        ("k=4,6,8", ["4", "6", "8"]),
        ("k=2:10:4", ["2", "6", "10"]),
        ("k=2:11:4", ["2", "6", "10"]),
        ("k=0.5:1.0:0.25", ["0.5", "0.75", "1.0"]),
        ("k=10:4:-3", ["10", "7", "4"]),
        ("k=1,3:5:1", ["1", "3", "4", "5"]),
    ])
    func commandLineValuesAndRanges(arg: String, expected: [String]) throws {
        let (spec, plain) = try SweepSpec.fromCommandLine(sets: [arg], links: [])
        #expect(plain.isEmpty)
        #expect(spec.grid == [SweepAxis(key: "k", values: expected)])
    }

    @Test func singleValuesAndListsArePlainOverrides() throws {
        let (spec, plain) = try SweepSpec.fromCommandLine(sets: ["seed=3", "evaluation.t_inference=[1, 3600]"], links: [])
        #expect(spec.isEmpty)
        #expect(plain == ["seed=3", "evaluation.t_inference=[1, 3600]"])
    }

    @Test(arguments: ["k=1:5:0", "k=5:1:1", "k=1,,2", "nokey"])
    func malformedAxesAreRejected(arg: String) {
        #expect(throws: ConfigError.self) { _ = try SweepSpec.fromCommandLine(sets: [arg], links: []) }
    }

    @Test func linkedAxesOfDifferentLengthsAreRejected() {
        #expect(throws: ConfigError.self) { _ = try SweepSpec.fromCommandLine(sets: [], links: ["a=1,2", "b=1,2,3"]) }
    }

    @Test func sweepSectionOfAFile() throws {
        let dir = try temporaryDirectory()
        let f = try writeFile(dir, "s.yaml", """
            version: 1
            sweep:
              grid:
                hardware.adc.bits: [4, 6]
                evaluation.repeats: "2:4:2"
              linked:
                - {hardware.dac.bits: [5, 7], hardware.output_noise: [0.0, 0.1]}
            """)
        let s = try #require(try SweepSpec.load(path: f))
        #expect(s.grid == [SweepAxis(key: "hardware.adc.bits", values: ["4", "6"]), SweepAxis(key: "evaluation.repeats", values: ["2", "4"])])
        #expect(s.linked == [[SweepAxis(key: "hardware.dac.bits", values: ["5", "7"]), SweepAxis(key: "hardware.output_noise", values: ["0.0", "0.1"])]])
        #expect(s.points().count == 2 * 2 * 2)
        // The experiment itself still loads: the sweep section is not a config key.
        _ = try ExperimentConfig.load(path: f)
    }
}

/// A sweep over a small experiment in a temporary folder.
func sweepExperiment(_ dir: URL, name: String = "sw") throws -> String {
    try writeFile(dir, "\(name).yaml", """
        version: 1
        experiment: \(name)
        seed: 5
        output_dir: \(dir.appendingPathComponent("results").path)
        dataset: {train_limit: 2000, test_limit: 600}
        network: {layers: [784, 24, 10]}
        training: {epochs: 1}
        hardware:
          include: [\(repositoryRoot.appendingPathComponent("Circuits/presets/pcm-default.yaml").path), \(repositoryRoot.appendingPathComponent("Circuits/energy/hermes-14nm.yaml").path)]
        evaluation: {t_inference: [1, 1d, 1y], repeats: 3, batch_size: 200, compensation: [none, global]}
        sweep:
          grid:
            hardware.adc.bits: [5, 7, 9]
          linked:
            - {hardware.output_noise: [0.0, 0.1], hardware.dac.bits: [8, 6]}
        """)
}

@Suite(.serialized, .enabled(if: fashionMNISTAvailable, "needs the Debian package dataset-fashion-mnist (make test installs it)"))
struct SweepRunTests {
    @Test func invalidAxisIsRejectedBeforeAnyWork() throws {
        let dir = try temporaryDirectory()
        let f = try sweepExperiment(dir)
        for (sets, needle) in [(["hardware.adc.bitz=4,6"], "did you mean 'hardware.adc.bits'"), (["hardware.adc.bits=4,99"], "2…24"),
                               (["device=pcm-joshi2020,unobtainium"], "allowed:")] {
            do {
                let (spec, plain) = try SweepSpec.fromCommandLine(sets: sets, links: [])
                _ = try SweepRunner(configPath: f, overrides: plain, spec: spec)
                Issue.record("\(sets) must be rejected")
            } catch let e as ConfigError {
                #expect(e.message.contains(needle), "\(e.message)")
            }
        }
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("results").path))
    }

    @Test func shardsPlusMergeEqualOneRunAndOutputsAreTidy() throws {
        let dirA = try temporaryDirectory(), dirB = try temporaryDirectory()
        let spec = try #require(try SweepSpec.load(path: try sweepExperiment(dirA)))
        let single = try SweepRunner(configPath: dirA.appendingPathComponent("sw.yaml").path, overrides: [], spec: spec)
        #expect(single.points.count == 6)
        #expect(try single.run() == 6)
        let one = try single.finalize()

        let fB = try sweepExperiment(dirB)
        let sharded = try SweepRunner(configPath: fB, overrides: [], spec: spec)
        #expect(sharded.shardIndices((0, 4)) == [0, 4] && sharded.shardIndices((3, 4)) == [3])
        #expect(throws: ConfigError.self) { try sharded.finalize() }  // nothing ran yet
        for i in 0..<4 { try sharded.run(shard: (i, 4)) }
        let merged = try sharded.finalize()
        #expect(merged.csv() == one.csv())
        #expect(merged.table() == one.table())

        // Tidy CSV: header with every axis, one row per point × repeat × time × compensation.
        let lines = one.csv().split(separator: "\n")
        #expect(lines[0] == "point,hardware.adc.bits,hardware.output_noise,hardware.dac.bits,repeat,seed,t_inference_s,compensation,accuracy,digital_accuracy,analog_joules_per_inference,analog_latency_s")
        #expect(lines.count == 1 + 6 * 3 * 3 * 2)
        let json = try JSONSerialization.jsonObject(with: one.json()) as! [String: Any]
        #expect(json["axes"] as? [String] == ["hardware.adc.bits", "hardware.output_noise", "hardware.dac.bits"])
        let points = json["points"] as! [[String: Any]]
        #expect(points.count == 6)
        for key in ["index", "hash", "axes", "seed", "repeat_seeds", "digital_accuracy", "analog", "analog_joules_per_inference"] {
            #expect(points.allSatisfy { $0[key] != nil }, "point lacks \(key)")
        }
        for file in ["sweep.csv", "summary.json", "table.txt"] {
            #expect(FileManager.default.fileExists(atPath: single.directory.appendingPathComponent(file).path), "\(file)")
        }
        // A rerun finds every point done and runs nothing.
        #expect(try SweepRunner(configPath: dirA.appendingPathComponent("sw.yaml").path, overrides: [], spec: spec).run() == 0)
    }

    /// Kill a sweep (SIGKILL) after its first point, add a torn line as a kill mid-write
    /// would, resume: the result equals that of an uninterrupted run.
    @Test func killAndResumeGivesTheSameResult() throws {
        let exe = try #require(aimcExecutable(), "aimc is built by `make test`")
        let dirA = try temporaryDirectory(), dirB = try temporaryDirectory()
        let fA = try sweepExperiment(dirA), fB = try sweepExperiment(dirB)
        let pointsFile = dirA.appendingPathComponent("results/sw/sweep-hardware.adc.bits+hardware.output_noise+hardware.dac.bits/points.jsonl")

        let p = Process()
        p.executableURL = exe
        p.arguments = ["sweep", fA, "--no-progress"]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        let deadline = Date().addingTimeInterval(120)
        var lines = 0
        while Date() < deadline && p.isRunning {
            // Complete records only: a record is a line ended by its newline (a line still
            // being written when the count is taken would make the kill land before it).
            lines = (try? String(contentsOf: pointsFile, encoding: .utf8))?.filter { $0 == "\n" }.count ?? 0
            if lines >= 1 { break }
            usleep(5_000)
        }
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        let kept = (try? String(contentsOf: pointsFile, encoding: .utf8))?.filter { $0 == "\n" }.count ?? 0
        #expect(kept >= 1 && kept < 6, "the sweep should have been killed midway (\(kept) points stored)")
        // A torn record, as a kill in the middle of a write would leave.
        let h = try FileHandle(forWritingTo: pointsFile)
        h.seekToEndOfFile()
        h.write(Data("{\"hash\":\"0123".utf8))
        h.closeFile()

        let (status, out, err) = try runProcess(exe, ["sweep", fA, "--no-progress"])
        #expect(status == 0, "\(err)")
        #expect(err.contains("already finished"))
        let (status2, out2, err2) = try runProcess(exe, ["sweep", fB, "--no-progress"])
        #expect(status2 == 0, "\(err2)")
        let csvA = try String(contentsOf: dirA.appendingPathComponent("results/sw/sweep-hardware.adc.bits+hardware.output_noise+hardware.dac.bits/sweep.csv"), encoding: .utf8)
        let csvB = try String(contentsOf: dirB.appendingPathComponent("results/sw/sweep-hardware.adc.bits+hardware.output_noise+hardware.dac.bits/sweep.csv"), encoding: .utf8)
        #expect(csvA == csvB)
        #expect(out.split(separator: "\n").dropLast() == out2.split(separator: "\n").dropLast())
    }

    @Test func progressIsPlainLinesWhenNotATerminal() {
        var text = ""
        let p = ProgressReporter(total: 3, label: "sweep", isTerminal: false, interval: 0) { text += $0 }
        p.update(done: 1)
        p.update(done: 3)
        let lines = text.split(separator: "\n")
        #expect(lines.count == 2)
        #expect(lines.last?.hasPrefix("sweep: 3/3 done") == true)
        #expect(!text.contains("\r"))
    }
}

import ExperimentKit
import Foundation
import Networks
import NumericKernels
import TestSupport
import Testing

/// Sweeps on a cluster: sbatch options, the written scripts (relative paths, the dependent
/// merge job), the lock on merging, the user weights cache. The live run on a one-node Slurm
/// cluster is Tests/slurm/sweep-on-slurm.sh (make test-slurm).
@Suite struct SlurmScriptTests {
    @Test func optionsFromTheSweepSectionAndFlags() throws {
        let dir = try temporaryDirectory()
        let f = try writeFile(dir, "s.yaml", """
            version: 1
            sweep:
              grid: {hardware.adc.bits: [4, 6]}
              slurm: {time: "1-02:00:00", partition: "cpu,long", mem: 8g, account: proj_42, cpus_per_task: 4}
            """)
        let file = try SlurmOptions.load(path: f)
        #expect(file == SlurmOptions(time: "1-02:00:00", partition: "cpu,long", mem: "8G", account: "proj_42", cpusPerTask: 4))
        let flags = try SlurmOptions.fromFlags(time: "30", partition: nil, mem: "500M", account: nil, cpusPerTask: nil, mergeTime: "10:00")
        #expect(file.overridden(by: flags) == SlurmOptions(time: "30", partition: "cpu,long", mem: "500M", account: "proj_42", cpusPerTask: 4, mergeTime: "10:00"))
        // The section is not a config key and not a sweep axis.
        #expect(try SweepSpec.load(path: f)?.keys == ["hardware.adc.bits"])
        _ = try ExperimentConfig.load(path: f)
    }

    @Test(arguments: [
        ("time: abc", "sweep.slurm.time = 'abc' is not a Slurm time limit"),
        ("time: \"00:00:00\"", "more than zero"),
        ("time: \"1:2:3:4\"", "not a Slurm time limit"),
        ("partition: \"cpu; rm -rf /\"", "is not a Slurm name"),
        ("account: \"a b\"", "is not a Slurm name"),
        ("mem: -1", "is not a Slurm memory size"),
        ("mem: 8GB", "is not a Slurm memory size"),
        ("cpus_per_task: 0", "must be an integer in 1…4096"),
        ("cpus_per_task: 1.5", "must be an integer in 1…4096"),
        ("cpu_per_task: 2", "did you mean 'cpus_per_task'"),
        ("time: [1, 2]", "must be a single value"),
    ])
    func badOptionsNameTheKeyAndTheForm(entry: String, needle: String) throws {
        let dir = try temporaryDirectory()
        let f = try writeFile(dir, "s.yaml", "version: 1\nsweep:\n  slurm: {\(entry)}\n")
        do {
            _ = try SlurmOptions.load(path: f)
            Issue.record("\(entry) must be rejected")
        } catch let e as ConfigError {
            #expect(e.message.contains(needle) && e.message.contains("s.yaml"), "\(e.message)")
        }
    }

    @Test func badFlagsNameTheFlag() throws {
        do {
            _ = try SlurmOptions.fromFlags(time: nil, partition: "a\nb", mem: nil, account: nil, cpusPerTask: nil, mergeTime: nil)
            Issue.record("a partition with a line break must be rejected")
        } catch let e as ConfigError {
            #expect(e.message.hasPrefix("--slurm-partition = ") && e.message.contains("is not a Slurm name"), "\(e.message)")
        }
        #expect(throws: ConfigError.self) {
            _ = try SlurmOptions.fromFlags(time: nil, partition: nil, mem: nil, account: nil, cpusPerTask: 5000, mergeTime: nil)
        }
    }

    /// The scripts use paths relative to the folder they were written from, hold the sbatch
    /// options, and submit.sh submits the merge job with --dependency=afterok:<array id>
    /// (checked with a stand-in `sbatch` that records its arguments and working folder).
    @Test func scriptsAreRelativeAndSubmitTheMergeAfterTheArray() throws {
        let dir = try temporaryDirectory().resolvingSymlinksInPath()
        let f = try sweepExperiment(dir)
        let spec = try #require(try SweepSpec.load(path: f))
        let runner = try SweepRunner(configPath: f, overrides: [], spec: spec)
        let options = SlurmOptions(time: "02:00:00", partition: "cpu", mem: "8G", account: "p42", cpusPerTask: 4, mergeTime: "15")
        let s = try runner.emitSlurm(shards: 3, executable: dir.appendingPathComponent("bin/aimc").path, arguments: [f, "--set", "seed=3"], options: options,
                                     workingDirectory: dir.path)
        let array = try String(contentsOf: s.array, encoding: .utf8)
        let merge = try String(contentsOf: s.merge, encoding: .utf8)
        let submit = try String(contentsOf: s.submit, encoding: .utf8)
        for line in ["#SBATCH --array=0-2", "#SBATCH --cpus-per-task=4", "#SBATCH --time=02:00:00", "#SBATCH --partition=cpu", "#SBATCH --mem=8G",
                     "#SBATCH --account=p42", "#SBATCH --output=results/sw/sweep-hardware.adc.bits+hardware.output_noise+hardware.dac.bits/slurm-%A_%a.out",
                     "exec bin/aimc sweep sw.yaml --set seed=3 --shard \"${SLURM_ARRAY_TASK_ID}/3\" --no-progress"] {
            #expect(array.contains(line + "\n"), "sweep.sbatch lacks \(line)")
        }
        for line in ["#SBATCH --cpus-per-task=1", "#SBATCH --time=15", "#SBATCH --partition=cpu", "exec bin/aimc merge sw.yaml --set seed=3"] {
            #expect(merge.contains(line + "\n"), "merge.sbatch lacks \(line)")
        }
        for text in [array, merge, submit] {
            let code = text.split(separator: "\n").filter { !$0.hasPrefix("#") || $0.hasPrefix("#SBATCH") || $0.hasPrefix("#!") }
            #expect(!code.contains { $0.contains(dir.path) }, "an absolute path of the project in \(text)")
        }
        let bash = URL(fileURLWithPath: "/bin/bash")
        for url in [s.array, s.merge, s.submit] {
            let (rc, _, err) = try runProcess(bash, ["-n", url.path])
            #expect(rc == 0, "\(url.lastPathComponent): \(err)")
        }

        // A stand-in sbatch: records its arguments and folder, answers job ids as Slurm does.
        let fake = dir.appendingPathComponent("fake-bin")
        try FileManager.default.createDirectory(at: fake, withIntermediateDirectories: true)
        let log = dir.appendingPathComponent("sbatch.log")
        let sbatch = try writeFile(fake, "sbatch", """
            #!/bin/bash
            n=$(( $(cat "\(log.path)" 2>/dev/null | wc -l) + 41 ))
            echo "$PWD | $*" >> "\(log.path)"
            echo "$n;cluster"
            """)
        chmod(sbatch, 0o755)
        let p = Process()
        p.executableURL = bash
        p.arguments = [s.submit.path]
        p.currentDirectoryURL = URL(fileURLWithPath: "/")  // submit.sh changes to the project folder itself
        p.environment = ["PATH": fake.path + ":/usr/bin:/bin"]
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        let said = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        #expect(p.terminationStatus == 0)
        #expect(said.contains("submitted job array 41 (3 tasks) and merge job 42 (after array 41 succeeded)"), "\(said)")
        let calls = try String(contentsOf: log, encoding: .utf8).split(separator: "\n")
        let folder = "results/sw/sweep-hardware.adc.bits+hardware.output_noise+hardware.dac.bits"
        #expect(calls == ["\(dir.path) | --parsable \(folder)/sweep.sbatch", "\(dir.path) | --parsable --dependency=afterok:41 \(folder)/merge.sbatch"])
    }

    @Test func aScriptRunFromAnotherFolderSaysWhereToSubmitFrom() throws {
        let dir = try temporaryDirectory().resolvingSymlinksInPath()
        let f = try sweepExperiment(dir)
        let runner = try SweepRunner(configPath: f, overrides: [], spec: try #require(try SweepSpec.load(path: f)))
        let s = try runner.emitSlurm(shards: 2, executable: "aimc", arguments: [f], workingDirectory: dir.path)
        let other = try temporaryDirectory()
        let (rc, _, err) = try runProcess(URL(fileURLWithPath: "/bin/bash"), [s.array.path], cwd: other)
        #expect(rc == 2)
        #expect(err.contains("aimc: sw.yaml not found in \(other.path)") && err.contains("submit from the folder that holds it"), "\(err)")
    }
}

@Suite struct MergeLockAndCacheTests {
    /// A merge while another holds the folder's output lock is refused, naming the lock.
    @Test func mergeTakesTheOutputLock() throws {
        let dir = try temporaryDirectory()
        let f = try sweepExperiment(dir)
        let runner = try SweepRunner(configPath: f, overrides: [], spec: try #require(try SweepSpec.load(path: f)))
        // Nothing ran and no folder: the usual message, and no folder is created.
        #expect(throws: ConfigError.self) { try runner.finalize() }
        #expect(!FileManager.default.fileExists(atPath: runner.directory.path))
        try FileManager.default.createDirectory(at: runner.directory, withIntermediateDirectories: true)
        let lock = runner.directory.appendingPathComponent(".lock-outputs").path
        let fd = open(lock, O_CREAT | O_RDWR, 0o644)
        #expect(fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) == 0)
        do {
            _ = try runner.finalize()
            Issue.record("finalize must wait for the lock holder")
        } catch let e as ConfigError {
            #expect(e.message.contains("another aimc merge or sweep is writing the outputs") && e.message.contains(".lock-outputs"), "\(e.message)")
        }
        close(fd)
        // Released: the usual completeness check runs.
        do {
            _ = try runner.finalize()
        } catch let e as ConfigError {
            #expect(e.message.contains("sweep not complete"), "\(e.message)")
        }
    }

    @Test func weightsCacheFollowsXDG() {
        let out = "results"
        #expect(WeightsCache.directory(outputDirectory: out, environment: ["AIMC_CACHE_DIR": "/c", "XDG_CACHE_HOME": "/x", "HOME": "/h"]).path == "/c")
        #expect(WeightsCache.directory(outputDirectory: out, environment: ["XDG_CACHE_HOME": "/x", "HOME": "/h"]).path == "/x/aimc/weights")
        #expect(WeightsCache.directory(outputDirectory: out, environment: ["XDG_CACHE_HOME": "relative", "HOME": "/h"]).path == "/h/.cache/aimc/weights")
        #expect(WeightsCache.directory(outputDirectory: out, environment: ["HOME": "/h"]).path == "/h/.cache/aimc/weights")
        #expect(WeightsCache.directory(outputDirectory: "/r", environment: [:]).path == "/r/weights-cache")
        #expect(WeightsCache.legacyDirectory(outputDirectory: "/r").path == "/r/weights-cache")
    }
}

import Foundation
import Networks
import NumericKernels

/// The `sbatch` options of a sweep's Slurm scripts: from the experiment file's `sweep.slurm`
/// section, replaced key by key by the `--slurm-*` flags of `aimc sweep --emit-slurm`.
///
/// ```yaml
/// sweep:
///   grid: {hardware.adc.bits: [4, 6, 8]}
///   slurm: {time: "02:00:00", partition: cpu, mem: 8G, account: proj42, cpus_per_task: 4, merge_time: "00:20:00"}
/// ```
/// Every value is checked before a script is written: a value that `sbatch` would reject,
/// or one that could break out of the `#SBATCH` line (spaces, quotes, newlines), is an error.
public struct SlurmOptions: Equatable, Sendable {
    /// `--time` of each array task (`minutes`, `MM:SS`, `HH:MM:SS`, `D-HH`, `D-HH:MM`, `D-HH:MM:SS`).
    public var time: String?
    /// `--partition` (a name, or a comma-separated list of names).
    public var partition: String?
    /// `--mem` per node, e.g. `8G`, `500M`, `16000` (megabytes).
    public var mem: String?
    /// `--account` charged for the jobs.
    public var account: String?
    /// `--cpus-per-task` of each array task (1…4096; the tasks' threads follow it through
    /// `SLURM_CPUS_PER_TASK`). Default 2.
    public var cpusPerTask: Int?
    /// `--time` of the merge job (default: `time`).
    public var mergeTime: String?

    public init(time: String? = nil, partition: String? = nil, mem: String? = nil, account: String? = nil, cpusPerTask: Int? = nil, mergeTime: String? = nil) {
        self.time = time
        self.partition = partition
        self.mem = mem
        self.account = account
        self.cpusPerTask = cpusPerTask
        self.mergeTime = mergeTime
    }

    /// The keys of the `sweep.slurm` section.
    public static let keys = ["time", "partition", "mem", "account", "cpus_per_task", "merge_time"]

    /// Default `--cpus-per-task`.
    public static let defaultCPUsPerTask = 2

    /// `other`'s values where it has them, else these.
    public func overridden(by other: SlurmOptions) -> SlurmOptions {
        SlurmOptions(
            time: other.time ?? time, partition: other.partition ?? partition, mem: other.mem ?? mem,
            account: other.account ?? account, cpusPerTask: other.cpusPerTask ?? cpusPerTask, mergeTime: other.mergeTime ?? mergeTime)
    }

    /// Reads `sweep.slurm` of an experiment file (empty options when there is none).
    /// - Throws: `ConfigError` naming the file, line, key and the allowed form.
    public static func load(path: String) throws -> SlurmOptions {
        let tree = try ConfigLoader.read(path)
        guard let node = tree.value(at: "sweep.slurm") else { return SlurmOptions() }
        guard case .mapping(let m, _) = node else {
            throw ConfigError("\(node.origin): sweep.slurm must be a mapping of sbatch options (\(keys.joined(separator: ", ")))")
        }
        var o = SlurmOptions()
        for (k, v) in m {
            guard case .scalar(let s, let origin) = v else { throw ConfigError("\(v.origin): sweep.slurm.\(k) must be a single value") }
            let at = "\(origin): sweep.slurm.\(k)"
            switch k {
            case "time": o.time = try checkTime(s, at)
            case "merge_time": o.mergeTime = try checkTime(s, at)
            case "partition": o.partition = try checkName(s, at)
            case "account": o.account = try checkName(s, at)
            case "mem": o.mem = try checkMemory(s, at)
            case "cpus_per_task": o.cpusPerTask = try checkCPUs(s, at)
            default:
                let near = keys.min { editDistance($0, k) < editDistance($1, k) }.flatMap { editDistance($0, k) <= 3 ? $0 : nil }
                let hint = near.map { " — did you mean '\($0)'?" } ?? ""
                throw ConfigError("\(origin): unknown key 'sweep.slurm.\(Clip.middle(k, 100))'\(hint); allowed: \(keys.joined(separator: ", "))")
            }
        }
        return o
    }

    /// Checks flag values (`--slurm-time` …), naming the flag in errors.
    public static func fromFlags(time: String?, partition: String?, mem: String?, account: String?, cpusPerTask: Int?, mergeTime: String?) throws -> SlurmOptions {
        SlurmOptions(
            time: try time.map { try checkTime($0, "--slurm-time") },
            partition: try partition.map { try checkName($0, "--slurm-partition") },
            mem: try mem.map { try checkMemory($0, "--slurm-mem") },
            account: try account.map { try checkName($0, "--slurm-account") },
            cpusPerTask: try cpusPerTask.map { try checkCPUs(String($0), "--slurm-cpus-per-task") },
            mergeTime: try mergeTime.map { try checkTime($0, "--slurm-merge-time") })
    }

    static func matches(_ s: String, _ pattern: String) -> Bool {
        s.range(of: "^" + pattern + "$", options: .regularExpression) != nil
    }

    static func checkTime(_ s: String, _ at: String) throws -> String {
        let t = s.trimmingCharacters(in: .whitespaces)
        let forms = ["[0-9]{1,7}", "[0-9]{1,7}:[0-9]{1,2}", "[0-9]{1,7}:[0-9]{1,2}:[0-9]{1,2}", "[0-9]{1,5}-[0-9]{1,2}",
                     "[0-9]{1,5}-[0-9]{1,2}:[0-9]{1,2}", "[0-9]{1,5}-[0-9]{1,2}:[0-9]{1,2}:[0-9]{1,2}"]
        guard forms.contains(where: { matches(t, $0) }), t.contains(where: { $0 != "0" && $0 != ":" && $0 != "-" }) else {
            throw ConfigError("\(at) = '\(Clip.middle(s, 100))' is not a Slurm time limit; write minutes, MM:SS, HH:MM:SS, D-HH, D-HH:MM or D-HH:MM:SS (more than zero), e.g. 02:00:00 or 1-12:00:00")
        }
        return t
    }

    static func checkName(_ s: String, _ at: String) throws -> String {
        let t = s.trimmingCharacters(in: .whitespaces)
        guard t.count <= 200, matches(t, "[A-Za-z0-9_.-]+(,[A-Za-z0-9_.-]+)*") else {
            throw ConfigError("\(at) = '\(Clip.middle(s, 100))' is not a Slurm name; use letters, digits, _ . - (a comma-separated list for several partitions), at most 200 characters")
        }
        return t
    }

    static func checkMemory(_ s: String, _ at: String) throws -> String {
        let t = s.trimmingCharacters(in: .whitespaces)
        guard matches(t, "[1-9][0-9]{0,9}[KMGTkmgt]?") else {
            throw ConfigError("\(at) = '\(Clip.middle(s, 100))' is not a Slurm memory size; write a positive integer with an optional unit K, M, G or T (megabytes without one), e.g. 8G")
        }
        return t.uppercased()
    }

    static func checkCPUs(_ s: String, _ at: String) throws -> Int {
        guard let n = Int(s.trimmingCharacters(in: .whitespaces)), (1...4096).contains(n) else {
            throw ConfigError("\(at) = '\(Clip.middle(s, 100))' must be an integer in 1…4096 (CPUs of each array task)")
        }
        return n
    }

    /// The `#SBATCH` lines of these options (`time` given for the job in question).
    func directives(time: String?, cpus: Int) -> [String] {
        var out = ["--cpus-per-task=\(cpus)"]
        if let time { out.append("--time=\(time)") }
        if let partition { out.append("--partition=\(partition)") }
        if let mem { out.append("--mem=\(mem)") }
        if let account { out.append("--account=\(account)") }
        return out.map { "#SBATCH " + $0 }
    }
}

/// The scripts written by `aimc sweep --emit-slurm N`, in the sweep's folder.
public struct SlurmScripts: Sendable {
    /// The job array (`sweep.sbatch`): task i runs shard i of N.
    public let array: URL
    /// The merge job (`merge.sbatch`): `aimc merge`, after every array task succeeded.
    public let merge: URL
    /// `submit.sh`: submits the array, then the merge job with `--dependency=afterok:<array id>`.
    public let submit: URL
}

extension SweepRunner {
    /// Writes the job array script, the merge job script and `submit.sh` that submits both
    /// (the merge job with `--dependency=afterok:<array job id>`) into the sweep's folder.
    ///
    /// Paths: the executable, the config and the sweep folder are written as they are
    /// relative to `workingDirectory` (the folder `aimc sweep --emit-slurm` runs in) when
    /// they lie inside it, absolute otherwise; the jobs `cd` to the submit directory
    /// (`$SLURM_SUBMIT_DIR`), and `submit.sh` changes to `workingDirectory` (found from its
    /// own location when the sweep folder lies inside it) before calling `sbatch`, so the
    /// checkout or project folder can move, or be mounted elsewhere on the cluster.
    /// - Parameters:
    ///   - executable: the `aimc` to run (a bare name is looked up on the nodes' `PATH`).
    ///   - arguments: the arguments that re-create this sweep (config first).
    /// - Throws: `ConfigError` when the folder cannot be written.
    @discardableResult
    public func emitSlurm(shards count: Int, executable: String, arguments: [String], options: SlurmOptions = SlurmOptions(),
                          workingDirectory: String = FileManager.default.currentDirectoryPath) throws -> SlurmScripts {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        func q(_ s: String) -> String {
            s.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "/._-+=:,@".contains($0)) } && !s.isEmpty
                ? s : "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'"
        }
        let cwd = URL(fileURLWithPath: workingDirectory).standardizedFileURL.path
        /// `path` relative to cwd when inside it, else absolute; a bare name stays as it is.
        func rel(_ path: String, bareName: Bool = false) -> String {
            if bareName, !path.contains("/") { return path }
            let abs = URL(fileURLWithPath: path, relativeTo: URL(fileURLWithPath: cwd, isDirectory: true)).standardizedFileURL.path
            if abs == cwd { return "." }
            return abs.hasPrefix(cwd + "/") ? String(abs.dropFirst(cwd.count + 1)) : abs
        }
        for p in [cwd, directory.path, executable] + arguments where p.contains(where: { $0.isNewline }) {
            throw ConfigError("--emit-slurm: the path or argument \(Clip.middle(p.debugDescription, 200)) contains a line break, which a job script cannot hold")
        }
        let dir = rel(directory.path)
        let exe = rel(executable, bareName: true)
        var args = arguments
        if let first = args.first { args[0] = rel(first) }
        let config = args.first ?? rel(configPath)
        let name = points.first?.config.name ?? "sweep"
        let cpus = options.cpusPerTask ?? SlurmOptions.defaultCPUsPerTask
        let argText = args.map(q).joined(separator: " ")
        // The jobs run in the submit directory; stop with a clear line when it is another one.
        let guardLine = """
            cd "${SLURM_SUBMIT_DIR:-.}"
            [ -f \(q(config)) ] || { echo "aimc: "\(q(config))" not found in $PWD: submit from the folder that holds it (the paths are relative to it), or run bash "\(q(dir + "/submit.sh"))" (a path relative to the project folder; it submits from the right folder itself)" >&2; exit 2; }
            """
        let array = """
            #!/bin/bash
            # Slurm job array of the aimc sweep \(config): \(points.count) points in \(count) shards.
            # Submit both jobs with: bash \(q(dir + "/submit.sh"))   (the merge job runs after every task succeeded)
            # Paths are relative to the folder this was written from (\(cwd)); the jobs run in the submit directory.
            #SBATCH --job-name=aimc-\(name)
            #SBATCH --array=0-\(count - 1)
            \(options.directives(time: options.time, cpus: cpus).joined(separator: "\n"))
            #SBATCH --output=\(dir)/slurm-%A_%a.out
            set -euo pipefail
            \(guardLine)
            exec \(q(exe)) sweep \(argText) --shard "${SLURM_ARRAY_TASK_ID}/\(count)" --no-progress

            """
        let merge = """
            #!/bin/bash
            # Merge job of the aimc sweep \(config): combines the \(count) shards into sweep.csv, summary.json,
            # table.txt (and the figures when python3 with matplotlib is on the node). Submitted by submit.sh
            # with --dependency=afterok:<job array id>.
            #SBATCH --job-name=aimc-\(name)-merge
            \(options.directives(time: options.mergeTime ?? options.time, cpus: 1).joined(separator: "\n"))
            #SBATCH --output=\(dir)/slurm-merge-%j.out
            set -euo pipefail
            \(guardLine)
            exec \(q(exe)) merge \(argText)

            """
        // submit.sh finds the working directory from its own place when the sweep folder
        // lies under it (a relative path without ..), else it must be run from there.
        let components = dir.split(separator: "/")
        let up = !dir.hasPrefix("/") && !components.contains("..") ? Array(repeating: "..", count: components.count).joined(separator: "/") : nil
        let submit = """
            #!/bin/bash
            # Submits the aimc sweep \(config) to Slurm: the job array (\(count) tasks), then the merge job,
            # which starts only when every array task succeeded (--dependency=afterok).
            set -euo pipefail
            \(up.map { "cd \"$(dirname \"$0\")/\($0)\"" } ?? "cd \(q(cwd))")
            array=$(sbatch --parsable \(q(dir + "/sweep.sbatch")))
            array=${array%%;*}
            merge=$(sbatch --parsable --dependency=afterok:"$array" \(q(dir + "/merge.sbatch")))
            merge=${merge%%;*}
            echo "submitted job array $array (\(count) tasks) and merge job $merge (after array $array succeeded); outputs in \(dir)"

            """
        let urls = SlurmScripts(
            array: directory.appendingPathComponent("sweep.sbatch"), merge: directory.appendingPathComponent("merge.sbatch"),
            submit: directory.appendingPathComponent("submit.sh"))
        for (url, text) in [(urls.array, array), (urls.merge, merge), (urls.submit, submit)] {
            try AtomicFile.write(Data(text.utf8), to: url)
            chmod(url.path, 0o755)
        }
        return urls
    }
}

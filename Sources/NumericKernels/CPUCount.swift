import Foundation

/// The CPUs this process may use, for `evaluation.threads: 0` ("all"): `$SLURM_CPUS_PER_TASK`
/// under Slurm, else the CPUs of the process's affinity mask (`taskset`, cgroup cpusets), else the online processors. A job given 4 CPUs on
/// a 128-core node so runs 4 workers, not 128.
public enum CPUCount {
    public static func available() -> Int {
        let env = ProcessInfo.processInfo.environment
        if let s = env["SLURM_CPUS_PER_TASK"], let n = Int(s.trimmingCharacters(in: .whitespaces)), n >= 1 { return n }
        if let n = affinityCount(), n >= 1 { return n }
        return max(1, ProcessInfo.processInfo.activeProcessorCount)
    }

    /// CPUs in the affinity mask (`Cpus_allowed_list` of `/proc/self/status`, e.g. `0-3,8`),
    /// or nil where it cannot be read.
    static func affinityCount() -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("Cpus_allowed_list:") })
        else { return nil }
        return cpuListCount(String(line.dropFirst("Cpus_allowed_list:".count)))
    }

    /// The number of CPUs in a Linux CPU list (`0-3,8,10-11` → 7); nil when malformed.
    public static func cpuListCount(_ list: String) -> Int? {
        var n = 0
        for part in list.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: ",") {
            let ends = part.split(separator: "-").map { Int($0.trimmingCharacters(in: .whitespaces)) }
            switch ends.count {
            case 1:
                guard ends[0] != nil else { return nil }
                n += 1
            case 2:
                guard let a = ends[0], let b = ends[1], b >= a else { return nil }
                n += b - a + 1
            default: return nil
            }
        }
        return n > 0 ? n : nil
    }
}

import Foundation

/// Where trained networks are cached: one folder per user, shared by runs started from any
/// folder (a cluster job started elsewhere finds the network trained before):
/// `$AIMC_CACHE_DIR`, else `$XDG_CACHE_HOME/aimc/weights`, else `~/.cache/aimc/weights`
/// (the XDG Base Directory layout); with neither a cache variable nor `HOME`, the old place
/// `output_dir/weights-cache`. Networks cached there by an older aimc are still reused.
public enum WeightsCache {
    /// The variable that names the cache folder outright.
    public static let environmentVariable = "AIMC_CACHE_DIR"

    /// The cache folder for this environment (relative values against the working directory).
    public static func directory(outputDirectory: String, environment: [String: String] = ProcessInfo.processInfo.environment) -> URL {
        if let d = environment[environmentVariable], !d.isEmpty { return URL(fileURLWithPath: d) }
        // XDG: a relative XDG_CACHE_HOME is invalid and ignored.
        if let x = environment["XDG_CACHE_HOME"], x.hasPrefix("/") {
            return URL(fileURLWithPath: x).appendingPathComponent("aimc/weights")
        }
        if let home = environment["HOME"], home.hasPrefix("/") {
            return URL(fileURLWithPath: home).appendingPathComponent(".cache/aimc/weights")
        }
        return legacyDirectory(outputDirectory: outputDirectory)
    }

    /// The folder of aimc before the user cache: `output_dir/weights-cache`.
    public static func legacyDirectory(outputDirectory: String) -> URL {
        URL(fileURLWithPath: outputDirectory).appendingPathComponent("weights-cache")
    }
}

import NumericKernels

/// The one error type of `ExperimentKit`: a config or run problem, written for a user.
///
/// Config errors name the file (and line when known), the key, the value and the allowed
/// values or range.
public struct ConfigError: Error, CustomStringConvertible, Equatable, Sendable {
    public let message: String
    /// A message; lines longer than 2000 characters are shortened in the middle, so an
    /// error never repeats a huge value (a 1 MB list) back to the user.
    public init(_ message: String) { self.message = Clip.lines(message, 2000) }
    public var description: String { message }
}

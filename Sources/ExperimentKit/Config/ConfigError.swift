/// The one error type of `ExperimentKit`: a config or run problem, written for a user.
///
/// Config errors name the file (and line when known), the key, the value and the allowed
/// values or range.
public struct ConfigError: Error, CustomStringConvertible, Equatable, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

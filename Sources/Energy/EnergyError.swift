/// The one error type of the `Energy` module: an energy model or GPU profile whose
/// values cannot be used (the message names the parameter, the value and what is allowed).
public struct EnergyError: Error, CustomStringConvertible, Equatable, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

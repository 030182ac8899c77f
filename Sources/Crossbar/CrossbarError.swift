/// The one error type of the `Crossbar` module.
///
/// Thrown for a user's mistake (an invalid hardware description, a non-finite input);
/// a programmer's mistake (mismatched shapes inside the library) is a precondition failure.
public struct CrossbarError: Error, CustomStringConvertible, Equatable, Sendable {
    /// A message for the user naming the parameter, the value and the allowed range.
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

import NumericKernels

/// The one error type of the `Networks` module: datasets, file formats, shapes.
///
/// `message` is written for a user: it names the file, the key or array, the value
/// found and what was expected.
public struct NetworksError: Error, CustomStringConvertible, Equatable, Sendable {
    /// What went wrong, broadly.
    public enum Kind: String, Sendable {
        /// A dataset is missing or corrupt.
        case dataset
        /// A file is not in the format it claims (IDX, .npy, .npz).
        case fileFormat
        /// Arrays or layers have incompatible shapes.
        case shape
        /// Input or output failed at the operating-system level.
        case io
    }

    /// What went wrong, broadly.
    public let kind: Kind
    /// A message for the user naming the file and what was expected.
    public let message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = Clip.lines(message, 2000)  // never repeat a huge value
    }

    public var description: String { message }
}

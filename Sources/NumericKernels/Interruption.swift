import Foundation

/// A request to stop (Ctrl-C), honoured at safe points: the signal handler only sets a flag,
/// and long loops (training batches, evaluation batches, sweep points) call `checkpoint()`
/// between steps, so that no BLAS or FFTW call is cut off and the process exits normally
/// (an `exit` while another thread is inside OpenBLAS crashed in 4 of 18 interrupts).
public enum Interruption {
    final class State: @unchecked Sendable {
        let lock = NSLock()
        var requested = false
    }
    static let state = State()

    /// Whether a stop was requested.
    public static var isRequested: Bool {
        state.lock.lock()
        defer { state.lock.unlock() }
        return state.requested
    }

    /// Requests a stop (from a signal source's handler, never from the signal handler itself).
    public static func request() {
        state.lock.lock()
        state.requested = true
        state.lock.unlock()
    }

    /// Clears the request (tests; a library caller that goes on after an interrupt).
    public static func reset() {
        state.lock.lock()
        state.requested = false
        state.lock.unlock()
    }

    /// A safe point: throws `InterruptedError` when a stop was requested.
    @inlinable
    public static func checkpoint() throws {
        if isRequested { throw InterruptedError() }
    }
}

/// Thrown at a safe point after Ctrl-C (`Interruption`); the CLI exits with status 130.
public struct InterruptedError: Error, CustomStringConvertible, Equatable, Sendable {
    public init() {}
    public var description: String { "interrupted" }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

@inlinable @inline(__always) public func _log(_ x: Double) -> Double { log(x) }
@inlinable @inline(__always) public func _cos(_ x: Double) -> Double { cos(x) }
@inlinable @inline(__always) public func _sin(_ x: Double) -> Double { sin(x) }
@inlinable @inline(__always) public func _exp(_ x: Double) -> Double { exp(x) }
@inlinable @inline(__always) public func _expf(_ x: Float) -> Float { expf(x) }
@inlinable @inline(__always) public func _logf(_ x: Float) -> Float { logf(x) }
@inlinable @inline(__always) public func _powf(_ x: Float, _ y: Float) -> Float { powf(x, y) }
@inlinable @inline(__always) public func _sinhf(_ x: Float) -> Float { sinhf(x) }
@inlinable @inline(__always) public func _erff(_ x: Float) -> Float { erff(x) }

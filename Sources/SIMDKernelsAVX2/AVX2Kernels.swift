import SIMDKernels

/// `KernelBodies` compiled for AVX2 (Haswell and later, AMD Zen and later) (`-target-cpu haswell`); called only
/// after `NumericKernels.Kernels` has checked that the CPU supports it.
public enum AVX2Kernels {
    public static func scale(_ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>, count: Int, factor: Float) {
        KernelBodies.scale(src, dst, count: count, factor: factor)
    }

    public static func addNoise(
        _ src: UnsafePointer<Float>, noise: UnsafePointer<Float>, sigma: Float, _ dst: UnsafeMutablePointer<Float>, count: Int
    ) {
        KernelBodies.addNoise(src, noise: noise, sigma: sigma, dst, count: count)
    }

    public static func readEnergy(
        _ x: UnsafePointer<Float>, conductance g: UnsafePointer<Float>, count: Int, inverseStep: Float
    ) -> (active: Int, squared: Double, absolute: Double, bitwise: Double) {
        KernelBodies.readEnergy(x, conductance: g, count: count, inverseStep: inverseStep)
    }

    public static func containsNonFinite(_ x: UnsafePointer<Float>, count: Int) -> Bool {
        KernelBodies.containsNonFinite(x, count: count)
    }
}

import SIMDKernels

extension ConverterLevels {
    /// The constants of a non-ideal converter for the vectorised converter loops
    /// (`NumericKernels.Kernels.encode`, `.digitise`), which compute exactly what
    /// `Quantizer.clips` and `Quantizer.quantize` do, for converters of up to 22 bits.
    init(_ q: Quantizer) {
        self.init(
            step: q.step, inverseStep: q.inverseStep, lowest: q.lowestIndex, highest: q.highestIndex,
            lower: q.signed ? -q.range : 0, upper: q.range)
    }
}

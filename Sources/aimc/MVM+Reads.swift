import Crossbar
import Foundation
import Networks
import NumericKernels

extension MVM {
    /// `aimc mvm --reads N`: N successive reads of the programmed weights with 1/f-correlated
    /// read noise (`ProgrammedMatrix.readoutSeries`), each read at t_inference + n·interval,
    /// the same input batch through each; Y is written `[reads × batch × outputs]` (or
    /// `[reads × outputs]` for a single input vector). With --calibration each read's ADC is
    /// calibrated on that read with the same batch and stream. Output noise comes from stream
    /// [6] of the seed, consumed read after read.
    func runReadSeries(_ programmed: ProgrammedMatrix, spec: HardwareSpec, x: NumpyArray, xm: Matrix, outputs: Int) throws {
        guard let reads else { return }
        let interval: Double
        if let readInterval {
            interval = readInterval
        } else if let flicker = spec.device as? any FlickerNoiseDevice {
            interval = flicker.flickerReadTime
        } else {
            throw CrossbarError("--reads: device '\(spec.deviceKind.rawValue)' has no 1/f read-noise model to synthesise a time series from")
        }
        var calibrationBatch: Matrix?
        if let calibration {
            let c = try NPY.read(URL(fileURLWithPath: calibration))
            calibrationBatch = Matrix(rows: c.shape.count == 2 ? c.shape[0] : 1, columns: xm.columns, values: c.floats())
        }
        let readouts = try programmed.readoutSeries(tInference: tInference, reads: reads, interval: interval)
        var rng = Xoshiro256(seed: seed, stream: [6])
        var stats = ConversionStats()
        var values: [Float] = []
        values.reserveCapacity(reads * xm.rows * outputs)
        for var readout in readouts {
            if let calibrationBatch {
                var crng = Xoshiro256(seed: seed, stream: [8])
                readout = try readout.calibratingADC(calibrationBatch, rng: &crng)
            }
            let y = try readout.forward(xm, compensation: DriftCompensation(rawValue: compensation)!, rng: &rng, stats: &stats)
            values += y.values
        }
        let shape = [reads] + (x.shape.count == 2 ? [xm.rows, outputs] : [outputs])
        let out = x.dtype == .float64
            ? NumpyArray(doubles: values.map(Double.init), shape: shape)
            : NumpyArray(floats: values, shape: shape)
        try NPY.write(out, to: URL(fileURLWithPath: output))
        eprint(String(format: "aimc mvm: Y %@ (%d reads, %g s apart) written to %@ (ADC clipped %.3f %%, zeroed %.3f %%)",
                      "\(shape)", reads, interval, output, stats.adcClippedFraction * 100, stats.adcZeroedFraction * 100))
    }
}

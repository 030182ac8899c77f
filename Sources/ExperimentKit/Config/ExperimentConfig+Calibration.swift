import Crossbar
import Networks
import NumericKernels

extension ExperimentConfig {
    /// The ADC calibration batch: the first `evaluation.adc_calibration_images` training
    /// images when `hardware.adc.range_policy` is calibrated, else nil. Training images,
    /// never test images, so the test set stays held out.
    /// - Throws: `NetworksError` when the training set cannot be read.
    public func adcCalibrationBatch() throws -> Matrix? {
        guard hardware.adcRangePolicy != .fixed else { return nil }
        let n = try resolved.int("evaluation.adc_calibration_images")
        return try FashionMNIST.load(split: .train, directory: datasetDirectory, limit: n).images
    }
}

/// The documented keys of hardware descriptions (files in `Circuits/`, the `hardware:`
/// section of an experiment, and `aimc mvm --config`), relative to `hardware.`.
public enum HardwareKeys {
    static let g = 0.0...1e-2
    public static let all: [KeySpec] = [
        KeySpec(key: "include", kind: .stringList, defaultValue: "[]",
                doc: "Circuits files merged first, in order (paths relative to Circuits/ or absolute); later files and explicit keys override earlier ones."),
        KeySpec(key: "description", kind: .string, defaultValue: "''", doc: "Free text describing this hardware."),
        KeySpec(key: "source", kind: .string, defaultValue: "''", doc: "Citation of the paper or datasheet the values come from."),
        KeySpec(key: "device.model", kind: .choice(["pcm", "ideal"]), defaultValue: "pcm",
                doc: "Device technology: pcm (programming noise, drift, 1/f read noise) or ideal (none)."),
        KeySpec(key: "device.source", kind: .string, defaultValue: "''", doc: "Citation of the device model."),
        KeySpec(key: "device.g_max", kind: .number(1e-9...1e-2), defaultValue: "25.0e-6", doc: "Largest conductance gMax, siemens."),
        KeySpec(key: "device.g_min", kind: .number(g), defaultValue: "0.0", doc: "Smallest conductance gMin (a zero weight's devices), siemens; < g_max."),
        KeySpec(key: "device.programming_noise.coefficients_uS", kind: .numberList(-100...100, count: 3...3),
                defaultValue: "[0.26348, 1.9650, -1.1731]", doc: "c0, c1, c2 of σ_prog(r) = max(c0 + c1·r + c2·r², 0) µS at the reference gMax (Nandakumar 2019)."),
        KeySpec(key: "device.programming_noise.reference_g_max", kind: .number(1e-9...1e-2), defaultValue: "25.0e-6",
                doc: "gMax (S) at which the coefficients were fitted; σ_prog scales with g_max / reference_g_max."),
        KeySpec(key: "device.programming_noise.scale", kind: .number(0...100), defaultValue: "1.0", doc: "Multiplies σ_prog; 0 switches programming noise off."),
        KeySpec(key: "device.drift.t0", kind: .number(1e-9...1e9), defaultValue: "20.0", doc: "Drift reference time t0, seconds."),
        KeySpec(key: "device.drift.mean_coefficients", kind: .numberList(-10...10, count: 2...2), defaultValue: "[-0.0155, 0.0244]",
                doc: "Slope and intercept of μ_ν = a0·ln r + a1."),
        KeySpec(key: "device.drift.mean_clip", kind: .numberList(0...10, count: 2...2), defaultValue: "[0.049, 0.1]", doc: "Clip interval of μ_ν."),
        KeySpec(key: "device.drift.std_coefficients", kind: .numberList(-10...10, count: 2...2), defaultValue: "[-0.0125, -0.0059]",
                doc: "Slope and intercept of σ_ν = b0·ln r + b1."),
        KeySpec(key: "device.drift.std_clip", kind: .numberList(0...10, count: 2...2), defaultValue: "[0.008, 0.045]", doc: "Clip interval of σ_ν."),
        KeySpec(key: "device.drift.scale", kind: .number(0...100), defaultValue: "1.0", doc: "Multiplies every drift exponent ν; 0 switches drift off."),
        KeySpec(key: "device.read_noise.t_read", kind: .number(1e-12...1), defaultValue: "250.0e-9", doc: "Read time t_read of the 1/f noise integral, seconds."),
        KeySpec(key: "device.read_noise.q", kind: .number(0...1), defaultValue: "0.0088", doc: "1/f amplitude q in Q_s = min(q / max(r^e, 1e-3), q_max)."),
        KeySpec(key: "device.read_noise.exponent", kind: .number(0...5), defaultValue: "0.65", doc: "Exponent e of r in Q_s."),
        KeySpec(key: "device.read_noise.q_max", kind: .number(0...10), defaultValue: "0.2", doc: "Upper bound q_max of Q_s."),
        KeySpec(key: "device.read_noise.scale", kind: .number(0...100), defaultValue: "1.0", doc: "Multiplies σ_read; 0 switches read noise off."),
        KeySpec(key: "tile.rows", kind: .integer(1...65536), defaultValue: "512", doc: "Tile rows: inputs, word lines driven by DACs."),
        KeySpec(key: "tile.columns", kind: .integer(1...65536), defaultValue: "512", doc: "Tile columns: outputs, bit lines read by ADCs."),
        KeySpec(key: "tile.source", kind: .string, defaultValue: "''", doc: "Citation of the tile geometry."),
        KeySpec(key: "mapping.scheme", kind: .choice(["differential_pair"]), defaultValue: "differential_pair",
                doc: "Weight to device mapping: differential pair G⁺ − G⁻."),
        KeySpec(key: "mapping.weight_scaling", kind: .choice(["tile", "column", "layer"]), defaultValue: "tile",
                doc: "Scope of the scale s = (gMax − gMin)/max|W|: per tile, per output column, or per layer."),
        KeySpec(key: "mapping.output_units", kind: .choice(["normalized", "weight"]), defaultValue: "normalized",
                doc: "Units of output noise and ADC range: normalized (max |w| of the scaling group = 1) or weight (the layer's own units, aihwkit's default)."),
        KeySpec(key: "dac.bits", kind: .integer(0...24), defaultValue: "0", doc: "DAC resolution in bits; 0 is an ideal DAC."),
        KeySpec(key: "dac.range", kind: .number(1e-9...1e9), defaultValue: "1.0", doc: "DAC full scale r: signed over [−r, r], unsigned over [0, r] (normalised input units)."),
        KeySpec(key: "dac.signed", kind: .boolean, defaultValue: "true", doc: "Signed (2^b − 1 levels) or unsigned (2^b levels) DAC."),
        KeySpec(key: "adc.bits", kind: .integer(0...24), defaultValue: "0", doc: "ADC resolution in bits; 0 is an ideal ADC."),
        KeySpec(key: "adc.range", kind: .number(1e-9...1e9), defaultValue: "12.0", doc: "ADC full scale R in output units: signed over [−R, R], unsigned over [0, R]."),
        KeySpec(key: "adc.signed", kind: .boolean, defaultValue: "true", doc: "Signed or unsigned ADC."),
        KeySpec(key: "output_noise", kind: .number(0...100), defaultValue: "0.0", doc: "σ of additive Gaussian noise at the ADC input, output units; fresh on every MVM."),
        KeySpec(key: "input_scaling", kind: .choice(["abs_max", "none"]), defaultValue: "abs_max",
                doc: "Noise management: divide each input vector by its abs-max per tile before the DAC."),
        KeySpec(key: "bound_management.enabled", kind: .boolean, defaultValue: "false", doc: "On ADC saturation halve the input and retry."),
        KeySpec(key: "bound_management.max_factor", kind: .number(1...1e6), defaultValue: "16.0", doc: "Largest total input reduction of bound management (16 → at most 4 halvings)."),
    ] + EnergyKeys.all
}

/// The energy and latency keys of a hardware description (`energy.*`, set by the files in
/// `Circuits/energy/`). Numeric defaults are 0, meaning "not set": when `energy.name` is
/// set, every numeric key must be given, so that every constant comes from a file that
/// cites it.
public enum EnergyKeys {
    static let joules = 0.0...1e-6
    public static let all: [KeySpec] = [
        KeySpec(key: "energy.name", kind: .string, defaultValue: "''",
                doc: "Name of the energy model (set by a Circuits/energy file); empty: energy and latency are not modelled."),
        KeySpec(key: "energy.source", kind: .string, defaultValue: "''", doc: "Citation of the energy constants."),
        KeySpec(key: "energy.technology_node_nm", kind: .number(0...1000), defaultValue: "0", doc: "Technology node of the constants, nm (for the record)."),
        KeySpec(key: "energy.read_voltage", kind: .number(0...10), defaultValue: "0", doc: "Full-scale read voltage V_read on a word line, volts."),
        KeySpec(key: "energy.integration_time", kind: .number(0...1), defaultValue: "0",
                doc: "Read pulse t_int at full scale (per cycle for bit_serial), seconds; cell energy V²·G·t."),
        KeySpec(key: "energy.input_encoding", kind: .choice(["amplitude", "pulse_width", "bit_serial"]), defaultValue: "amplitude",
                doc: "Input pulses: amplitude (V ∝ x), pulse_width (t ∝ |x|) or bit_serial (one cycle per magnitude bit of the DAC)."),
        KeySpec(key: "energy.dac.energy", kind: .number(joules), defaultValue: "0", doc: "DAC / word-line driver energy per drive (per cycle for bit_serial), joules."),
        KeySpec(key: "energy.adc.model", kind: .choice(["walden", "table"]), defaultValue: "walden",
                doc: "ADC energy per conversion: walden (FoM · 2^bits) or table (by bits, log-linear between entries)."),
        KeySpec(key: "energy.adc.walden_fom", kind: .number(0...1e-9), defaultValue: "0", doc: "Walden figure of merit, joules per conversion step (walden)."),
        KeySpec(key: "energy.adc.table_bits", kind: .integerList(1...24, count: 0...24), defaultValue: "[]", doc: "Resolutions of the ADC energy table, bits, increasing (table)."),
        KeySpec(key: "energy.adc.table_energy", kind: .numberList(joules, count: 0...24), defaultValue: "[]", doc: "ADC energy per conversion at each table resolution, joules (table)."),
        KeySpec(key: "energy.adc.conversion_time", kind: .number(0...1), defaultValue: "0", doc: "Time of one ADC conversion, seconds."),
        KeySpec(key: "energy.adc.columns_per_adc", kind: .integer(1...65536), defaultValue: "1",
                doc: "Columns multiplexed onto one ADC: the same conversions and energy, n × the conversion time per read."),
        KeySpec(key: "energy.digital.add_energy", kind: .number(joules), defaultValue: "0", doc: "Digital add of a tile's partial sum into the layer output, joules per output."),
        KeySpec(key: "energy.digital.multiply_energy", kind: .number(joules), defaultValue: "0", doc: "Digital multiply by the output scale, joules per output."),
        KeySpec(key: "energy.digital.shift_add_energy", kind: .number(joules), defaultValue: "0", doc: "Shift-and-add of a bit-serial partial result, joules per conversion (bit_serial)."),
        KeySpec(key: "energy.digital.activation_energy", kind: .number(joules), defaultValue: "0", doc: "Bias addition and activation function, joules per layer output."),
        KeySpec(key: "energy.digital.input_scaling_energy", kind: .number(joules), defaultValue: "0", doc: "Abs-max input scaling, joules per input element and tile read."),
        KeySpec(key: "energy.digital.time_per_layer", kind: .number(0...1), defaultValue: "0", doc: "Latency of a layer's digital periphery per input vector, seconds."),
        KeySpec(key: "energy.memory.buffer_energy_per_byte", kind: .number(joules), defaultValue: "0", doc: "Activation buffer (SRAM) energy per byte read or written, joules."),
        KeySpec(key: "energy.memory.bytes_per_activation", kind: .integer(1...8), defaultValue: "1", doc: "Bytes per buffered activation."),
        KeySpec(key: "energy.parallel_tiles", kind: .integer(0...1_000_000), defaultValue: "0", doc: "Tiles that read at the same time; 0: every tile of a layer at once."),
    ]
}

/// The documented keys of experiment files (`Experiments/*.yaml`).
public enum ExperimentKeys {
    public static let evaluationTimesDefault: [Double] = [1, 3600, 86400, 31_536_000]
    public static let top: [KeySpec] = [
        KeySpec(key: "version", kind: .integer(1...1), defaultValue: "1", doc: "Config format version; 1."),
        KeySpec(key: "experiment", kind: .string, defaultValue: "file name", doc: "Experiment name (letters, digits, - _ .); results go to output_dir/<experiment>/."),
        KeySpec(key: "description", kind: .string, defaultValue: "''", doc: "Free text."),
        KeySpec(key: "seed", kind: .integer(0...Int.max), defaultValue: "0", doc: "Master seed of training, programming and every noise draw."),
        KeySpec(key: "output_dir", kind: .string, defaultValue: "results", doc: "Folder for results, relative to the working directory."),
        KeySpec(key: "dataset.name", kind: .choice(["fashion-mnist"]), defaultValue: "fashion-mnist", doc: "Dataset."),
        KeySpec(key: "dataset.path", kind: .string, defaultValue: "''",
                doc: "Folder with the IDX files; empty means $AIMC_FASHION_MNIST_DIR, else /usr/share/datasets/fashion-mnist (Debian package dataset-fashion-mnist)."),
        KeySpec(key: "dataset.train_limit", kind: .integer(1...60000), defaultValue: "60000", doc: "Training images used (the first N)."),
        KeySpec(key: "dataset.test_limit", kind: .integer(1...10000), defaultValue: "10000", doc: "Test images evaluated (the first N)."),
        KeySpec(key: "network.architecture", kind: .choice(["mlp"]), defaultValue: "mlp", doc: "Network type: mlp (dense layers, ReLU)."),
        KeySpec(key: "network.layers", kind: .integerList(1...100_000, count: 2...64), defaultValue: "[784, 256, 128, 10]",
                doc: "Layer widths from input (784 pixels) to output (10 classes)."),
        KeySpec(key: "network.weights", kind: .string, defaultValue: "''",
                doc: "An .npz of trained weights (W0, b0, W1, b1, …) to load instead of training; empty means train, caching the result in output_dir/weights-cache/ (reused by every experiment with the same dataset, widths and training settings)."),
        KeySpec(key: "training.optimizer", kind: .choice(["adam", "sgd"]), defaultValue: "adam", doc: "Optimiser: adam or sgd (with momentum)."),
        KeySpec(key: "training.epochs", kind: .integer(1...1000), defaultValue: "15", doc: "Passes over the training set."),
        KeySpec(key: "training.batch_size", kind: .integer(1...60000), defaultValue: "128", doc: "Mini-batch size."),
        KeySpec(key: "training.learning_rate", kind: .number(1e-9...10), defaultValue: "0.001", doc: "Learning rate."),
        KeySpec(key: "training.momentum", kind: .number(0...0.999999), defaultValue: "0.9", doc: "SGD momentum (sgd only)."),
        KeySpec(key: "training.weight_decay", kind: .number(0...1), defaultValue: "0.0", doc: "L2 weight decay."),
        KeySpec(key: "evaluation.t_inference", kind: .numberList(0...1e12, count: 1...1000), defaultValue: "[1, 3600, 86400, 31536000]",
                doc: "Times after programming at which accuracy is evaluated, seconds (suffixes s, min, h, d, y allowed)."),
        KeySpec(key: "evaluation.repeats", kind: .integer(1...100_000), defaultValue: "10",
                doc: "Independent programmings of the chip, each with its own seed mix(seed, repeat)."),
        KeySpec(key: "evaluation.batch_size", kind: .integer(1...100_000), defaultValue: "1000",
                doc: "Images per analogue MVM batch; each batch draws output noise from its own stream."),
        KeySpec(key: "evaluation.compensation", kind: .choiceList(["none", "global", "global_exact"]),
                defaultValue: "[none, global, global_exact]", doc: "Drift-compensation methods to evaluate."),
        KeySpec(key: "evaluation.threads", kind: .integer(0...1024), defaultValue: "0",
                doc: "Worker threads (0 = all cores); results are bit-identical for any value."),
        KeySpec(key: "baseline.gpus", kind: .stringList,
                defaultValue: "[gpus/nvidia-h100-sxm.yaml, gpus/nvidia-a100-sxm.yaml, gpus/nvidia-h200.yaml, gpus/nvidia-jetson-agx-orin.yaml]",
                doc: "GPU profiles of the digital baseline (paths relative to Circuits/ or absolute); the first is the headline of the comparison."),
        KeySpec(key: "baseline.precision", kind: .choice(["fp32", "bf16", "int8"]), defaultValue: "int8",
                doc: "Precision of the GPU baseline's energy and latency (its accuracy is reported at fp32, bf16 and int8)."),
        KeySpec(key: "baseline.batch_sizes", kind: .integerList(1...1_000_000, count: 1...16), defaultValue: "[1, 1000]",
                doc: "Batch sizes of the GPU roofline; the first is the headline (1: edge inference)."),
    ]

    /// Every experiment key, hardware keys under `hardware.`.
    public static let all: [KeySpec] = top + HardwareKeys.all.map {
        KeySpec(key: "hardware." + $0.key, kind: $0.kind, defaultValue: $0.defaultValue, doc: $0.doc)
    }
}

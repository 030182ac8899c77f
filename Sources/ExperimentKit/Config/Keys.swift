import Crossbar
import Energy
import Networks

/// The documented keys of hardware descriptions (files in `Circuits/`, the `hardware:`
/// section of an experiment, and `aimc mvm --config`), relative to `hardware.`.
public enum HardwareKeys {
    static let g = 0.0...1e-2
    public static let all: [KeySpec] = [
        KeySpec(key: "include", kind: .stringList, defaultValue: "[]",
                doc: "Circuits files merged first, in order (paths relative to Circuits/ or absolute); later files and explicit keys override earlier ones."),
        KeySpec(key: "description", kind: .string, defaultValue: "''", doc: "Free text describing this hardware."),
        KeySpec(key: "source", kind: .string, defaultValue: "''", doc: "Citation of the paper or datasheet the values come from."),
        KeySpec(key: "device.model", kind: .choice(DeviceKind.allCases.map(\.rawValue)), defaultValue: "pcm",
                doc: "Device technology: pcm (Nandakumar/Joshi model: programming noise, drift, 1/f read noise), ideal (none), rram (polynomial programming noise and relaxation, NeuRRAM fits; devices/rram-neurram.yaml) or pcm_hermes (branch-function PCM model of the IBM HERMES chip; devices/pcm-hermes.yaml)."),
        KeySpec(key: "device.source", kind: .string, defaultValue: "''", doc: "Citation of the device model."),
        KeySpec(key: "device.g_max", kind: .number(1e-9...1e-2), defaultValue: "25.0e-6", doc: "Largest conductance gMax, siemens."),
        KeySpec(key: "device.g_min", kind: .number(g), defaultValue: "0.0", doc: "Smallest conductance gMin (a zero weight's devices), siemens; < g_max."),
        KeySpec(key: "tile.rows", kind: .integer(1...65536), defaultValue: "512", doc: "Tile rows: inputs, word lines driven by DACs."),
        KeySpec(key: "tile.columns", kind: .integer(1...65536), defaultValue: "512", doc: "Tile columns: outputs, bit lines read by ADCs."),
        KeySpec(key: "tile.source", kind: .string, defaultValue: "''", doc: "Citation of the tile geometry."),
        KeySpec(key: "mapping.scheme", kind: .choice(MappingScheme.allCases.map(\.rawValue)), defaultValue: "differential_pair",
                doc: "Weight to device mapping: differential pair G⁺ − G⁻, or offset (one device per weight, G = g_min + (w − w_min)/(w_max − w_min)·(g_max − g_min), offset removed per mapping.offset_reference)."),
        KeySpec(key: "mapping.weight_scaling", kind: .choice(WeightScaling.allCases.map(\.rawValue)), defaultValue: "tile",
                doc: "Scope of the scale s = (gMax − gMin)/max|W|: per tile, per output column, or per layer."),
        KeySpec(key: "mapping.output_units", kind: .choice(OutputUnits.allCases.map(\.rawValue)), defaultValue: "normalized",
                doc: "Units of output noise and ADC range: normalized (max |w| of the scaling group = 1) or weight (the layer's own units, aihwkit's default)."),
        KeySpec(key: "dac.bits", kind: .integerOrZero(2...24), defaultValue: "0", doc: "DAC resolution in bits; 0 is an ideal DAC."),
        KeySpec(key: "dac.range", kind: .number(1e-9...1e9), defaultValue: "1.0", doc: "DAC full scale r: signed over [−r, r], unsigned over [0, r] (normalised input units)."),
        KeySpec(key: "dac.signed", kind: .boolean, defaultValue: "true", doc: "Signed (2^b − 1 levels) or unsigned (2^b levels) DAC."),
        KeySpec(key: "adc.bits", kind: .integerOrZero(2...24), defaultValue: "0", doc: "ADC resolution in bits; 0 is an ideal ADC."),
        KeySpec(key: "adc.range", kind: .number(1e-9...1e9), defaultValue: "12.0", doc: "ADC full scale R in output units: signed over [−R, R], unsigned over [0, R]."),
        KeySpec(key: "adc.signed", kind: .boolean, defaultValue: "true", doc: "Signed or unsigned ADC."),
        KeySpec(key: "output_noise", kind: .number(0...100), defaultValue: "0.0", doc: "σ of additive Gaussian noise at the ADC input, output units; fresh on every MVM."),
        KeySpec(key: "input_scaling", kind: .choice(InputScaling.allCases.map(\.rawValue)), defaultValue: "abs_max",
                doc: "Noise management: divide each input vector by its abs-max per tile before the DAC."),
        KeySpec(key: "bound_management.enabled", kind: .boolean, defaultValue: "false", doc: "On ADC saturation halve the input and retry."),
        KeySpec(key: "bound_management.max_factor", kind: .number(1...1e6), defaultValue: "16.0", doc: "Largest total input reduction of bound management (16 → at most 4 halvings)."),
    ] + DeviceKeys.all + StageKeys.all + [
        KeySpec(key: "ir_drop.mode", kind: .choice(IRDropMode.allCases.map(\.rawValue)), defaultValue: "none",
                doc: "Wire resistance (IR drop) of each tile, solved at readout after drift and read noise: none (ideal wires), exact (the nodal network, Schur-complement PCG to ir_drop.tolerance) or approximate (one block Gauss–Seidel sweep, O(rows·columns)); Chen, IEEE TED 60, 1318 (2013)."),
        KeySpec(key: "ir_drop.wire_resistance", kind: .number(0...1e6), defaultValue: "0.35",
                doc: "Resistance of one cell-to-cell segment of every word and bit line (and of the segment to the driver or read-out), ohms; 0.35 Ω is aihwkit's IOParameters.ir_drop_g_ratio default."),
        KeySpec(key: "ir_drop.pair_layout", kind: .choice(PairLayout.allCases.map(\.rawValue)), defaultValue: "interleaved",
                doc: "Where the differential pair sits: interleaved (G⁺ and G⁻ on adjacent bit lines of one array, sharing word lines) or separate (two arrays with their own drivers)."),
        KeySpec(key: "ir_drop.tolerance", kind: .number(1e-15...1e-2), defaultValue: "1.0e-10",
                doc: "Relative residual at which the exact IR-drop solver stops."),
        KeySpec(key: "ir_drop.max_iterations", kind: .integer(1...1_000_000), defaultValue: "10000",
                doc: "PCG iteration limit of the exact IR-drop solver; reaching it is an error of the MVM, never a silent fallback."),
    ] + EnergyKeys.all
}

/// The energy and latency keys of a hardware description (`energy.*`, set by the files in
/// `Circuits/energy/`). Numeric defaults are 0, meaning "not set": when `energy.name` is
/// set, every numeric key must be given, so that every constant comes from a file that
/// cites it.
public enum EnergyKeys {
    static let joules = 0.0...1e-6
    static let watts = 0.0...10.0
    static let areaUm2 = 0.0...1e8
    static let band = 0.01...100.0
    /// The parts of the analogue energy that carry a band (`energy.band.<part>`).
    public static let bandParts = ["adc", "dac", "array", "frontend", "static", "digital", "memory"]
    public static let all: [KeySpec] = [
        KeySpec(key: "energy.name", kind: .string, defaultValue: "''",
                doc: "Name of the energy model (set by a Circuits/energy file); empty: energy and latency are not modelled."),
        KeySpec(key: "energy.source", kind: .string, defaultValue: "''", doc: "Citation of the energy constants."),
        KeySpec(key: "energy.technology_node_nm", kind: .number(0...1000), defaultValue: "0",
                doc: "Technology node of the constants, nm: the feature size F of energy.area.unit_cell_f2."),
        KeySpec(key: "energy.read_voltage", kind: .number(0...10), defaultValue: "0", doc: "Full-scale read voltage V_read on a word line, volts."),
        KeySpec(key: "energy.array.supply_voltage", kind: .number(0...10), defaultValue: "0",
                doc: "Supply the bit-line current is drawn from, volts (≥ read_voltage): array energy V_supply·I·t; equal to read_voltage it is the cell dissipation V²·G·t, V_DD for bit lines clamped from the core supply."),
        KeySpec(key: "energy.integration_time", kind: .number(0...1), defaultValue: "0",
                doc: "Read pulse t_int at full scale (per cycle for bit_serial), seconds (amplitude and bit_serial; pulse_width derives it from energy.dac.pulse_clock_period)."),
        KeySpec(key: "energy.input_encoding", kind: .choice(InputEncoding.allCases.map(\.rawValue)), defaultValue: "amplitude",
                doc: "Input pulses: amplitude (V ∝ x), pulse_width (t ∝ |x|) or bit_serial (one cycle per magnitude bit of the DAC)."),
        KeySpec(key: "energy.read_phases", kind: .integer(1...16), defaultValue: "1",
                doc: "Reads (phases) per MVM: every per-read energy and the read time × this (HERMES's high-precision mode: 4). The accuracy simulation reads once."),
        KeySpec(key: "energy.dac.energy", kind: .number(joules), defaultValue: "0", doc: "DAC / word-line driver energy per drive (per cycle for bit_serial), joules."),
        KeySpec(key: "energy.dac.pulse_clock_period", kind: .number(0...1), defaultValue: "0",
                doc: "pulse_width: one clock period per DAC level, seconds; t_int = 2^m × this, m the DAC's magnitude bits (bits − 1 when signed)."),
        KeySpec(key: "energy.adc.model", kind: .choice(["walden", "table", "sar", "ramp", "flash"]), defaultValue: "walden",
                doc: "ADC energy and time per conversion: walden (FoM · 2^bits), table (by bits, log-linear between entries), sar ((N+1)·t_clk·(a·N + b), time (N+1)·t_clk), ramp (counting ramp or CCO: P·2^N·t_LSB, time 2^N·t_LSB) or flash ((2^N − 1)·E_cmp, time t_clk)."),
        KeySpec(key: "energy.adc.walden_fom", kind: .number(0...1e-9), defaultValue: "0", doc: "Walden figure of merit, joules per conversion step (walden)."),
        KeySpec(key: "energy.adc.table_bits", kind: .integerList(1...24, count: 0...24), defaultValue: "[]", doc: "Resolutions of the ADC energy table, bits, increasing (table)."),
        KeySpec(key: "energy.adc.table_energy", kind: .numberList(joules, count: 0...24), defaultValue: "[]", doc: "ADC energy per conversion at each table resolution, joules (table)."),
        KeySpec(key: "energy.adc.power_per_bit", kind: .number(watts), defaultValue: "0", doc: "sar: a of the converter power a·N + b, watts per bit."),
        KeySpec(key: "energy.adc.power_offset", kind: .number(watts), defaultValue: "0", doc: "sar: b of the converter power a·N + b, watts."),
        KeySpec(key: "energy.adc.clock_period", kind: .number(0...1), defaultValue: "0", doc: "sar and flash: converter clock period t_clk, seconds."),
        KeySpec(key: "energy.adc.active_power", kind: .number(watts), defaultValue: "0", doc: "ramp: power of the ramp or oscillator and counter while converting, watts."),
        KeySpec(key: "energy.adc.lsb_time", kind: .number(0...1), defaultValue: "0", doc: "ramp: time per LSB t_LSB, seconds (HERMES CCO: 300 ps)."),
        KeySpec(key: "energy.adc.comparator_energy", kind: .number(joules), defaultValue: "0", doc: "flash: energy of one comparator decision, joules."),
        KeySpec(key: "energy.adc.conversion_time", kind: .number(0...1), defaultValue: "0", doc: "Time of one ADC conversion, seconds (walden and table; the other models derive it from the bits)."),
        KeySpec(key: "energy.adc.columns_per_adc", kind: .integer(1...65536), defaultValue: "1",
                doc: "Columns multiplexed onto one ADC: the same conversions and energy, n × the conversion time per read."),
        KeySpec(key: "energy.column.frontend_power", kind: .number(watts), defaultValue: "0",
                doc: "Column front-end (integrator, TIA, CCO bias) power per column during integration, watts."),
        KeySpec(key: "energy.static.power_per_column", kind: .number(watts), defaultValue: "0",
                doc: "Static power of a reading tile per column (references, bias, clocks, control), watts, × the tile's read time."),
        KeySpec(key: "energy.static.idle_power_per_column", kind: .number(watts), defaultValue: "0",
                doc: "Leakage of every tile of the network, reading or idle, per column, watts, × the inference latency."),
        KeySpec(key: "energy.digital.add_energy", kind: .number(joules), defaultValue: "0", doc: "Digital add of a tile's partial sum into the layer output, joules per output (and per extra phase)."),
        KeySpec(key: "energy.digital.multiply_energy", kind: .number(joules), defaultValue: "0", doc: "Digital multiply by the output scale, joules per output."),
        KeySpec(key: "energy.digital.shift_add_energy", kind: .number(joules), defaultValue: "0", doc: "Shift-and-add of a bit-serial partial result, joules per conversion (bit_serial)."),
        KeySpec(key: "energy.digital.activation_energy", kind: .number(joules), defaultValue: "0", doc: "Bias addition and activation function, joules per layer output."),
        KeySpec(key: "energy.digital.input_scaling_energy", kind: .number(joules), defaultValue: "0", doc: "Abs-max input scaling, joules per input element and tile read."),
        KeySpec(key: "energy.digital.mac_energy", kind: .number(joules), defaultValue: "0",
                doc: "FP32 multiply-accumulate of a matrix placed digitally (placement: digital, network.placement.*), joules; each MAC also reads its 4-byte weight at energy.memory.buffer_energy_per_byte. 0: not set (a network with a digital matrix then has no energy estimate)."),
        KeySpec(key: "energy.digital.time_per_layer", kind: .number(0...1), defaultValue: "0", doc: "Latency of a layer's digital periphery per input vector, seconds."),
        KeySpec(key: "energy.memory.buffer_energy_per_byte", kind: .number(joules), defaultValue: "0", doc: "Activation buffer (SRAM) energy per byte read or written, joules."),
        KeySpec(key: "energy.memory.bytes_per_activation", kind: .integer(1...8), defaultValue: "1", doc: "Bytes per buffered activation."),
        KeySpec(key: "energy.memory.interconnect_energy_per_byte", kind: .number(joules), defaultValue: "0",
                doc: "Tile-to-tile interconnect energy per byte carried (inputs to every tile, ⌈ADC bits/8⌉ bytes per partial sum out), joules."),
        KeySpec(key: "energy.parallel_tiles", kind: .integer(0...1_000_000), defaultValue: "0", doc: "Tiles that read at the same time; 0: every tile of a layer at once."),
        KeySpec(key: "energy.area.unit_cell_f2", kind: .number(0...1e6), defaultValue: "0",
                doc: "Area of the unit cell holding one weight (all its devices and access transistors), in F² (F = energy.technology_node_nm)."),
        KeySpec(key: "energy.area.per_column_um2", kind: .number(areaUm2), defaultValue: "0", doc: "Column periphery (ADC, front-end, mux) per column, µm²."),
        KeySpec(key: "energy.area.per_row_um2", kind: .number(areaUm2), defaultValue: "0", doc: "Row periphery (DAC / driver) per row, µm²."),
        KeySpec(key: "energy.area.per_tile_um2", kind: .number(areaUm2), defaultValue: "0", doc: "Per-tile digital unit, buffers and control, µm²."),
    ] + bandParts.map {
        KeySpec(key: "energy.band.\($0)", kind: .numberList(band, count: 2...2), defaultValue: "[1, 1]",
                doc: "Spread of the \($0) energy where the literature spreads: [optimistic, pessimistic] multipliers of the central value (optimistic ≤ 1 ≤ pessimistic).")
    }
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
        KeySpec(key: "dataset.name", kind: .choice(DatasetName.allCases.map(\.rawValue)), defaultValue: "fashion-mnist",
                doc: "Dataset: fashion-mnist (the IDX files of Debian's dataset-fashion-mnist) or arrays (x_train, y_train, x_test, y_test from an .npz, or a folder of four .npy files, at dataset.path: inputs float32/float64 [N × features] or [N × C × H × W], integer labels; the network's input shape and class count come from the data)."),
        KeySpec(key: "dataset.path", kind: .string, defaultValue: "''",
                doc: "fashion-mnist: folder with the IDX files; empty means $AIMC_FASHION_MNIST_DIR, else /usr/share/datasets/fashion-mnist (Debian package dataset-fashion-mnist). arrays: the .npz file or the folder of .npy files (required)."),
        KeySpec(key: "dataset.train_limit", kind: .integer(1...100_000_000), defaultValue: "60000", doc: "Training samples used: the first N (all when the split has fewer)."),
        KeySpec(key: "dataset.test_limit", kind: .integer(1...100_000_000), defaultValue: "10000", doc: "Test samples evaluated: the first N (all when the split has fewer)."),
        KeySpec(key: "network.architecture", kind: .choice(NetworkArchitecture.allCases.map(\.rawValue)), defaultValue: "mlp",
                doc: "Network type, sized from the data: mlp (dense layers, widths network.hidden, ReLU); lenet5 (LeNet-5-style CNN for images ≥ 12 × 12: two 5×5 conv + batch norm + max-pool, dense →120→84→classes); resnet (small ResNet for images: 3×3 stem and three basic blocks of 8, 16, 32 channels, global average pooling); vit (a vision transformer in timm's layout: patch embedding, class token, positional embedding, pre-norm attention and feed-forward or mixture-of-experts blocks, network.vit.*); custom (the YAML architecture in network.definition, with network.weights from PyTorch, .npz or .safetensors, or trained here)."),
        KeySpec(key: "network.definition", kind: .string, defaultValue: "''",
                doc: "YAML architecture description for network.architecture = custom (layer types and keys in Experiments/README.md, 'Networks trained elsewhere'); relative to the working directory."),
        KeySpec(key: "network.hidden", kind: .integerList(1...100_000, count: 0...62), defaultValue: "[256, 128]",
                doc: "mlp: widths of the hidden layers; the input width is the data's features per sample, the output width its class count."),
        KeySpec(key: "network.layers", kind: .integerList(1...100_000, count: 2...64), defaultValue: "derived",
                doc: "mlp: all widths from input to output, e.g. [784, 256, 128, 10] (the form of earlier configs): the first must equal the data's features per sample and the last its class count; the hidden widths then replace network.hidden (set one of the two)."),
        KeySpec(key: "network.vit.patch_size", kind: .integer(1...1024), defaultValue: "7",
                doc: "vit: side of the square patches (a p × p convolution of stride p embeds each); must divide the images' height and width."),
        KeySpec(key: "network.vit.dim", kind: .integer(1...4096), defaultValue: "64", doc: "vit: token width D (divisible by network.vit.heads)."),
        KeySpec(key: "network.vit.depth", kind: .integer(1...64), defaultValue: "4", doc: "vit: transformer blocks (each attention + feed-forward, pre-norm)."),
        KeySpec(key: "network.vit.heads", kind: .integer(1...64), defaultValue: "4", doc: "vit: attention heads."),
        KeySpec(key: "network.vit.mlp_ratio", kind: .integer(1...16), defaultValue: "2", doc: "vit: hidden width of the feed-forward blocks (and of each expert) ÷ D."),
        KeySpec(key: "network.vit.pool", kind: .choice(TokenPool.allCases.map(\.rawValue)), defaultValue: "cls",
                doc: "vit: what the classifier head reads: cls (a learned class token, timm's default) or mean (the mean over the patch tokens, no class token)."),
        KeySpec(key: "network.vit.attention_precision", kind: .choice(AttentionPrecision.allCases.map(\.rawValue)), defaultValue: "fp32",
                doc: "vit: number format of attention's activation × activation products QKᵀ and A·V, always digital: fp32, bf16 (operands rounded to bfloat16) or int8 (symmetric per-(sample, head) quantisation)."),
        KeySpec(key: "network.vit.experts", kind: .integer(0...256), defaultValue: "0",
                doc: "vit: experts per mixture-of-experts feed-forward block (top-k router, load-balancing loss in training); 0 keeps dense feed-forward blocks."),
        KeySpec(key: "network.vit.top_k", kind: .integer(1...256), defaultValue: "2", doc: "vit: experts each token is routed to (1 … network.vit.experts)."),
        KeySpec(key: "network.vit.moe_every", kind: .integer(1...64), defaultValue: "1",
                doc: "vit: every how many blocks the feed-forward block is a mixture of experts (1: every block; 2: blocks 2, 4, …, as GShard alternates them)."),
        KeySpec(key: "network.vit.balance_loss", kind: .number(0...10), defaultValue: "0.01",
                doc: "vit: weight α of the load-balancing loss α·E·Σ f_e·P_e added in training (Fedus et al., JMLR 2022; 0.01 there)."),
        KeySpec(key: "network.weights", kind: .string, defaultValue: "''",
                doc: "Trained weights to load instead of training: mlp an .npz or .safetensors (W0, b0, W1, b1, …); lenet5, resnet and custom arrays named as the architecture's layers (<name>.weight, <name>.bias, …). Empty means train, caching the result in the user cache folder ~/.cache/aimc/weights/ ($XDG_CACHE_HOME/aimc/weights, or $AIMC_CACHE_DIR; reused by every experiment with the same dataset, architecture and training settings, from any folder). The training.* keys do not apply when weights are loaded."),
    ] + PlacementKeys.all + [
        KeySpec(key: "training.optimizer", kind: .choice(Optimizer.allCases.map(\.rawValue)), defaultValue: "adam",
                doc: "Optimiser: adam, adamw (Adam with decoupled weight decay, Loshchilov & Hutter 2019: p ← p − lr·(m̂/(√v̂ + ε) + weight_decay·p)) or sgd (with momentum)."),
        KeySpec(key: "training.epochs", kind: .integer(1...1000), defaultValue: "15", doc: "Passes over the training set."),
        KeySpec(key: "training.batch_size", kind: .integer(1...60000), defaultValue: "128", doc: "Mini-batch size."),
        KeySpec(key: "training.learning_rate", kind: .number(1e-9...10), defaultValue: "0.001", doc: "Learning rate (the peak rate of a schedule)."),
        KeySpec(key: "training.momentum", kind: .number(0...0.999999), defaultValue: "0.9", doc: "SGD momentum (applies to training.optimizer = sgd only)."),
        KeySpec(key: "training.weight_decay", kind: .number(0...1), defaultValue: "0.0",
                doc: "Weight decay of the weight matrices (not biases, norms, tokens or embeddings): L2 added to the gradient (adam, sgd) or decoupled (adamw)."),
        KeySpec(key: "training.beta2", kind: .number(0...0.999999), defaultValue: "0.999",
                doc: "β₂ of adam and adamw: decay of the second-moment estimate (β₁ = 0.9, ε = 1e-8)."),
        KeySpec(key: "training.lr_schedule", kind: .choice(LearningRateSchedule.allCases.map(\.rawValue)), defaultValue: "constant",
                doc: "Learning rate over the epochs (every architecture): constant; cosine, annealed per epoch min_learning_rate + (learning_rate − min_learning_rate)·(1 + cos(π·epoch/epochs))/2; or cosine_per_step, the same per optimiser step over the steps after the warm-up (ViT/DeiT)."),
        KeySpec(key: "training.warmup_epochs", kind: .number(0...1000), defaultValue: "0.0",
                doc: "Linear learning-rate warm-up over the optimiser steps of the first N epochs (fractions allowed, at most training.epochs): step s of the W warm-up steps gets the scheduled rate × (s + 1)/W; 0 is off."),
        KeySpec(key: "training.min_learning_rate", kind: .number(0...10), defaultValue: "0.0",
                doc: "Floor of the cosine schedules, at most training.learning_rate (applies to lr_schedule cosine and cosine_per_step)."),
        KeySpec(key: "training.noise.type", kind: .choice(WeightNoiseKind.allCases.map(\.rawValue)), defaultValue: "none",
                doc: "Hardware-aware training (every architecture): weight noise drawn afresh for every mini-batch's forward pass: additive (w + σ·max|W|·N), multiplicative (w·(1 + σ·N)) or pcm (the PCM programming-noise model of hardware.device on a differential pair, σ_prog × σ)."),
        KeySpec(key: "training.noise.std", kind: .number(0...10), defaultValue: "derived",
                doc: "σ of training.noise.type (does not apply to none): relative to the layer's max|W| (additive, multiplicative: required, > 0), or the multiplier of the device's σ_prog (pcm: default 1, the device's own programming noise)."),
        KeySpec(key: "training.weight_clip_sigma", kind: .number(0...100), defaultValue: "0.0",
                doc: "After every update clip each layer's weights to ±k·std(W) (k = this value); 0 is off."),
        KeySpec(key: "training.output_noise", kind: .number(0...10), defaultValue: "0.0",
                doc: "Hardware-aware training: σ of Gaussian noise added to every output of every weighted layer's MVM in training, relative to max|x|·max|W| of that input vector and layer (aihwkit's forward.out_noise with abs-max input scaling; the unit of hardware.output_noise with output_units normalized); 0 is off."),
        KeySpec(key: "training.adc_bits", kind: .integerOrZero(2...24), defaultValue: "0",
                doc: "Hardware-aware training: ADC quantisation of every weighted layer's MVM outputs to 2^bits − 1 levels over ±training.adc_range (in the unit of training.output_noise), clipped beyond, with a straight-through gradient (zero where clipped); 0 is off, else 2…24."),
        KeySpec(key: "training.adc_range", kind: .number(1e-6...1e6), defaultValue: "12.0",
                doc: "Range ±b of the training ADC in units of max|x|·max|W| (aihwkit's forward.out_bound; applies when training.adc_bits > 0)."),
        KeySpec(key: "training.drift_aware.epochs", kind: .integer(0...1000), defaultValue: "0",
                doc: "Drift-aware fine-tuning (training.drift_aware.t_inference and .learning_rate apply only when > 0): epochs after training.epochs with the PCM model programmed and drifted to training.drift_aware.t_inference (global compensation) as the weight noise; 0 is off."),
        KeySpec(key: "training.drift_aware.t_inference", kind: .number(0...1e12), defaultValue: "86400",
                doc: "Drift time of the fine-tuning noise, seconds (suffixes s, min, h, d, y allowed)."),
        KeySpec(key: "training.drift_aware.learning_rate", kind: .number(1e-9...10), defaultValue: "0.0001",
                doc: "Learning rate of the drift-aware fine-tuning epochs."),
        KeySpec(key: "evaluation.t_inference", kind: .numberList(0...1e12, count: 1...1000), defaultValue: "[1, 3600, 86400, 31536000]",
                doc: "Times after programming at which accuracy is evaluated, seconds (suffixes s, min, h, d, y allowed)."),
        KeySpec(key: "evaluation.repeats", kind: .integer(1...100_000), defaultValue: "10",
                doc: "Independent programmings of the chip, each with its own seed mix(seed, repeat)."),
        KeySpec(key: "evaluation.batch_size", kind: .integer(1...100_000), defaultValue: "1000",
                doc: "Images per analogue MVM batch; each batch draws output noise from its own stream."),
        KeySpec(key: "evaluation.compensation", kind: .choiceList(DriftCompensation.allCases.map(\.rawValue)),
                defaultValue: "[none, global, global_exact]",
                doc: "Drift-compensation methods to evaluate: per tile (global from the one-hot read-out, global_exact from the conductances) or per output column (column, column_exact)."),
        KeySpec(key: "evaluation.adc_calibration_images", kind: .integer(1...60000), defaultValue: "256",
                doc: "With hardware.adc.range_policy calibrated or calibrated_per_column: the first N training images form the calibration batch (never test images)."),
        KeySpec(key: "evaluation.compare_plain", kind: .boolean, defaultValue: "false",
                doc: "Also train (or reuse) the plain network — the same config with training.noise, training.output_noise, training.adc_bits, weight clipping and drift-aware fine-tuning off — evaluate it on the same hardware and programming seeds, and report both side by side (every architecture; needs hardware-aware training and no network.weights)."),
        KeySpec(key: "evaluation.threads", kind: .integer(0...1024), defaultValue: "0",
                doc: "Worker threads (0 = the CPUs this process may use: $SLURM_CPUS_PER_TASK, else the affinity mask); results are bit-identical for any value."),
        KeySpec(key: "baseline.gpus", kind: .stringList,
                defaultValue: "[gpus/nvidia-h100-sxm.yaml, gpus/nvidia-a100-sxm.yaml, gpus/nvidia-h200.yaml, gpus/nvidia-jetson-agx-orin.yaml]",
                doc: "GPU profiles of the digital baseline (paths relative to Circuits/ or absolute); the first is the headline of the comparison."),
        KeySpec(key: "baseline.precision", kind: .choice(DigitalPrecision.allCases.map(\.rawValue)), defaultValue: "int8",
                doc: "Precision of the GPU baseline's energy and latency (its accuracy is reported at fp32, bf16 and int8)."),
        KeySpec(key: "baseline.batch_sizes", kind: .integerList(1...1_000_000, count: 1...16), defaultValue: "[1, 1000]",
                doc: "Batch sizes of the GPU roofline; the first is the headline (1: edge inference)."),
    ]

    /// Every experiment key, hardware keys under `hardware.`.
    public static let all: [KeySpec] = top + HardwareKeys.all.map {
        KeySpec(key: "hardware." + $0.key, kind: $0.kind, defaultValue: $0.defaultValue, doc: $0.doc)
    }
}

/// Placement of a transformer's matrices on analogue tiles or in the digital periphery
/// (`network.placement.*`, `PlacementPolicy`), applied to the trained or loaded network
/// before it is mapped. Each key applies only to a network with the layers it places.
public enum PlacementKeys {
    /// The value of `attention` and `router` that keeps every layer's own `placement:`.
    public static let asDefined = "architecture"
    public static let all: [KeySpec] = [
        KeySpec(key: "network.placement.experts_digital_fraction", kind: .number(0...1), defaultValue: "0",
                doc: "p ∈ [0, 1]: in every mixture-of-experts layer of E experts, the ⌈p·E⌉ experts (rounded up; p·E within 1e-9 of an integer counts as that integer) with the highest network.placement.score run digitally (FP32, both matrices, no tiles; ties: lower index first); the others keep their placement: in the architecture. 0.125 of 8 experts: 1. Applies to networks with a moe layer only."),
        KeySpec(key: "network.placement.score", kind: .choice(ExpertScore.allCases.map(\.rawValue)), defaultValue: ExpertScore.maxNeuronNorm.rawValue,
                doc: "Sensitivity score of an expert, highest first to go digital: max_neuron_norm = max over hidden neurons j of the L2 norm of row j of its fc1 weight (the maximum-neuron-norm criterion of Chowdhury et al., arXiv:2603.02633, 2026: noise-sensitive experts are identified by their maximum neuron norm; implemented from the paper's abstract), or frobenius_norm = √(‖fc1‖²_F + ‖fc2‖²_F). Applies to networks with a moe layer only."),
        KeySpec(key: "network.placement.attention", kind: .choice([asDefined] + Placement.allCases.map(\.rawValue)), defaultValue: asDefined,
                doc: "Placement of every attention layer's qkv and proj matrices: analog (tiles), digital (FP32 in the digital periphery) or architecture (each layer's own placement:). QKᵀ and A·V are digital whatever this says. Applies to networks with an attention layer only."),
        KeySpec(key: "network.placement.router", kind: .choice([asDefined] + Placement.allCases.map(\.rawValue)), defaultValue: asDefined,
                doc: "Placement of every mixture-of-experts router: analog, digital or architecture (each layer's own placement:). Applies to networks with a moe layer only."),
    ]
}
